// Flips and crops, applied to an image and its label map with the same parameters.
import { allocLabels, allocPixels, type ChwImage, type LabelArray, type LabelMap } from '../../image/types.js';

/** Mirrors left-right. */
export function flipImageH(image: ChwImage): ChwImage {
  const { width, height, channels, data } = image;
  const out = allocPixels(data, data.length);
  for (let r = 0; r < channels * height; r++) {
    const o = r * width;
    for (let x = 0; x < width; x++) out[o + x] = data[o + width - 1 - x]!;
  }
  return { width, height, channels, data: out };
}

/** Mirrors top-bottom. */
export function flipImageV(image: ChwImage): ChwImage {
  const { width, height, channels, data } = image;
  const out = allocPixels(data, data.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) out.set(data.subarray((c * height + height - 1 - y) * width, (c * height + height - y) * width), (c * height + y) * width);
  }
  return { width, height, channels, data: out };
}

/** Mirrors a label map left-right. */
export function flipLabelH(label: LabelMap<LabelArray>): LabelMap<LabelArray> {
  const { width, height, data } = label;
  const out = allocLabels(data, data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = data[y * width + width - 1 - x]!;
  return { width, height, data: out };
}

/** Mirrors a label map top-bottom. */
export function flipLabelV(label: LabelMap<LabelArray>): LabelMap<LabelArray> {
  const { width, height, data } = label;
  const out = allocLabels(data, data.length);
  for (let y = 0; y < height; y++) out.set(data.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return { width, height, data: out };
}

/** The window [x, x + width) x [y, y + height), which must lie inside the image. */
export function cropImage(image: ChwImage, x: number, y: number, width: number, height: number): ChwImage {
  checkWindow(image, x, y, width, height);
  if (x === 0 && y === 0 && width === image.width && height === image.height) return image;
  const out = allocPixels(image.data, width * height * image.channels);
  for (let c = 0; c < image.channels; c++) {
    for (let r = 0; r < height; r++) {
      const src = (c * image.height + y + r) * image.width + x;
      out.set(image.data.subarray(src, src + width), (c * height + r) * width);
    }
  }
  return { width, height, channels: image.channels, data: out };
}

/** The same window of a label map. */
export function cropLabel(label: LabelMap<LabelArray>, x: number, y: number, width: number, height: number): LabelMap<LabelArray> {
  checkWindow(label, x, y, width, height);
  if (x === 0 && y === 0 && width === label.width && height === label.height) return label;
  const out = allocLabels(label.data, width * height);
  for (let r = 0; r < height; r++) {
    const src = (y + r) * label.width + x;
    out.set(label.data.subarray(src, src + width), r * width);
  }
  return { width, height, data: out };
}

function checkWindow(plane: { width: number; height: number }, x: number, y: number, width: number, height: number): void {
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > plane.width || y + height > plane.height) {
    throw new Error(`crop: window ${height}x${width} (HxW) at (x ${x}, y ${y}) does not fit in ${plane.height}x${plane.width}`);
  }
}
