// Checkpoint -> model: rebuild the zoo model a checkpoint's config names and copy its weights
// in, with errors that name the checkpoint and say what does not fit. The one loader behind
// eval, predict (loadPredictor), inspect and the demo.
import { createModelFromConfig } from '../models/registry.js';
import type { ZooModel } from '../models/contract.js';
import { disposeCheckpoint, loadCheckpoint, type CheckpointConfig } from './file.js';

export interface LoadedModel {
  path: string;
  config: CheckpointConfig;
  /** The rebuilt model with the checkpoint's weights, in eval mode. */
  model: ZooModel;
}

// loadStateDict lists every key; a terminal line needs only the first few.
const MAX_DETAIL = 300;

/**
 * Reads a checkpoint file and returns its config and model; the file's tensors are freed once copied.
 * @example
 *   const { model, config } = loadCheckpointModel('runs/membrane/checkpoints/best.safetensors');
 */
export function loadCheckpointModel(path: string): LoadedModel {
  const checkpoint = loadCheckpoint(path);
  try {
    const { name } = checkpoint.config.model;
    const options = checkpoint.config.model.options ?? {};
    let model: ZooModel;
    try {
      model = createModelFromConfig(name, options);
    } catch (err) {
      throw new Error(`checkpoint ${path}: cannot rebuild its model '${name}' (${(err as Error).message})`);
    }
    try {
      model.loadStateDict(checkpoint.weights);
    } catch (err) {
      model.dispose();
      const detail = (err as Error).message.replace(/^loadStateDict into \w+: /, '');
      const short = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}...` : detail;
      throw new Error(`checkpoint ${path}: its weights do not fit model ${name} ${JSON.stringify(options)}: ${short}`);
    }
    model.eval();
    return { path, config: checkpoint.config, model };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}
