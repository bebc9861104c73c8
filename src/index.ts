// pixelwise: semantic segmentation with fully convolutional networks in TypeScript, on libtorch.
//
//   import { tensor, nn, optim, createModel, train } from 'pixelwise';
//
// Tensors, autograd and memory scopes sit at the top level (as in `torch`); each layer of the
// library is a namespace: nn, optim, data, models, metrics, viz, io, train, distributed.
export * from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as models from './models/index.js';
export * as metrics from './metrics/index.js';
export * as viz from './viz/index.js';
export * as io from './io/index.js';
export * as train from './train/index.js';
export * as inspect from './inspect/index.js';
export * as infer from './infer/index.js';
export * as distributed from './distributed/index.js';

// The everyday entry points, also at the top level.
export { createModel, summary, formatSummary, countParameters, MODEL_NAMES, type ModelName, type ZooModel } from './models/index.js';
export { train as trainModel, resumeRun, type TrainRunOptions } from './train/run.js';
export { evaluate } from './train/evaluate.js';
export { loadPredictor, predict } from './infer/index.js';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
export { openDataset, DataLoader } from './data/index.js';
export { getKernelSize, upsampleFilt, bilinearUpsampleWeights, upsampleImage } from './nn/bilinear.js';
