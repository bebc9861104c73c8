// pixelwise/io: files — safetensors (readable by PyTorch / Hugging Face tools), foreign weight
// files of any format (openWeights), atomic writes — and the progress events long-running calls report.
export {
  saveSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  parseSafetensors,
  type NamedTensors,
  type SafetensorsContent,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors.js';
export { writeFileAtomic, writeFileAtomicSync, type AtomicWriteOptions } from './atomic.js';
export { makeDir } from './dirs.js';
export {
  openWeights,
  detectWeightFormat,
  type WeightFile,
  type WeightTensor,
  type WeightLayer,
  type WeightFormat,
  type WeightData,
  type WeightDType,
} from './formats/index.js';
export { ProgressReporter, type ProgressCallback, type ProgressEvent } from './progress.js';
