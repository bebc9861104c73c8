// Channels-first pixel planes, the layout every transform works on and the model consumes:
// data[(c * height + y) * width + x]. Channel conversion happens on the way in.
import type { SampleImage, SampleLabel } from '../datasets/types.js';

export type PixelData = Uint8Array | Float32Array;

/** A channels-first image: 8-bit before normalisation (floats when the source is float), float32 after. */
export interface Planar {
  width: number;
  height: number;
  channels: number;
  data: PixelData;
}

export type LabelPlane = SampleLabel;

/** A new array of the same kind as `like` (uint8 stays uint8, float32 stays float32). */
export function alloc(like: PixelData, n: number): PixelData {
  return like instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
}

/** A new label array of the same kind as `like`. */
export function allocLabel(like: LabelPlane['data'], n: number): LabelPlane['data'] {
  if (like instanceof Uint8Array) return new Uint8Array(n);
  if (like instanceof Uint16Array) return new Uint16Array(n);
  return new Int32Array(n);
}

/**
 * Interleaved (HWC) image to channels-first, converting channels: `channels` 3 replicates gray
 * and drops alpha; 1 takes ITU-R 601 luma of RGB (bit-exact with PIL's convert('L') for 8-bit)
 * and drops alpha; undefined keeps the stored channels minus alpha.
 */
export function toPlanar(image: SampleImage, channels?: 1 | 3): Planar {
  const { width, height, data } = image;
  const from = image.channels;
  const n = width * height;
  if (data.length !== n * from) throw new Error(`toPlanar: image data has ${data.length} values, expected ${width}x${height}x${from}`);
  if (from < 1 || from > 4) throw new Error(`toPlanar: ${from} channels, expected 1..4`);
  const color = from >= 3;
  const to = channels ?? (color ? 3 : 1);
  const out = alloc(data, n * to);
  const isByte = data instanceof Uint8Array;
  for (let i = 0; i < n; i++) {
    const s = i * from;
    if (to === 3) {
      if (color) {
        out[i] = data[s]!;
        out[n + i] = data[s + 1]!;
        out[2 * n + i] = data[s + 2]!;
      } else out[i] = out[n + i] = out[2 * n + i] = data[s]!;
    } else if (color) {
      const [r, g, b] = [data[s]!, data[s + 1]!, data[s + 2]!];
      out[i] = isByte ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16 : 0.299 * r + 0.587 * g + 0.114 * b;
    } else out[i] = data[s]!;
  }
  return { width, height, channels: to, data: out };
}

/** Channels-first back to interleaved (for looking at a preprocessed sample as an image). */
export function toInterleaved(image: Planar): SampleImage {
  const { width, height, channels, data } = image;
  const n = width * height;
  const out = alloc(data, n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) out[i * channels + c] = data[c * n + i]!;
  return { width, height, channels, data: out };
}
