// pixelwise/checkpoint: one safetensors file per checkpoint — the model's weights under their
// plain names, the config that rebuilds the model and prepares its inputs, and (in a run's
// last.safetensors) the training state, which only training reads.
//
//   const { model, config } = loadCheckpointModel('run/checkpoints/best.safetensors');
//   console.log(config.model.name, config.classes.names, config.preprocess?.normalize);
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointConfig,
  disposeCheckpoint,
  CHECKPOINT_FORMAT,
  type Checkpoint,
  type CheckpointConfig,
  type SaveCheckpointInput,
} from './file.js';
export { loadCheckpointModel, type LoadedModel } from './load-model.js';
