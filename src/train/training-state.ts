// The training part of a run's last.safetensors: where training stood and the state of the
// optimizer, schedule and random generator, so --resume continues exactly. Only training
// writes and reads it; prediction loads weights without it (checkpoint/file.ts).
import type { Tensor } from '../torch/index.js';
import type { OptimizerMeta } from '../optim/optimizer.js';
import type { SchedulerState } from '../optim/schedules.js';
import { loadCheckpointWithTraining, type CheckpointConfig } from '../checkpoint/file.js';

/** Where training stood: enough, with the optimizer tensors, to continue exactly. */
export interface TrainState {
  epoch: number;
  step: number;
  bestScore: number | null;
  optimizer: OptimizerMeta;
  scheduler: SchedulerState | null;
  /** libtorch's CPU generator state, base64. */
  rng: string;
  /** Whatever else the trainer needs (e.g. the position in the epoch). */
  extra?: Record<string, unknown>;
}

/** A checkpoint read for resuming: weights, optimizer tensors and the training state. */
export interface TrainingCheckpoint {
  path: string;
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
  optimizer: Map<string, Tensor> | null;
  trainState: TrainState | null;
}

/** Reads a checkpoint with its training state (null for weights-only files such as best.safetensors). */
export function loadTrainingCheckpoint(path: string): TrainingCheckpoint {
  const c = loadCheckpointWithTraining(path);
  const state = c.trainState;
  if (state !== null && (typeof state !== 'object' || typeof (state as TrainState).step !== 'number' || typeof (state as TrainState).rng !== 'string')) {
    for (const t of c.weights.values()) t.dispose();
    for (const t of c.optimizer?.values() ?? []) t.dispose();
    throw new Error(`checkpoint ${path}: its train_state is not a pixelwise training state (expected step, rng, optimizer, ...)`);
  }
  return { ...c, trainState: state as TrainState | null };
}
