// ONNX export: a model's forward traced layer by layer and written as a standard ONNX graph
// (opset 17, weights inline) that onnxruntime runs without pixelwise or libtorch; the --pipeline
// form (image -> labels), the metadata every export carries, the web page, and prediction from
// an exported file on onnxruntime-node.
export { buildOnnx, exportOnnx, writeOnnx, writeZooOnnx, type OnnxExport, type OnnxExportOptions } from './export.js';
export { zooOnnxParts, partPath, type OnnxPart } from './zoo.js';
export { traceModule, type Trace, type TraceStep } from './trace.js';
export { emitTrace } from './emit.js';
export { GraphBuilder, Value, MIN_OPSET, MAX_OPSET, type Dim, type Attribute, type ModelInfo } from './graph.js';
export { registerEmitter, knownLayerTypes } from './emitters.js';
export { NeedsFixedSize, deriveDims, fixedDims, mergeDims, type Emitter, type EmitContext } from './emit-context.js';
export { encodeModel, decodeModel, decodeMetadataProps, DataType, ONNX_PROTO_PATH, type ModelProto } from './proto.js';
export { buildPipelineOnnx, type PipelineOptions, type PipelineExport } from './pipeline.js';
export { METADATA_KEYS, metadataProps, parseMetadata, onnxInfo, readOnnxInfo, contractFromInfo, type PixelwiseOnnxInfo, type OnnxForm, type OnnxInputSize, type PipelineInfo } from './metadata.js';
export { sourceFromCheckpoint, sourceFromWeights, exportFiles, buildExportFiles, exportInfo, type ExportSource, type ExportFilesOptions, type ExportedFile, type WeightsSourceOptions } from './export-model.js';
export { writeWebExport, webAssetFiles, WEB_ASSETS, type WebExport } from './web.js';
// The onnxruntime side (no libtorch; also importable alone as 'pixelwise/onnx/runtime').
export { loadOnnxPredictor, predictImagesOnnx, type OnnxPredictor, type OnnxPredictorOptions, type OnnxRunOptions } from './runtime.js';
export { loadOrt, ONNXRUNTIME_VERSION } from './ort.js';
