// pixelwise: semantic segmentation with fully convolutional networks in TypeScript, on libtorch.
//
//   import { createModel, trainModel, loadPredictor, predict, readImage } from 'pixelwise';
//
// Tensors, autograd and memory scopes sit at the top level (as in `torch`); each layer of the
// library is a namespace, bottom to top: nn, optim, io, image, data, metrics, viz, models,
// checkpoint, weights, distributed, train, infer, inspect. The everyday entry points are also at the top level.
export {
  Tensor,
  tensor,
  scalar,
  zeros,
  ones,
  full,
  empty,
  eye,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  rand,
  randn,
  randint,
  randperm,
  cat,
  stack,
  where,
  op,
  opMany,
  callOp,
  findOp,
  tidy,
  keep,
  noGrad,
  enableGrad,
  isGradEnabled,
  manualSeed,
  getRngState,
  setRngState,
  setNumThreads,
  getNumThreads,
  cudaAvailable,
  memory,
  withDefaultDevice,
  autocast,
  autocastState,
  cpuInfo,
  describeCpu,
  DTYPES,
  isFloatingDtype,
  type AutocastOptions,
  type CpuInfo,
  type Device,
  type DType,
  type MemoryFormat,
  type OpArg,
  type TensorOptions,
  type TypedArray,
  type NestedNumbers,
} from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export * as image from './image/index.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as viz from './viz/index.js';
export * as models from './models/index.js';
export * as checkpoint from './checkpoint/index.js';
export * as weights from './weights/index.js';
export * as distributed from './distributed/index.js';
export * as train from './train/index.js';
export * as infer from './infer/index.js';
export * as inspect from './inspect/index.js';

// The everyday entry points, also at the top level.
export { createModel, summary, formatSummary, countParameters, MODEL_NAMES, type ModelName, type ZooModel, type ModelContract } from './models/index.js';
export { train as trainModel, resumeRun, type TrainRunOptions } from './train/run.js';
export { evaluate } from './train/evaluate.js';
export { loadPredictor, predict } from './infer/index.js';
export { saveCheckpoint, loadCheckpoint, loadCheckpointModel } from './checkpoint/index.js';
export { loadWeights, modelFromWeights, convertWeights } from './weights/index.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
export { openDataset, DataLoader } from './data/index.js';
export { readImage, writePng, readLabelImage, type RawImage, type LabelMap } from './image/index.js';
export { getKernelSize, upsampleFilt, bilinearUpsampleWeights } from './nn/bilinear.js';
export { upsampleImage } from './image/upsample.js';
