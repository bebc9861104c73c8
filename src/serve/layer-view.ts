// A layer as the inspector's Model view draws it: its kernels and its output for one input,
// as 8-bit tiles the page paints without further arithmetic. Each tile is scaled to 0..255 by
// its own min and max (a constant tile is all 0), so 3x3 kernels and sparse ReLU maps both show
// their structure; the true ranges travel in the header. The numbers come from src/inspect
// (layerKernels, layerActivation), the ones `pixelwise inspect filters/activations` draw.
import { noGrad, tensor, tidy, type TensorOptions } from '../torch/index.js';
import type { ZooModel } from '../models/contract.js';
import { layerActivation } from '../inspect/activations.js';
import { layerKernels } from '../inspect/filters.js';

export interface LayerTiles {
  meta: Record<string, unknown>;
  bytes: Uint8Array;
}

/** values[start .. start+len) scaled to 0..255 by their min and max into out[at..); returns [min, max]. */
export function scaleTile(values: ArrayLike<number>, start: number, len: number, out: Uint8Array, at: number, stride = 1): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < len; k++) {
    const v = values[start + k]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  for (let k = 0; k < len; k++) out[at + k * stride] = span > 0 ? Math.round((255 * (values[start + k]! - lo)) / span) : 0;
  return [lo, hi];
}

/**
 * The kernels of a layer: for a convolution over 3 input channels (the first layer) one RGB tile
 * per output channel (kh, kw, 3 interleaved); otherwise grey (out, in) tiles, the first 64
 * outputs with as many inputs as keep it near 256 tiles (as `inspect filters` draws them).
 */
export function filterTiles(model: ZooModel, name: string): LayerTiles {
  const k = layerKernels(model, name);
  const [o, i, kh, kw] = k.shape;
  const size = kh * kw;
  const outs = Math.min(o, 64);
  if (i === 3) {
    const bytes = new Uint8Array(outs * size * 3);
    const ranges: [number, number][] = [];
    for (let f = 0; f < outs; f++) {
      // One range over the filter's three planes, so its colour balance survives.
      const r = scaleTile(k.data, f * 3 * size, 3 * size, new Uint8Array(3 * size), 0);
      ranges.push(r);
      const span = r[1] - r[0];
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < size; p++) bytes[(f * size + p) * 3 + c] = span > 0 ? Math.round((255 * (k.data[(f * 3 + c) * size + p]! - r[0])) / span) : 0;
      }
    }
    return { meta: { layer: k.layer, type: k.type, shape: k.shape, rgb: true, outs, ins: 3, ranges }, bytes };
  }
  const ins = Math.min(i, 64, Math.max(1, Math.floor(256 / outs)));
  const bytes = new Uint8Array(outs * ins * size);
  const ranges: [number, number][] = [];
  for (let f = 0; f < outs; f++) {
    for (let c = 0; c < ins; c++) ranges.push(scaleTile(k.data, (f * i + c) * size, size, bytes, (f * ins + c) * size));
  }
  return { meta: { layer: k.layer, type: k.type, shape: k.shape, rgb: false, outs, ins, ranges }, bytes };
}

/** The first `maxChannels` output channels of a layer for one input (1, C, H, W), each scaled to 0..255. */
export function activationTiles(model: ZooModel, input: { data: Float32Array; shape: [number, number, number, number] }, name: string, o: { device?: TensorOptions['device']; maxChannels?: number } = {}): LayerTiles {
  const a = noGrad(() =>
    tidy(() => {
      const x = tensor(input.data, { shape: input.shape, device: o.device ?? 'cpu' });
      return layerActivation(model, x, name);
    }),
  );
  const [c, h, w] = a.shape;
  const shown = Math.min(c, o.maxChannels ?? 64);
  const bytes = new Uint8Array(shown * h * w);
  const ranges: [number, number][] = [];
  for (let k = 0; k < shown; k++) ranges.push(scaleTile(a.data, k * h * w, h * w, bytes, k * h * w));
  return { meta: { layer: a.layer, type: a.type, shape: a.shape, channels: shown, ranges }, bytes };
}
