// Files: safetensors (readable by PyTorch / Hugging Face tools) and atomic writes.
export * from './safetensors.js';
export { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
export * from './formats/index.js';
