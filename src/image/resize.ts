// Resizing: one kernel for images (bilinear / area / nearest) in either layout, and one
// nearest-neighbour resize for label maps (interpolating class indices would invent classes
// between neighbours).
import { checkImage } from './convert.js';
import { allocLabels, type ChwImage, type LabelArray, type LabelMap, type RawImage } from './types.js';

/** 'bilinear' (half-pixel centres, as torch align_corners=False), 'area' (exact box average, for shrinking), 'nearest'. */
export type ResizeMode = 'bilinear' | 'area' | 'nearest';

const RESIZE_MODES: readonly ResizeMode[] = ['bilinear', 'area', 'nearest'];

/** Source index of output index o under half-pixel nearest ("nearest-exact"): floor((o + 0.5) * in / out). */
export function nearestIndex(o: number, inSize: number, outSize: number): number {
  return Math.min(inSize - 1, Math.floor(((o + 0.5) * inSize) / outSize));
}

/** For one axis: output index o blends source indices index[o * taps + k] with weights weight[o * taps + k]. */
interface AxisWeights {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

function axisWeights(inSize: number, outSize: number, mode: ResizeMode): AxisWeights {
  const scale = inSize / outSize;
  const lists: { idx: number[]; w: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      lists.push({ idx: [nearestIndex(o, inSize, outSize)], w: [1] });
    } else if (mode === 'bilinear') {
      // torch's align_corners=False: half-pixel centres, negative sources clamped to 0.
      const src = Math.max(0, (o + 0.5) * scale - 0.5);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const l = src - i0;
      lists.push({ idx: [i0, i1], w: [1 - l, l] });
    } else {
      // Exact box filter: each source pixel weighs by its overlap with the output pixel's footprint.
      const lo = o * scale;
      const hi = (o + 1) * scale;
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = Math.floor(lo); i < Math.min(inSize, Math.ceil(hi)); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap > 1e-12) {
          idx.push(i);
          w.push(overlap / scale);
        }
      }
      lists.push({ idx, w });
    }
  }
  // Fixed taps per output (unused ones weigh 0) keep the inner loops flat.
  const taps = Math.max(...lists.map((l) => l.idx.length));
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  lists.forEach((l, o) => {
    for (let k = 0; k < taps; k++) {
      index[o * taps + k] = l.idx[Math.min(k, l.idx.length - 1)]!;
      weight[o * taps + k] = k < l.w.length ? l.w[k]! : 0;
    }
  });
  return { taps, index, weight };
}

