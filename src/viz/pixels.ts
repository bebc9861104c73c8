// Reading RawImage pixels of any channel count, and checking that a RawImage is consistent.
import type { RawImage } from '../data/raw-image.js';
import type { Rgba } from './color.js';

/** RGBA of pixel `i` of any RawImage. */
export function pixelOf(image: RawImage, i: number): Rgba {
  const d = image.data;
  switch (image.channels) {
    case 1: return [d[i]!, d[i]!, d[i]!, 255];
    case 2: return [d[2 * i]!, d[2 * i]!, d[2 * i]!, d[2 * i + 1]!];
    case 3: return [d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!, 255];
    default: return [d[4 * i]!, d[4 * i + 1]!, d[4 * i + 2]!, d[4 * i + 3]!];
  }
}

/** Throws unless `image` is a consistent RawImage. */
export function checkImage(image: RawImage, what = 'image'): void {
  if (!image || !(image.data instanceof Uint8Array)) throw new Error(`${what} must be a RawImage with a Uint8Array data buffer`);
  const { width, height, channels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what} size ${width}x${height} must be positive integers`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`${what} channels ${channels} must be 1, 2, 3 or 4`);
  if (image.data.length !== width * height * channels) {
    throw new Error(`${what} data has ${image.data.length} bytes, expected ${width}*${height}*${channels} = ${width * height * channels}`);
  }
}
