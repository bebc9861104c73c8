// Checkpoints: one safetensors file holding the model's weights under their plain names
// (readable by PyTorch / Hugging Face tools), and optionally the optimizer state under an
// 'optimizer/' prefix; configuration and training state travel as JSON metadata. Files are
// written atomically, so an interrupted run never leaves a broken checkpoint.
import { existsSync } from 'node:fs';
import type { Tensor } from '../torch/index.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { OptimizerMeta } from '../optim/optimizer.js';
import type { SchedulerState } from '../optim/schedules.js';

export const CHECKPOINT_FORMAT = 'pixelwise-checkpoint/1';
const OPTIMIZER_PREFIX = 'optimizer/';

/** What a checkpoint says about the model and its classes: enough to rebuild and use it. */
export interface CheckpointConfig {
  model: { name: string; options: Record<string, unknown> };
  classes: { names: string[]; ignoreIndex: number | null; palette?: [number, number, number][] };
  /** How inputs were prepared during training (prediction must do the same). */
  preprocess?: Record<string, unknown>;
  /** The dataset and training settings, for the record and for --resume. */
  data?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

/** Where training stood: enough, with the optimizer tensors, to continue exactly. */
export interface TrainState {
  epoch: number;
  step: number;
  bestScore: number | null;
  optimizer: OptimizerMeta;
  scheduler: SchedulerState | null;
  /** libtorch's CPU generator state, base64. */
  rng: string;
  /** Whatever else the trainer needs (e.g. the metric history). */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  path: string;
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
  optimizer: Map<string, Tensor> | null;
  trainState: TrainState | null;
}

export interface SaveCheckpointInput {
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
  optimizer?: Map<string, Tensor>;
  trainState?: TrainState;
}

/** Writes a checkpoint atomically (temp file + fsync + rename). */
export function saveCheckpoint(path: string, input: SaveCheckpointInput): void {
  const tensors = new Map(input.weights);
  for (const [key, t] of input.optimizer ?? []) tensors.set(OPTIMIZER_PREFIX + key, t);
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, config: JSON.stringify(input.config) };
  if (input.trainState) metadata.train_state = JSON.stringify(input.trainState);
  saveSafetensors(path, tensors, metadata);
}

/** Reads a checkpoint written by saveCheckpoint; errors name the file and what is wrong. */
export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    if (metadata.format !== CHECKPOINT_FORMAT || metadata.config === undefined) {
      throw new Error(
        `${path} is a safetensors file but not a pixelwise checkpoint (metadata format ${JSON.stringify(metadata.format)}, expected ${CHECKPOINT_FORMAT})`,
      );
    }
    const config = parseJson<CheckpointConfig>(path, 'config', metadata.config);
    if (!config.model?.name || !Array.isArray(config.classes?.names)) {
      throw new Error(`checkpoint ${path}: its config lacks model.name or classes.names`);
    }
    const trainState = metadata.train_state === undefined ? null : parseJson<TrainState>(path, 'train_state', metadata.train_state);
    const weights = new Map<string, Tensor>();
    const optimizer = new Map<string, Tensor>();
    for (const [key, t] of tensors) {
      if (key.startsWith(OPTIMIZER_PREFIX)) optimizer.set(key.slice(OPTIMIZER_PREFIX.length), t);
      else weights.set(key, t);
    }
    return { path, config, weights, optimizer: optimizer.size ? optimizer : null, trainState };
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
}

/** Frees every tensor a loaded checkpoint holds. */
export function disposeCheckpoint(c: Checkpoint): void {
  for (const t of c.weights.values()) t.dispose();
  for (const t of c.optimizer?.values() ?? []) t.dispose();
}

function parseJson<T>(path: string, key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`checkpoint ${path}: metadata '${key}' is not valid JSON (${(err as Error).message})`);
  }
}
