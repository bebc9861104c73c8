// safetensors (pixelwise's own checkpoints, Hugging Face files) through the uniform interface.
import { readSafetensorsHeader } from '../safetensors.js';
import type { ByteSource } from './source.js';
import { bytesToData, ITEM_SIZE, weightTensor, widened, type WeightFile } from './types.js';

export function readSafetensorsWeights(source: ByteSource): WeightFile {
  const header = readSafetensorsHeader(source.path);
  const tensors = header.entries.map((e) =>
    weightTensor(
      e.name,
      widened(e.dtype),
      e.dtype,
      e.shape,
      () => bytesToData(source.read(header.dataStart + e.begin, e.end - e.begin), e.dtype),
      widened(e.dtype) === e.dtype ? (start, _count, scratch) => source.readInto(header.dataStart + e.begin + start * ITEM_SIZE[e.dtype], scratch) : undefined,
    ),
  );
  return { path: source.path, format: 'safetensors', tensors: new Map(tensors.map((t) => [t.name, t])), metadata: { ...header.metadata }, close: () => source.close() };
}
