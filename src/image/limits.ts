// The largest image pixelwise decodes, like Pillow's MAX_IMAGE_PIXELS: a small file can declare
// a huge image (a 1.6 MB PNG of 20000x20000 pixels decodes to 1.6 GB), so the size is checked
// from the header before anything is allocated. One setting per thread; the data loader passes
// it on to its workers.

/** Pillow's refusal threshold (2 x its MAX_IMAGE_PIXELS warning level): about 13,400 x 13,400. */
export const DEFAULT_MAX_IMAGE_PIXELS = 178_956_970;

let limit = DEFAULT_MAX_IMAGE_PIXELS;

/** The current limit in pixels (width x height); Infinity when switched off. */
export function maxImagePixels(): number {
  return limit;
}

/** Sets the limit for this thread (Infinity turns it off); returns the previous one. */
export function setMaxImagePixels(pixels: number): number {
  if (!(pixels === Infinity || (Number.isInteger(pixels) && pixels > 0))) {
    throw new Error(`maxImagePixels ${pixels}: expected a positive integer or Infinity`);
  }
  const previous = limit;
  limit = pixels;
  return previous;
}

/** "360x480": a size as HEIGHTxWIDTH, the order of --size, shapes and tensors. */
export function hxw(size: { width: number; height: number }): string {
  return `${size.height}x${size.width}`;
}

const group = (n: number): string => n.toLocaleString('en-US');

/** "N pixels, more than the limit of M (raise it ...)". */
export function overLimit(pixels: number, max = limit): string {
  return `${group(pixels)} pixels, more than the limit of ${group(max)} (raise it with --max-image-pixels or setMaxImagePixels)`;
}

/** The message for an image over `max` pixels (without the file name). */
export function tooManyPixels(width: number, height: number, max = limit): string {
  return `${height}x${width} (HxW) is ${overLimit(width * height, max)}`;
}

/** An image over the pixel limit (so reports can tell it from a broken file). */
export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError';
}

/** Throws a one-line ImageTooLargeError naming `name` when width x height exceeds the limit. */
export function checkImagePixels(width: number, height: number, name: string, max = limit): void {
  if (width * height > max) throw new ImageTooLargeError(`${name}: ${tooManyPixels(width, height, max)}`);
}
