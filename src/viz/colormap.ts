// Continuous colour maps for probabilities, activations and (signed) filter weights.
import { createImage, type RawImage } from '../image/types.js';
import { parseColor, type ColorLike, type Rgb } from '../image/color.js';
import { checkMap, finiteRange } from '../image/maps.js';
import type { ScalarMap } from '../image/types.js';

/** 'viridis' for magnitudes, 'gray', 'blues' (light to dark blue, for masks), 'coolwarm' (diverging, for signed weights). */
export type ColormapName = 'viridis' | 'gray' | 'blues' | 'coolwarm';

// Piecewise-linear anchors, evenly spaced over 0..1; eyeballed to follow the named maps' character.
const ANCHORS: Record<ColormapName, readonly Rgb[]> = {
  viridis: [
    [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
  ],
  gray: [[0, 0, 0], [255, 255, 255]],
  blues: [[247, 251, 255], [200, 221, 240], [115, 178, 216], [38, 118, 184], [8, 48, 107]],
  coolwarm: [[59, 76, 192], [125, 160, 245], [220, 220, 220], [242, 150, 120], [180, 4, 38]],
};

export const COLORMAPS: readonly ColormapName[] = Object.keys(ANCHORS) as ColormapName[];

const lutCache = new Map<ColormapName, Uint8Array>();

/** A 256-entry RGB lookup table for `map` (3 bytes per entry). */
export function colormapLut(map: ColormapName): Uint8Array {
  const cached = lutCache.get(map);
  if (cached) return cached;
  const anchors = ANCHORS[map];
  if (!anchors) throw new Error(`colormap "${String(map)}" is not one of ${COLORMAPS.join(', ')}`);
  const lut = new Uint8Array(256 * 3);
  const segments = anchors.length - 1;
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * segments;
    const k = Math.min(Math.floor(pos), segments - 1);
    const f = pos - k;
    const a = anchors[k]!;
    const b = anchors[k + 1]!;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(a[c]! + (b[c]! - a[c]!) * f);
  }
  lutCache.set(map, lut);
  return lut;
}

/** The colour of `map` at t in 0..1 (clamped). */
export function sampleColormap(map: ColormapName, t: number): Rgb {
  const lut = colormapLut(map);
  const i = Math.round(Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * 255) * 3;
  return [lut[i]!, lut[i + 1]!, lut[i + 2]!];
}

export interface ColormapOptions {
  /** Value mapped to the low end; default the finite minimum (or -max|v| when symmetric). */
  min?: number;
  /** Value mapped to the high end; default the finite maximum (or +max|v| when symmetric). */
  max?: number;
  map?: ColormapName;
  /** Centre the default range on zero, so 0 gets the map's middle colour (use with 'coolwarm'). */
  symmetric?: boolean;
  /** Colour for NaN values; default mid grey. */
  nanColor?: ColorLike;
}

/** The [min, max] a map would be normalised to under `options`. */
export function colormapRange(values: ArrayLike<number>, options: ColormapOptions = {}): [number, number] {
  let { min, max } = options;
  if (min === undefined || max === undefined) {
    const [lo, hi] = finiteRange(values);
    if (options.symmetric) {
      const a = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      min ??= -a;
      max ??= a;
    } else {
      min ??= Number.isNaN(lo) ? 0 : lo;
      max ??= Number.isNaN(hi) ? 1 : hi;
    }
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`colormap range [${min}, ${max}] must be finite`);
  if (min > max) throw new Error(`colormap range min ${min} is greater than max ${max}`);
  return [min, max];
}

/** Maps a ScalarMap to an RGB image through a colormap; values outside [min, max] are clamped. */
export function applyColormap(values: ScalarMap, options: ColormapOptions = {}): RawImage {
  checkMap(values, 'applyColormap values');
  const [min, max] = colormapRange(values.data, options);
  const lut = colormapLut(options.map ?? 'viridis');
  const nan = parseColor(options.nanColor ?? [128, 128, 128]);
  const out = createImage(values.width, values.height, 3);
  const scale = max > min ? 255 / (max - min) : 0;
  const d = values.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    const o = i * 3;
    if (Number.isNaN(v)) {
      out.data[o] = nan[0];
      out.data[o + 1] = nan[1];
      out.data[o + 2] = nan[2];
      continue;
    }
    const k = Math.round(Math.min(255, Math.max(0, (v - min) * scale))) * 3;
    out.data[o] = lut[k]!;
    out.data[o + 1] = lut[k + 1]!;
    out.data[o + 2] = lut[k + 2]!;
  }
  return out;
}
