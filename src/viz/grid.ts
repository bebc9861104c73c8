// Many small maps tiled into one image: the filters of a conv layer, the channels of an activation.
import type { RawImage, ScalarMap } from '../image/types.js';
import { checkMap } from '../image/maps.js';
import { drawColorbar, colorbarWidth } from './colorbar.js';
import { applyColormap, colormapRange, type ColormapName } from './colormap.js';
import { measureText } from './font.js';
import { rasterize } from './raster.js';
import { SvgSurface } from './svg.js';

export interface TileOptions {
  /** Tiles per row; default about square. */
  cols?: number;
  map?: ColormapName;
  /** 'each': every tile spans the full colour range; 'global': one range for all (with a colour bar). */
  normalize?: 'each' | 'global';
  /** Centre ranges on zero (signed weights). */
  symmetric?: boolean;
  /** Global range override (normalize 'global'). */
  min?: number;
  max?: number;
  /** Integer upscaling of every tile; default enough to make tiles at least `minTileSize` pixels. */
  scale?: number;
  /** Default 32 (so a 3x3 filter is drawn at 33x33), larger for 1-4 tiles. */
  minTileSize?: number;
  /** A label above each tile; false for none. */
  labels?: readonly string[] | false;
  /** Pixels between tiles; default 4. */
  gap?: number;
  title?: string;
  /** Text scale of the labels (font.ts); default 1 (title one larger). */
  fontScale?: number;
  /** Draw a colour bar (global normalisation only); default true. */
  colorbar?: boolean;
}

/** Tiles same-sized scalar maps into a grid, colour-mapped, each under its label. */
export function tileMaps(maps: readonly ScalarMap[], options: TileOptions = {}): RawImage {
  if (!Array.isArray(maps) || maps.length === 0) throw new Error('tileMaps needs at least one map');
  maps.forEach((m, i) => checkMap(m, `tile ${i}`));
  const { width: tw, height: th } = maps[0]!;
  maps.forEach((m, i) => {
    if (m.width !== tw || m.height !== th) throw new Error(`tile ${i} is ${m.height}x${m.width} (HxW), expected ${th}x${tw} like tile 0`);
  });
  const n = maps.length;
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`tileMaps cols ${cols} must be a positive integer`);
  const rows = Math.ceil(n / cols);
  // A lone tile is the single-filter view of the TGS tutorial: draw it large.
  const minTile = options.minTileSize ?? (n === 1 ? 192 : n <= 4 ? 96 : 32);
  const k = options.scale ?? Math.max(1, Math.ceil(minTile / Math.max(tw, th)));
  if (!Number.isInteger(k) || k < 1) throw new Error(`tileMaps scale ${k} must be a positive integer`);
  const map = options.map ?? 'viridis';
  const s = options.fontScale ?? 1;
  const gap = options.gap ?? 4;
  const pad = 6 + s;
  const labels = options.labels === false ? [] : options.labels ?? [];
  if (labels.length && labels.length !== n) throw new Error(`tileMaps got ${labels.length} labels for ${n} tiles`);

  let globalRange: [number, number] | null = null;
  if (options.normalize === 'global') {
    const all = new Float64Array(n * tw * th);
    maps.forEach((m, i) => all.set(Array.from(m.data), i * tw * th));
    globalRange = colormapRange(all, { min: options.min, max: options.max, symmetric: options.symmetric });
  }
  const images = maps.map((m) => {
    const [min, max] = globalRange ?? colormapRange(m.data, { symmetric: options.symmetric });
    return applyColormap(m, { map, min, max });
  });

  const label = measureText('Ag', { scale: s });
  const band = labels.length ? Math.ceil(label.height + label.descent) + 3 : 0;
  const cellW = Math.ceil(Math.max(tw * k, ...labels.map((l) => measureText(l, { scale: s }).width)));
  const cellH = th * k + band;
  const title = options.title ? measureText(options.title, { scale: s + 1, bold: true }) : null;
  const top = pad + (title ? Math.ceil(title.height + title.descent) + 8 : 0);
  const gridW = cols * cellW + (cols - 1) * gap;
  const gridH = rows * cellH + (rows - 1) * gap;
  const barSpec = globalRange && (options.colorbar ?? true) ? { map, min: globalRange[0], max: globalRange[1], scale: s } : null;
  const barH = Math.max(40, Math.min(gridH, 400));
  const barW = barSpec ? colorbarWidth(barSpec, barH) + 12 : 0;
  const width = Math.max(2 * pad + gridW + barW, title ? Math.ceil(title.width) + 2 * pad : 0);
  const height = top + gridH + pad;

  const svg = new SvgSurface(width, height);
  if (options.title) svg.text(options.title, width / 2, pad, { scale: s + 1, bold: true, align: 'center' });
  images.forEach((im, i) => {
    const x = pad + (i % cols) * (cellW + gap);
    const y = top + Math.floor(i / cols) * (cellH + gap);
    if (labels.length) svg.text(labels[i]!, x + cellW / 2, y, { scale: s, align: 'center' });
    svg.image(im, x + Math.floor((cellW - tw * k) / 2), y + band, tw * k, th * k);
  });
  if (barSpec) drawColorbar(svg, pad + gridW + 12, top + band, Math.min(barH, gridH - band), barSpec);
  return rasterize(svg);
}

