// pixelwise/train: a whole training run from one description (data, model, optimisation, run
// folder), the loop behind it, evaluation of a model over a split, losses by name, metrics.jsonl;
// a run as one rank of a data-parallel group (`distributed`).
//
//   const result = await train({ data: { format: 'camvid', root: 'CamVid' }, model: 'unet', epochs: 50, out: 'runs/camvid' });
//   const again = await resumeRun('runs/camvid', { epochs: 80 });
export { train, resumeRun, prepareRun, prepareResume, lastCheckpointPath, orientationWarning, type TrainRunOptions, type PreparedRun, type RunSummary } from './run.js';
export { RunLock, LOCK_FILE, RUN_FILES, checkNewRunFolder, type LockInfo } from './run-folder.js';
export { runtimeInfo, machineCpu, libtorchInfo, type RuntimeInfo, type MachineCpu } from './environment.js';
export { Trainer, type EpochRecord, type TrainResult, type TrainPosition, type TrainerOptions } from './trainer.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluate.js';
export { buildObjective, predictLabels, LOSS_NAMES, type LossName, type Objective, type ObjectiveOptions } from './objective.js';
export { loadTrainingCheckpoint, type TrainState, type TrainingCheckpoint } from './training-state.js';
export { readJsonl, type JsonlContents } from './jsonl-log.js';
export type { DistributedTrainingOptions } from './distributed.js';
