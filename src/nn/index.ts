// The nn namespace: Module, the layers, init, functional, and the geometry and bilinear helpers.
import * as functionalOps from './functional.js';
import * as lossFunctions from './losses.js';

export { Module, type StateDict, type ForwardHook, type LoadResult } from './module.js';
export { checkDevice } from './device.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './layers/conv.js';
export {
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
  type PooledWithIndices,
} from './layers/pooling.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './layers/normalization.js';
export { Dropout, Dropout2d } from './layers/dropout.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity } from './layers/activation.js';
export { Linear, Flatten } from './layers/linear.js';
export { Upsample, type UpsampleOptions } from './layers/upsampling.js';
export { Sequential, ModuleList, ModuleDict } from './layers/container.js';
export * as init from './init.js';
export { pair, samePadding, convOutputSize, convTransposeOutputSize, type Pair, type ConvGeometry, type ConvTransposeGeometry } from './geometry.js';
export { getKernelSize, upsampleFilt, bilinearUpsampleWeights, fillBilinear_, bilinearDepthwiseWeights, bilinearPadding, bilinearUpsample } from './bilinear.js';

/** Stateless ops and losses in one namespace, as PyTorch's torch.nn.functional (F.conv2d, F.crossEntropy). */
export const functional: typeof functionalOps & typeof lossFunctions = Object.freeze({ ...functionalOps, ...lossFunctions });
/** The losses alone, with their option types (nn.losses.CrossEntropyOptions, ...). */
export * as losses from './losses.js';
export type {
  Padding,
  ConvOptions,
  ConvTransposeOptions,
  PoolOptions,
  BatchNormOptions,
  InterpolateMode,
  InterpolateOptions,
  PadMode,
} from './functional.js';
