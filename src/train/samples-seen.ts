// Resuming with another global batch (batch per process x processes, e.g. a 2-process run
// continued on one): the run continues by samples seen. The epoch and the samples into it stay;
// the step becomes the one a run with the new global batch would be at, so the learning-rate
// schedule (computed over the new run's steps) continues at the same fraction of the run, and
// lengths given in steps (--iterations, --warmup) keep their length in samples.
import type { TrainState } from './training-state.js';

/** Where training stands, in the new run's steps. */
export interface ResumedPosition {
  step: number;
  batchInEpoch: number;
}

/** The global batch a checkpoint was trained with (older checkpoints: its batch size, one process). */
export function savedGlobalBatch(state: TrainState, training: Record<string, unknown> | undefined): number {
  const stored = state.extra?.globalBatch;
  if (typeof stored === 'number') return stored;
  const batch = typeof training?.batchSize === 'number' ? training.batchSize : 8;
  const ranks = typeof training?.worldSize === 'number' ? training.worldSize : 1;
  return batch * ranks;
}

/**
 * The saved position in steps of `globalBatch`: the same epoch, the batches of the partial
 * epoch rounded down (a few samples may be seen twice, none skipped).
 */
export function positionForBatch(
  saved: { epoch: number; step: number; batchInEpoch: number; globalBatch: number },
  globalBatch: number,
  stepsPerEpoch: number,
): ResumedPosition {
  if (saved.globalBatch === globalBatch) return { step: saved.step, batchInEpoch: saved.batchInEpoch };
  const batchInEpoch = Math.floor((saved.batchInEpoch * saved.globalBatch) / globalBatch);
  return { step: saved.epoch * stepsPerEpoch + batchInEpoch, batchInEpoch };
}

/** A length in steps of `savedBatch` as steps of `globalBatch` (the same samples, at least 1). */
export function stepsForBatch(steps: number, savedBatch: number, globalBatch: number): number {
  return savedBatch === globalBatch ? steps : Math.max(1, Math.round((steps * savedBatch) / globalBatch));
}
