// Channel conversions and the two layouts: one toRgb, one toGray, one channel converter, and
// the step to and from the channels-first layout tensors use.
import { parseColor, type ColorLike } from './color.js';
import type { Channels, ChwImage, RawImage } from './types.js';

type Pixels = Uint8Array | Float32Array;

/** Throws unless the image's data holds width x height x channels values. */
export function checkImage(image: { width: number; height: number; channels: number; data: ArrayLike<number> }, name = 'image'): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || ![1, 2, 3, 4].includes(channels)) {
    throw new Error(`${name}: not an image (${height}x${width} HxW, ${channels} channels; expected positive sizes and 1..4 channels)`);
  }
  if (!data || data.length !== width * height * channels) {
    throw new Error(`${name}: image data has ${data?.length} values, expected ${height}x${width}x${channels} (HxWxC) = ${width * height * channels}`);
  }
}

/**
 * Converts between 1 (gray), 2 (gray + alpha), 3 (RGB) and 4 (RGBA) channels. Gray becomes RGB
 * by replication; RGB becomes gray by ITU-R 601-2 luma, L = (19595 R + 38470 G + 7471 B + 2^15)
 * >> 16 for 8-bit images (0.299 R + 0.587 G + 0.114 B rounded, bit-exact with PIL's convert('L');
 * sharp's greyscale() differs: Rec. 709 luminance in linear light), 0.299 R + 0.587 G + 0.114 B
 * for float ones; alpha is dropped, or added opaque (255, or 1 for floats).
 * @example
 *   const rgba = toChannels(gray, 4);
 */
export function toChannels<D extends Pixels>(image: RawImage<D>, channels: Channels, name = 'toChannels'): RawImage<D> {
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`${name}: channels ${channels} not supported (expected 1, 2, 3 or 4)`);
  checkImage(image, name);
  if (channels === image.channels) return image;
  const { width, height, data } = image;
  const from = image.channels;
  const n = width * height;
  const isByte = data instanceof Uint8Array;
  const out = (isByte ? new Uint8Array(n * channels) : new Float32Array(n * channels)) as D;
  const opaque = isByte ? 255 : 1;
  const srcColor = from >= 3;
  const srcAlpha = from === 2 || from === 4;
  const dstColor = channels >= 3;
  const dstAlpha = channels === 2 || channels === 4;
  for (let i = 0; i < n; i++) {
    const s = i * from;
    const o = i * channels;
    if (dstColor) {
      if (srcColor) {
        out[o] = data[s]!;
        out[o + 1] = data[s + 1]!;
        out[o + 2] = data[s + 2]!;
      } else {
        out[o] = out[o + 1] = out[o + 2] = data[s]!;
      }
    } else if (srcColor) {
      const [r, g, b] = [data[s]!, data[s + 1]!, data[s + 2]!];
      out[o] = isByte ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16 : 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      out[o] = data[s]!;
    }
    if (dstAlpha) out[o + channels - 1] = srcAlpha ? data[s + from - 1]! : opaque;
  }
  return { width, height, channels, data: out };
}

export interface ToRgbOptions {
  /** Composite alpha over this colour (for display); without it alpha is dropped, as PIL's convert('RGB'). */
  background?: ColorLike;
}

/**
 * An RGB version of any image: gray replicated; alpha dropped, or composited over
 * `options.background` (8-bit images).
 * @example
 *   const rgb = toRgb(await readImage('cell.png'));
 *   const shown = toRgb(rgbaIcon, { background: 'white' });
 */
export function toRgb<D extends Pixels>(image: RawImage<D>, options: ToRgbOptions = {}): RawImage<D> {
  const withAlpha = image.channels === 2 || image.channels === 4;
  if (options.background === undefined || !withAlpha) return toChannels(image, 3, 'toRgb');
  checkImage(image, 'toRgb');
  const bg = parseColor(options.background);
  const { width, height, data, channels: ch } = image;
  const n = width * height;
  const out = (data instanceof Uint8Array ? new Uint8Array(3 * n) : new Float32Array(3 * n)) as D;
  const max = data instanceof Uint8Array ? 255 : 1;
  for (let i = 0; i < n; i++) {
    const s = i * ch;
    const t = data[s + ch - 1]! / max;
    for (let c = 0; c < 3; c++) {
      const v = data[s + (ch === 2 ? 0 : c)]!;
      const b = (bg[c]! / 255) * max;
      out[3 * i + c] = max === 255 ? Math.round(v * t + b * (1 - t)) : v * t + b * (1 - t);
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * A gray version of any image by ITU-R 601-2 luma (see toChannels); alpha dropped.
 * @example
 *   const gray = toGray(await readImage('street.jpg'));
 */
export function toGray<D extends Pixels>(image: RawImage<D>): RawImage<D> {
  return toChannels(image, 1, 'toGray');
}

/**
 * An image in the channels-first layout: `channels` 3 or 1 converts as toChannels does;
 * undefined keeps the stored channels minus alpha.
 */
export function toChw(image: RawImage<Pixels>, channels?: 1 | 3): ChwImage {
  checkImage(image, 'toChw');
  const to = channels ?? (image.channels >= 3 ? 3 : 1);
  const { width, height, data } = toChannels(image, to, 'toChw');
  const n = width * height;
  const out = data instanceof Uint8Array ? new Uint8Array(n * to) : new Float32Array(n * to);
  for (let c = 0; c < to; c++) for (let i = 0; i < n; i++) out[c * n + i] = data[i * to + c]!;
  return { width, height, channels: to, data: out };
}

/** A channels-first image back to interleaved pixels (for looking at a preprocessed sample). */
export function fromChw(image: ChwImage): RawImage<Pixels> {
  const { width, height, channels, data } = image;
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`fromChw: ${channels} channels, expected 1..4`);
  const n = width * height;
  const out = data instanceof Uint8Array ? new Uint8Array(n * channels) : new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) out[i * channels + c] = data[c * n + i]!;
  return { width, height, channels: channels as Channels, data: out };
}

/**
 * Any image as 8-bit pixels: 8-bit images as they are, float images scaled to 0..255 (by 255
 * when their values lie in 0..1) and rounded.
 * @example
 *   const shown = to8Bit(sample.image); // a float .npy sample, ready for writePng
 */
export function to8Bit(image: RawImage<Uint8Array | Float32Array>): RawImage {
  if (image.data instanceof Uint8Array) return image as RawImage;
  let max = -Infinity;
  for (const v of image.data) if (v > max) max = v;
  const scale = max <= 1 ? 255 : 1;
  const data = Uint8Array.from(image.data, (v) => Math.max(0, Math.min(255, Math.round(v * scale))));
  return { width: image.width, height: image.height, channels: image.channels, data };
}
