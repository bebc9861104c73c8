// A trained model back from its checkpoint: the registry rebuilds the architecture from the
// config stored beside the weights, then the weights are copied in and the file's tensors freed.
import { createModel, type ZooModel } from '../models/registry.js';
import { disposeCheckpoint, loadCheckpoint, type CheckpointConfig } from '../train/checkpoint.js';

export interface LoadedModel {
  model: ZooModel;
  config: CheckpointConfig;
  path: string;
}

/** Rebuilds the model a pixelwise checkpoint was trained as and loads its weights, in eval mode. */
export function loadCheckpointModel(path: string): LoadedModel {
  const checkpoint = loadCheckpoint(path);
  try {
    const { name, options } = checkpoint.config.model;
    let model: ZooModel;
    try {
      model = createModel(name, options ?? {});
    } catch (err) {
      throw new Error(`checkpoint ${path}: cannot rebuild its model (${(err as Error).message})`);
    }
    try {
      model.loadStateDict(checkpoint.weights);
    } catch (err) {
      model.dispose();
      throw new Error(`checkpoint ${path}: weights do not fit model ${name} (${(err as Error).message})`);
    }
    model.eval();
    return { model, config: checkpoint.config, path };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}

/** The input channels a model expects (1 gray, 3 RGB). */
export function modelInChannels(model: ZooModel): number {
  const c = (model.config as { inChannels?: unknown }).inChannels;
  return typeof c === 'number' ? c : 3;
}
