// Resizing channels-first images (bilinear / area / nearest) and label maps (nearest only:
// interpolating class indices would invent classes between neighbours).
import type { ResizeMode } from './spec.js';
import { alloc, allocLabel, type LabelPlane, type Planar, type PixelData } from './planar.js';

/** For one axis: output index o blends source indices index[o * taps + k] with weights weight[o * taps + k]. */
interface AxisWeights {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

/** Source index of output index o under half-pixel nearest ("nearest-exact"): floor((o + 0.5) * in / out). */
export function nearestIndex(o: number, inSize: number, outSize: number): number {
  return Math.min(inSize - 1, Math.floor(((o + 0.5) * inSize) / outSize));
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

/** Resizes a channels-first image; 8-bit results are rounded and clamped to 0..255. */
export function resizeImage(image: Planar, width: number, height: number, mode: ResizeMode = 'bilinear'): Planar {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resizeImage: target ${width}x${height}, expected positive integers`);
  }
  const { width: w0, height: h0, channels, data } = image;
  if (w0 === width && h0 === height) return image;
  const wx = axisWeights(w0, width, mode);
  const wy = axisWeights(h0, height, mode);
  const out = alloc(data, width * height * channels);
  const row = new Float64Array(width);
  const tmp = new Float64Array(width * h0);
  const isByte = out instanceof Uint8Array;
  const tx = wx.taps;
  const ty = wy.taps;
  for (let c = 0; c < channels; c++) {
    const plane = c * w0 * h0;
    // Horizontal pass into tmp (h0 rows of the new width), then vertical into out.
    for (let y = 0; y < h0; y++) {
      const src = plane + y * w0;
      const dst = y * width;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = x * tx; k < (x + 1) * tx; k++) s += wx.weight[k]! * data[src + wx.index[k]!]!;
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
      const o = (c * height + y) * width;
      if (isByte) for (let x = 0; x < width; x++) out[o + x] = Math.min(255, Math.max(0, Math.round(row[x]!)));
      else for (let x = 0; x < width; x++) out[o + x] = row[x]!;
    }
  }
  return { width, height, channels, data: out as PixelData };
}

/** Resizes a label map by nearest neighbour: every output value is a value of the input. */
export function resizeLabel(label: LabelPlane, width: number, height: number): LabelPlane {
  const { width: w0, height: h0, data } = label;
  if (w0 === width && h0 === height) return label;
  const xs = Int32Array.from({ length: width }, (_, x) => nearestIndex(x, w0, width));
  const out = allocLabel(data, width * height);
  for (let y = 0; y < height; y++) {
    const src = nearestIndex(y, h0, height) * w0;
    for (let x = 0; x < width; x++) out[y * width + x] = data[src + xs[x]!]!;
  }
  return { width, height, data: out };
}