function checkTarget(width: number, height: number, mode: ResizeMode, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: target ${height}x${width} (HxW), expected positive integers`);
  }
  if (!RESIZE_MODES.includes(mode)) throw new Error(`${what}: mode '${String(mode)}', expected ${RESIZE_MODES.join(', ')}`);
}

/**
 * The one resampling kernel, separable (rows, then columns), for `channels` planes laid out
 * interleaved ('hwc') or channels first ('chw'); 8-bit results are rounded and clamped to 0..255.
 */
function resample<D extends Uint8Array | Float32Array>(
  data: D,
  w0: number,
  h0: number,
  channels: number,
  width: number,
  height: number,
  mode: ResizeMode,
  layout: 'hwc' | 'chw',
): D {
  const wx = axisWeights(w0, width, mode);
  const wy = axisWeights(h0, height, mode);
  const isByte = data instanceof Uint8Array;
  const out = (isByte ? new Uint8Array(width * height * channels) : new Float32Array(width * height * channels)) as D;
  // Element (c, y, x) sits at plane(c) + y * row + x * pixel in each layout.
  const hwc = layout === 'hwc';
  const pixel = hwc ? channels : 1;
  const [rowIn, rowOut] = hwc ? [w0 * channels, width * channels] : [w0, width];
  const row = new Float64Array(width);
  const tmp = new Float64Array(width * h0);
  const tx = wx.taps;
  const ty = wy.taps;
  for (let c = 0; c < channels; c++) {
    const planeIn = hwc ? c : c * w0 * h0;
    const planeOut = hwc ? c : c * width * height;
    // Horizontal pass into tmp (h0 rows of the new width), then vertical into out.
    for (let y = 0; y < h0; y++) {
      const src = planeIn + y * rowIn;
      const dst = y * width;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = x * tx; k < (x + 1) * tx; k++) s += wx.weight[k]! * data[src + wx.index[k]! * pixel]!;
        tmp[dst + x] = s;
      }
    }
    for (let y = 0; y < height; y++) {
      row.fill(0);
      for (let k = y * ty; k < (y + 1) * ty; k++) {
        const wk = wy.weight[k]!;
        if (wk === 0) continue;
        const base = wy.index[k]! * width;
        for (let x = 0; x < width; x++) row[x]! += wk * tmp[base + x]!;
      }
      const o = planeOut + y * rowOut;
      if (isByte) for (let x = 0; x < width; x++) out[o + x * pixel] = Math.min(255, Math.max(0, Math.round(row[x]!)));
      else for (let x = 0; x < width; x++) out[o + x * pixel] = row[x]!;
    }
  }
  return out;
}

/**
 * Resizes an image (8-bit or float) to width x height.
 * @example
 *   const small = resizeImage(photo, 320, 240);                 // bilinear
 *   const big = resizeImage(icon, 256, 256, 'nearest');         // blocky, for display
 */
export function resizeImage<D extends Uint8Array | Float32Array>(image: RawImage<D>, width: number, height: number, mode: ResizeMode = 'bilinear'): RawImage<D> {
  checkTarget(width, height, mode, 'resizeImage');
  checkImage(image, 'resizeImage');
  if (image.width === width && image.height === height) return image;
  return { width, height, channels: image.channels, data: resample(image.data, image.width, image.height, image.channels, width, height, mode, 'hwc') };
}

/** resizeImage for the channels-first layout (the data pipeline and prediction). */
export function resizeChw(image: ChwImage, width: number, height: number, mode: ResizeMode = 'bilinear'): ChwImage {
  checkTarget(width, height, mode, 'resizeChw');
  const { width: w0, height: h0, channels, data } = image;
  if (data.length !== w0 * h0 * channels) throw new Error(`resizeChw: image data has ${data.length} values, expected ${w0}x${h0}x${channels}`);
  if (w0 === width && h0 === height) return image;
  return { width, height, channels, data: resample(data, w0, h0, channels, width, height, mode, 'chw') };
}

/**
 * Resizes a label map by nearest neighbour (pixel centres to pixel centres): every output value
 * is a value of the input. Typed arrays keep their kind; other arrays become Int32Array.
 * @example
 *   const labels = resizeLabels(prediction, image.width, image.height);
 */
export function resizeLabels<D extends ArrayLike<number>>(labels: LabelMap<D>, width: number, height: number): LabelMap<D extends LabelArray ? D : Int32Array> {
  type Out = LabelMap<D extends LabelArray ? D : Int32Array>;
  checkTarget(width, height, 'nearest', 'resizeLabels');
  const { width: w0, height: h0, data } = labels;
  if (!Number.isInteger(w0) || !Number.isInteger(h0) || w0 < 1 || h0 < 1 || !data || data.length !== w0 * h0) {
    throw new Error(`resizeLabels: a ${w0}x${h0} label map holds ${data?.length} values, expected ${w0 * h0}`);
  }
  if (w0 === width && h0 === height && (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Int32Array)) return labels as unknown as Out;
  const xs = Int32Array.from({ length: width }, (_, x) => nearestIndex(x, w0, width));
  const out = allocLabels(data, width * height);
  for (let y = 0; y < height; y++) {
    const src = nearestIndex(y, h0, height) * w0;
    for (let x = 0; x < width; x++) out[y * width + x] = data[src + xs[x]!]!;
  }
  return { width, height, data: out } as unknown as Out;
}
