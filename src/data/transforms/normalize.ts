// Pixel values to model inputs: (x * scale - mean[c]) / std[c], as float32.
import type { ChwImage } from '../../image/types.js';
import type { NormalizeSpec } from './spec.js';

/** A float32 copy of a channels-first image normalised per channel. */
export function normalizeImage(image: ChwImage, n: Required<NormalizeSpec>): ChwImage & { data: Float32Array } {
  const { width, height, channels, data } = image;
  const pick = (list: number[], what: string, c: number): number => {
    if (list.length !== 1 && list.length !== channels) {
      throw new Error(`normalize: ${what} has ${list.length} values for a ${channels}-channel image, expected 1 or ${channels}`);
    }
    return list.length === 1 ? list[0]! : list[c]!;
  };
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    const mean = pick(n.mean, 'mean', c);
    const inv = 1 / pick(n.std, 'std', c);
    const scale = n.scale;
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = (data[i]! * scale - mean) * inv;
  }
  return { width, height, channels, data: out };
}
