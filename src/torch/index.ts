export { Tensor, callOp, op, opMany, findOp, type Device, type MemoryFormat, type OpArg } from './tensor.js';
export { DTYPES, isFloatingDtype, type DType, type TypedArray } from './dtype.js';
export * from './creation.js';
export * from './runtime.js';
export { tidy, keep } from './scope.js';
export { cpuInfo, describeCpu, type CpuInfo } from './cpu.js';
export { autocast, autocastState, type AutocastOptions } from './autocast.js';
