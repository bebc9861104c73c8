// Training runs, checkpoints, evaluation, losses-by-name, progress and logs.
export * from './run.js';
export * from './trainer.js';
export * from '../checkpoint/file.js';
export * from './evaluate.js';
export * from './objective.js';
export { JsonlLog, readJsonl } from './jsonl-log.js';
