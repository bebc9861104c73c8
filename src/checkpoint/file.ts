// Checkpoints: one safetensors file holding the model's weights under their plain names
// (readable by PyTorch / Hugging Face tools), the JSON config that rebuilds the model and says
// how to prepare its inputs, and — in a run's last.safetensors — the training state: optimizer
// tensors under an 'optimizer/' prefix and a JSON train_state (epoch, step, schedule, RNG).
// This layer knows the training state only as opaque JSON and tensors: training (train/)
// defines and reads it, and loading a model for prediction never reads it. Files are written
// atomically, so an interrupted run never leaves a broken checkpoint.
import { existsSync } from 'node:fs';
import type { Device, Tensor } from '../torch/index.js';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from '../io/safetensors.js';

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
  /** Where converted weights came from (file, format, mapping), for the record. */
  source?: Record<string, unknown>;
  /** What training ran on: versions, CPU and its features, device, threads, precision. */
  environment?: Record<string, unknown>;
}

/** A checkpoint as prediction, evaluation and inspection read it: config and weights. */
export interface Checkpoint {
  path: string;
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
}

/** A checkpoint with its training part (optimizer tensors, train_state JSON), as train/ reads it. */
export interface CheckpointWithTraining extends Checkpoint {
  optimizer: Map<string, Tensor> | null;
  /** The parsed train_state metadata, or null when the file holds weights only. */
  trainState: unknown;
}

export interface SaveCheckpointInput {
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
  /** Optimizer tensors (saved under 'optimizer/'). */
  optimizer?: Map<string, Tensor>;
  /** JSON-able training state (train/ defines its shape). */
  trainState?: object;
}

/**
 * Writes a checkpoint atomically (temp file + fsync + rename).
 * @example
 *   const unet = createModel('unet', { numClasses: 2 });
 *   saveCheckpoint('model.safetensors', { config: { model: { name: 'unet', options: { ...unet.config } }, classes: { names: ['bg', 'fg'], ignoreIndex: null } }, weights: unet.stateDict() });
 */
export function saveCheckpoint(path: string, input: SaveCheckpointInput, options: { overwrite?: boolean } = {}): void {
  const tensors = new Map(input.weights);
  for (const [key, t] of input.optimizer ?? []) tensors.set(OPTIMIZER_PREFIX + key, t);
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, config: JSON.stringify(input.config) };
  if (input.trainState) metadata.train_state = JSON.stringify(input.trainState);
  saveSafetensors(path, tensors, metadata, options);
}

function checkedConfig(path: string, metadata: Record<string, string>): CheckpointConfig {
  if (metadata.format === CHECKPOINT_FORMAT && metadata.config === undefined) {
    throw new Error(`checkpoint ${path} has no config (model name, options, classes) in its metadata, so its model cannot be rebuilt; it was not written whole by pixelwise train / saveCheckpoint`);
  }
  if (metadata.format !== CHECKPOINT_FORMAT) {
    const what = metadata.format === undefined ? 'no pixelwise metadata' : `metadata format ${JSON.stringify(metadata.format)}, expected ${CHECKPOINT_FORMAT}`;
    throw new Error(
      `${path} holds weights only, not a pixelwise checkpoint (${what}): load it into a model with loadSafetensors() and model.loadStateDict(), or use a checkpoint written by pixelwise train`,
    );
  }
  const config = parseJson<CheckpointConfig>(path, 'config', metadata.config);
  if (!config.model?.name || !Array.isArray(config.classes?.names)) {
    throw new Error(`checkpoint ${path}: its config lacks model.name or classes.names`);
  }
  return config;
}

function checkExists(path: string): void {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist`);
}

/** A checkpoint's config from the file header alone (no tensor is read). */
export function readCheckpointConfig(path: string): CheckpointConfig {
  checkExists(path);
  return checkedConfig(path, readSafetensorsHeader(path).metadata);
}

/**
 * Reads a checkpoint's config and model weights; the training part, if any, is not read.
 * Errors name the file and what is wrong.
 * @example
 *   const { config, weights } = loadCheckpoint('run/checkpoints/best.safetensors');
 *   model.loadStateDict(weights);
 *   disposeCheckpoint({ weights });
 */
export function loadCheckpoint(path: string, options: { device?: Device } = {}): Checkpoint {
  checkExists(path);
  const { tensors, metadata } = loadSafetensors(path, { ...options, select: (name) => !name.startsWith(OPTIMIZER_PREFIX) });
  try {
    return { path, config: checkedConfig(path, metadata), weights: tensors };
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
}

/** Reads a checkpoint with its training part: optimizer tensors and the parsed train_state (for resuming). */
export function loadCheckpointWithTraining(path: string): CheckpointWithTraining {
  checkExists(path);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const config = checkedConfig(path, metadata);
    const trainState: unknown = metadata.train_state === undefined ? null : parseJson<unknown>(path, 'train_state', metadata.train_state);
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
export function disposeCheckpoint(c: Pick<Checkpoint, 'weights'> & { optimizer?: Map<string, Tensor> | null }): void {
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
