// pixelwise/torch: tensors on libtorch — creation, the generic operator call, dtypes, memory
// scopes, gradient mode, threads and the random generator.
export { Tensor, callOp, op, opMany, findOp, type Device, type MemoryFormat, type OpArg } from './tensor.js';
export { DTYPES, isFloatingDtype, type DType, type TypedArray } from './dtype.js';
export {
  tensor,
  scalar,
  withDefaultDevice,
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
  type TensorOptions,
  type NestedNumbers,
} from './creation.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, cudaAvailable, memory, noGrad, enableGrad, isGradEnabled } from './runtime.js';
export { tidy, keep } from './scope.js';
export { cpuInfo, describeCpu, type CpuInfo } from './cpu.js';
export { autocast, autocastState, type AutocastOptions } from './autocast.js';
export { resolvePrecision, checkPrecision, bf16Hardware, forwardIn, PRECISION_REQUESTS, type Precision, type PrecisionRequest, type PrecisionChoice, type Bf16Hardware } from './precision.js';
export { resolveMemoryFormat, checkMemoryFormat, modelInLayout, isModelInLayout, inputInLayout, torchMemoryFormat, MEMORY_LAYOUT_REQUESTS, type MemoryLayout, type MemoryLayoutRequest, type MemoryLayoutChoice } from './layout.js';
