// Padding with numpy.pad's semantics, any pad width (also wider than the image, where numpy
// repeats the mirroring): each mode is a map from an outside index to an inside one, applied
// per axis, which is what numpy's axis-by-axis padding amounts to.
import { allocLabels, allocPixels, type ChwImage, type LabelArray, type LabelMap } from '../../image/types.js';
import type { PadMode, PadSpec } from './spec.js';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The source index numpy.pad reads for index i (may be outside 0..n-1) of an axis of length n; -1 for 'constant'. */
export function padIndex(i: number, n: number, mode: PadMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'symmetric': {
      // abc → ...cba|abc|cba...: period 2n.
      const m = ((i % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    case 'reflect': {
      // abc → ...cb|abc|ba...: period 2(n - 1); a single pixel has nothing to mirror but itself.
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
  }
}

/** Before/after amounts to reach `target` from `size`, numpy-user style: before = ceil(extra / 2). */
export function centerPadding(size: number, target: number): [number, number] {
  const extra = Math.max(0, target - size);
  return [Math.ceil(extra / 2), Math.floor(extra / 2)];
}

/** The padding a PadSpec asks for on an image of this size. */
export function paddingFor(spec: PadSpec, width: number, height: number): Padding {
  const [top, bottom] = spec.height !== undefined ? centerPadding(height, spec.height) : [0, 0];
  const [left, right] = spec.width !== undefined ? centerPadding(width, spec.width) : [0, 0];
  return { top: top + (spec.top ?? 0), bottom: bottom + (spec.bottom ?? 0), left: left + (spec.left ?? 0), right: right + (spec.right ?? 0) };
}

function maps(width: number, height: number, p: Padding, mode: PadMode): { xs: Int32Array; ys: Int32Array } {
  const xs = Int32Array.from({ length: width + p.left + p.right }, (_, x) => padIndex(x - p.left, width, mode));
  const ys = Int32Array.from({ length: height + p.top + p.bottom }, (_, y) => padIndex(y - p.top, height, mode));
  return { xs, ys };
}

function checkPadding(p: Padding): void {
  for (const [k, v] of Object.entries(p)) if (!Number.isInteger(v) || v < 0) throw new Error(`pad: ${k} is ${v}, expected a non-negative integer`);
}

/** Pads a channels-first image (as numpy.pad on each (H, W) plane); `value` fills 'constant'. */
export function padImage(image: ChwImage, p: Padding, mode: PadMode = 'constant', value = 0): ChwImage {
  checkPadding(p);
  if (p.top + p.bottom + p.left + p.right === 0) return image;
  const { width, height, channels, data } = image;
  const { xs, ys } = maps(width, height, p, mode);
  const W = xs.length;
  const H = ys.length;
  const out = allocPixels(data, W * H * channels);
  if (mode === 'constant' && value !== 0) out.fill(value);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < H; y++) {
      const sy = ys[y]!;
      if (sy < 0) continue;
      const src = (c * height + sy) * width;
      const dst = (c * H + y) * W;
      for (let x = 0; x < W; x++) {
        const sx = xs[x]!;
        if (sx >= 0) out[dst + x] = data[src + sx]!;
      }
    }
  }
  return { width: W, height: H, channels, data: out };
}

/** Pads a label map: 'constant' fills with `value` (typically the ignore index), other modes copy labels like pixels. */
export function padLabel(label: LabelMap<LabelArray>, p: Padding, mode: PadMode = 'constant', value = 0): LabelMap<LabelArray> {
  checkPadding(p);
  if (p.top + p.bottom + p.left + p.right === 0) return label;
  const { width, height, data } = label;
  const { xs, ys } = maps(width, height, p, mode);
  const W = xs.length;
  const H = ys.length;
  let out = allocLabels(data, W * H);
  if (mode === 'constant' && value > (out instanceof Uint8Array ? 255 : out instanceof Uint16Array ? 65535 : 2 ** 31 - 1)) out = new Int32Array(W * H);
  if (mode === 'constant' && value !== 0) out.fill(value);
  for (let y = 0; y < H; y++) {
    const sy = ys[y]!;
    if (sy < 0) continue;
    for (let x = 0; x < W; x++) {
      const sx = xs[x]!;
      if (sx >= 0) out[y * W + x] = data[sy * width + sx]!;
    }
  }
  return { width: W, height: H, data: out };
}
