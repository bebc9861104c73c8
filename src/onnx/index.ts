// ONNX export: a model's forward traced layer by layer and written as a standard ONNX graph
// (opset 17, weights inline) that onnxruntime runs without pixelwise or libtorch.
export { buildOnnx, exportOnnx, writeOnnx, writeZooOnnx, type OnnxExport, type OnnxExportOptions } from './export.js';
export { zooOnnxParts, partPath, type OnnxPart } from './zoo.js';
export { traceModule, type Trace, type TraceStep } from './trace.js';
export { emitTrace } from './emit.js';
export { GraphBuilder, Value, MIN_OPSET, MAX_OPSET, type Dim, type Attribute, type ModelInfo } from './graph.js';
export { registerEmitter, knownLayerTypes } from './emitters.js';
export { NeedsFixedSize, deriveDims, fixedDims, mergeDims, type Emitter, type EmitContext } from './emit-context.js';
export { encodeModel, decodeModel, DataType, ONNX_PROTO_PATH, type ModelProto } from './proto.js';