export interface FilterGridOptions extends TileOptions {
  /** Output channels to show; default the first 64. */
  outChannels?: readonly number[];
  /** Input channels to show; default the first 16. */
  inChannels?: readonly number[];
}

/**
 * The kernels of a conv layer: `weights` in PyTorch layout (out, in, kh, kw), one tile per
 * (out, in) pair labelled 'out,in'; each row holds whole groups of one output channel's inputs. Signed 'coolwarm' colours,
 * one global range centred on zero, unless options say otherwise.
 */
export function filterGrid(weights: ArrayLike<number>, shape: readonly [number, number, number, number], options: FilterGridOptions = {}): RawImage {
  const [co, ci, kh, kw] = checkShape(shape, 4, 'filterGrid shape (out, in, kh, kw)');
  if (weights.length !== co * ci * kh * kw) {
    throw new Error(`filterGrid weights has ${weights.length} values, shape [${shape.join(', ')}] needs ${co * ci * kh * kw}`);
  }
  const outs = pick(options.outChannels, co, 64, 'outChannels');
  const ins = pick(options.inChannels, ci, 16, 'inChannels');
  const maps: ScalarMap[] = [];
  const labels: string[] = [];
  for (const o of outs) {
    for (const i of ins) {
      const start = (o * ci + i) * kh * kw;
      maps.push({ width: kw, height: kh, data: Array.prototype.slice.call(weights, start, start + kh * kw) as number[] });
      labels.push(ci > 1 ? `${o},${i}` : `${o}`);
    }
  }
  const shown = outs.length * ins.length, total = co * ci;
  const note = shown < total ? ` (${shown} of ${total})` : '';
  return tileMaps(maps, {
    map: 'coolwarm',
    normalize: 'global',
    symmetric: true,
    cols: filterCols(outs.length, ins.length),
    labels,
    ...options,
    title: (options.title ?? `filters ${co}x${ci}x${kh}x${kw}`) + note,
  });
}

export interface ActivationGridOptions extends TileOptions {
  /** Channels to show; default the first 64. */
  channels?: readonly number[];
}

/** One tile per channel of an activation (C, H, W) (or (1, C, H, W)), each normalised on its own by default. */
export function activationGrid(data: ArrayLike<number>, shape: readonly number[], options: ActivationGridOptions = {}): RawImage {
  const dims = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  const [c, h, w] = checkShape(dims, 3, 'activationGrid shape (C, H, W)');
  if (data.length !== c * h * w) throw new Error(`activationGrid data has ${data.length} values, shape [${shape.join(', ')}] needs ${c * h * w}`);
  const chans = pick(options.channels, c, 64, 'channels');
  const maps = chans.map((ch) => ({ width: w, height: h, data: Array.prototype.slice.call(data, ch * h * w, (ch + 1) * h * w) as number[] }));
  const note = chans.length < c ? ` (${chans.length} of ${c} channels)` : '';
  return tileMaps(maps, {
    labels: chans.map((ch) => `ch ${ch}`),
    minTileSize: chans.length <= 4 ? 192 : 64,
    ...options,
    title: (options.title ?? `activations ${c}x${h}x${w}`) + note,
  });
}

/** Whole groups of `ins` tiles per row (one group per output channel), the grid about square. */
function filterCols(outs: number, ins: number): number {
  const groups = Math.max(1, Math.min(outs, Math.round(Math.sqrt(outs * ins) / ins)));
  return groups * ins;
}

function checkShape(shape: readonly number[], rank: number, what: string): number[] {
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${what} must be ${rank} positive integers, got [${String(shape)}]`);
  }
  return shape as number[];
}

function pick(chosen: readonly number[] | undefined, size: number, limit: number, what: string): number[] {
  if (!chosen) return Array.from({ length: Math.min(size, limit) }, (_, i) => i);
  for (const c of chosen) {
    if (!Number.isInteger(c) || c < 0 || c >= size) throw new Error(`${what} entry ${c} is outside 0..${size - 1}`);
  }
  if (chosen.length === 0) throw new Error(`${what} must name at least one channel`);
  return [...chosen];
}
