// pixelwise/io: files — safetensors (readable by PyTorch / Hugging Face tools), atomic writes —
// and the progress events long-running calls report.
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
export { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
export { makeDir } from './dirs.js';
export * from './formats/index.js';
export { ProgressReporter, type ProgressCallback, type ProgressEvent } from './progress.js';
