// Small pixel-buffer conversions the drawing functions share.
import { createImage, type RawImage } from '../data/raw-image.js';
import { parseColor, type ColorLike } from './color.js';
import { checkImage, pixelOf } from './pixels.js';
import { checkMap, type LabelMap } from './maps.js';

/** `image` as 3-channel RGB; gray is replicated, alpha is composited over `background` (default white). */
export function toRgb(image: RawImage, background: ColorLike = 'white'): RawImage {
  checkImage(image);
  if (image.channels === 3) return image;
  const bg = parseColor(background);
  const out = createImage(image.width, image.height, 3);
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const [r, g, b, a] = pixelOf(image, i);
    const t = a / 255;
    out.data[3 * i] = Math.round(r * t + bg[0] * (1 - t));
    out.data[3 * i + 1] = Math.round(g * t + bg[1] * (1 - t));
    out.data[3 * i + 2] = Math.round(b * t + bg[2] * (1 - t));
  }
  return out;
}

/** Nearest-neighbour resize of any RawImage (pixel centres map to pixel centres). */
export function resizeNearest(image: RawImage, width: number, height: number): RawImage {
  checkImage(image);
  checkSize(width, height, 'resizeNearest');
  const ch = image.channels;
  const out = createImage(width, height, ch);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
      const s = (sy * image.width + sx) * ch, o = (y * width + x) * ch;
      for (let k = 0; k < ch; k++) out.data[o + k] = image.data[s + k]!;
    }
  }
  return out;
}

/** Nearest-neighbour resize of a label map (labels are never interpolated). */
export function resizeLabels(labels: LabelMap, width: number, height: number): LabelMap {
  checkMap(labels, 'resizeLabels labels');
  checkSize(width, height, 'resizeLabels');
  const out = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(labels.height - 1, Math.floor(((y + 0.5) * labels.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(labels.width - 1, Math.floor(((x + 0.5) * labels.width) / width));
      out[y * width + x] = labels.data[sy * labels.width + sx]!;
    }
  }
  return { width, height, data: out };
}

/** The integer factor that brings the longer side of a w x h map to at least `minSide` pixels. */
export function upscaleFactor(width: number, height: number, minSide: number): number {
  return Math.max(1, Math.ceil(minSide / Math.max(width, height)));
}

/**
 * Display size for a map: integer upscaling until the longer side reaches `minSide`, then
 * shrinking (aspect kept) if it exceeds `maxSide`.
 */
export function displaySize(width: number, height: number, minSide = 192, maxSide = 512): [number, number] {
  const k = upscaleFactor(width, height, minSide);
  let w = width * k, h = height * k;
  const longer = Math.max(w, h);
  if (longer > maxSide) {
    w = Math.max(1, Math.round((w * maxSide) / longer));
    h = Math.max(1, Math.round((h * maxSide) / longer));
  }
  return [w, h];
}

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what} target size ${width}x${height} must be positive integers`);
  }
}
