// A figure of one or more axes panels, laid out once, drawn as SVG and rasterised from it.
import type { RawImage } from '../image/types.js';
import type { ColorLike } from '../image/color.js';
import { checkImage } from '../image/convert.js';
import { qualitativePalette } from '../image/palette.js';
import { checkScale, measureText } from './font.js';
import { drawLegend, measureLegend, type LegendEntry } from './legend-box.js';
import { rasterize } from './raster.js';
import { SvgSurface, type MarkerKind, type Rect } from './svg.js';
import { formatTicks, linearTicks, logTicks } from './ticks.js';

export interface LineSeries {
  name?: string;
  /** Default 0, 1, 2, ... */
  x?: ArrayLike<number>;
  /** NaN or infinite values leave a gap in the line. */
  y: ArrayLike<number>;
  color?: ColorLike;
  /** Stroke width in pixels; default the font scale. */
  width?: number;
  dash?: readonly [number, number];
  /** Also mark every point. */
  marker?: MarkerKind;
  markerSize?: number;
}

export interface ScatterSeries {
  name?: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: ColorLike;
  marker?: MarkerKind;
  /** Marker diameter in pixels. */
  size?: number;
}

/** A vertical (vLines) or horizontal (hLines) reference line. */
export interface RefLine {
  value: number;
  color?: ColorLike;
  dash?: readonly [number, number];
  /** Shown in the legend. */
  label?: string;
}

export interface Annotation {
  x: number;
  y: number;
  text: string;
  color?: ColorLike;
}

export type LegendPlace = 'best' | 'upper right' | 'upper left' | 'lower left' | 'lower right' | 'outside';

export interface AxesSpec {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  lines?: readonly LineSeries[];
  scatter?: readonly ScatterSeries[];
  vLines?: readonly RefLine[];
  hLines?: readonly RefLine[];
  annotations?: readonly Annotation[];
  /** Fixed axis limits; default the data range plus 5% on each side. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** x holds counts (epochs, steps): ticks at whole numbers only, and at least half a unit of room around the data. */
  xInteger?: boolean;
  yScale?: 'linear' | 'log';
  /** Same data units per pixel on both axes (matplotlib's axis('equal')). */
  equal?: boolean;
  /** Light grid lines at the ticks; default true. */
  grid?: boolean;
  /** Default 'best': the emptiest inside corner, or outside on the right when every corner covers data. */
  legend?: LegendPlace | false;
  /** An image panel instead of axes (no ticks), e.g. a generated sample next to a latent plot. */
  image?: RawImage;
}

export interface FigureOptions {
  /** Size of each panel in pixels; default 640 x 480. */
  width?: number;
  height?: number;
  /** Panels per row; default all in one row. */
  cols?: number;
  /** A bold heading over all panels. */
  title?: string;
  /** Scale of all text (font.ts: 2 is 14-pixel type); default 2. */
  fontScale?: number;
  background?: ColorLike;
}

/** One axis after layout: limits, ticks and the data-to-pixel mapping. */
export interface AxisLayout {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
  labels: string[];
  /** Pixel coordinate of a data value (NaN for values a log axis cannot show). */
  toPixel(v: number): number;
}

export interface PanelLayout {
  spec: AxesSpec;
  outer: Rect;
  /** The data area; data maps onto its pixels inclusive of both edges. */
  plot: Rect;
  x: AxisLayout;
  y: AxisLayout;
  hasData: boolean;
  legend: { rect: Rect; entries: LegendEntry[] } | null;
}

const FRAME: ColorLike = [40, 40, 40];
const GRID: ColorLike = [228, 228, 228];

/** A laid-out figure; `toSvg()` draws it, `toImage()` rasterises that drawing, `toPixel()` maps data. */
export class Figure {
  readonly width: number;
  readonly height: number;
  readonly panels: readonly PanelLayout[];
  private readonly options: FigureOptions;
  private readonly headingHeight: number;
  private svg: SvgSurface | null = null;

  constructor(specs: readonly AxesSpec[], options: FigureOptions = {}) {
    if (!Array.isArray(specs) || specs.length === 0) throw new Error('a figure needs at least one panel');
    const pw = options.width ?? 640, ph = options.height ?? 480;
    for (const [v, what] of [[pw, 'width'], [ph, 'height']] as const) {
      if (!Number.isInteger(v) || v < 120) throw new Error(`figure panel ${what} ${v} must be an integer >= 120`);
    }
    const cols = options.cols ?? specs.length;
    if (!Number.isInteger(cols) || cols < 1) throw new Error(`figure cols ${cols} must be a positive integer`);
    const s = checkScale(options.fontScale ?? 2);
    this.options = { ...options, fontScale: s };
    const heading = options.title ? measureText(options.title, { scale: s + 1, bold: true }) : null;
    this.headingHeight = heading ? Math.ceil(heading.height + heading.descent + 6 * s) : 0;
    const rows = Math.ceil(specs.length / cols);
    this.width = Math.max(cols * pw, heading ? Math.ceil(heading.width + 8 * s) : 0);
    this.height = rows * ph + this.headingHeight;
    this.panels = specs.map((spec, i) => layoutPanel(spec, {
      x: (i % cols) * pw,
      y: this.headingHeight + Math.floor(i / cols) * ph,
      width: pw,
      height: ph,
    }, s));
  }

  /** Raster pixel of data point (x, y) in panel `panel`. */
  toPixel(x: number, y: number, panel = 0): [number, number] {
    const p = this.panels[panel];
    if (!p) throw new Error(`panel ${panel} does not exist: the figure has ${this.panels.length}`);
    return [Math.round(p.x.toPixel(x)), Math.round(p.y.toPixel(y))];
  }

  draw(surface: SvgSurface): void {
    const s = this.options.fontScale!;
    if (this.options.title) {
      surface.text(this.options.title, this.width / 2, 3 * s, { scale: s + 1, bold: true, align: 'center' });
    }
    for (const p of this.panels) drawPanel(surface, p, s);
  }

  private surface(): SvgSurface {
    if (!this.svg) {
      this.svg = new SvgSurface(this.width, this.height, { background: this.options.background ?? 'white' });
      this.draw(this.svg);
    }
    return this.svg;
  }

  /** The figure as an RGB image: its SVG rasterised. */
  toImage(): RawImage {
    return rasterize(this.surface());
  }

  /** The figure as an SVG document. */
  toSvg(): string {
    return this.surface().toString();
  }
}

// ---- layout ----------------------------------------------------------------------------------

interface Extent { lo: number; hi: number }

function extend(e: Extent, v: number): void {
  if (!Number.isFinite(v)) return;
  if (v < e.lo) e.lo = v;
  if (v > e.hi) e.hi = v;
}

function seriesX(series: LineSeries, i: number): number {
  return series.x ? series.x[i]! : i;
}

function checkSeries(x: ArrayLike<number> | undefined, y: ArrayLike<number>, what: string): void {
  if (!y || typeof y.length !== 'number') throw new Error(`${what}: y must be an array of numbers`);
  if (x && x.length !== y.length) throw new Error(`${what}: x has ${x.length} values but y has ${y.length}`);
}

/** Finite data extents of a panel, honouring a log y axis (only positive values count). */
function dataExtents(spec: AxesSpec): { x: Extent; y: Extent } {
  const x = { lo: Infinity, hi: -Infinity }, y = { lo: Infinity, hi: -Infinity };
  const logY = spec.yScale === 'log';
  const addPoint = (px: number, py: number) => {
    if (!Number.isFinite(px) || !Number.isFinite(py) || (logY && !(py > 0))) return;
    extend(x, px);
    extend(y, py);
  };
  (spec.lines ?? []).forEach((l, k) => {
    checkSeries(l.x, l.y, `line series ${l.name ?? k}`);
    for (let i = 0; i < l.y.length; i++) addPoint(seriesX(l, i), l.y[i]!);
  });
  (spec.scatter ?? []).forEach((sc, k) => {
    checkSeries(sc.x, sc.y, `scatter series ${sc.name ?? k}`);
    for (let i = 0; i < sc.y.length; i++) addPoint(sc.x[i]!, sc.y[i]!);
  });
  for (const a of spec.annotations ?? []) addPoint(a.x, a.y);
  // Reference lines widen only their own axis, and only if there is data to anchor the other one.
  for (const v of spec.vLines ?? []) extend(x, v.value);
  for (const h of spec.hLines ?? []) if (!logY || h.value > 0) extend(y, h.value);
  return { x, y };
}

/** Limits around the data: 5% of the span on each side (`topMargin` above), at least `minPad` units. */
function padExtent(e: Extent, log: boolean, topMargin = 0.05, minPad = 0): [number, number] {
  // An empty axis shows 0..1 (0.1..10 on log), padded like data so corner labels do not collide.
  const empty = !(e.lo <= e.hi);
  let lo = empty ? (log ? -1 : 0) : log ? Math.log10(e.lo) : e.lo;
  let hi = empty ? (log ? 1 : 1) : log ? Math.log10(e.hi) : e.hi;
  const span = hi - lo;
  const unit = span > 0 ? span : Math.abs(lo) * 2 || 1;
  lo -= Math.max(unit * 0.05, minPad);
  hi += Math.max(unit * topMargin, minPad);
  return log ? [10 ** lo, 10 ** hi] : [lo, hi];
}

function checkRange(r: readonly [number, number] | undefined, what: string, log: boolean): [number, number] | null {
  if (!r) return null;
  const [lo, hi] = r;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new Error(`${what} [${lo}, ${hi}] must be finite with min < max`);
  if (log && !(lo > 0)) throw new Error(`${what} [${lo}, ${hi}] must be positive on a log axis`);
  return [lo, hi];
}

function makeAxis(min: number, max: number, log: boolean, p0: number, length: number, flip: boolean, maxTicks: number, integer = false): AxisLayout {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(min), b = f(max);
  const span = b - a || 1;
  let ticks: number[];
  let labels: string[];
  if (log) {
    ticks = logTicks(min, max, maxTicks);
    labels = formatTicks(ticks).map((_, i) => formatLog(ticks[i]!));
  } else {
    const t = linearTicks(min, max, maxTicks, integer);
    ticks = t.ticks;
    labels = formatTicks(ticks, t.step);
  }
  const last = length - 1;
  return {
    min, max, log, ticks, labels,
    toPixel: (v: number) => {
      if (log && !(v > 0)) return NaN;
      const t = (f(v) - a) / span;
      return flip ? p0 + last - t * last : p0 + t * last;
    },
  };
}

function formatLog(v: number): string {
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) < 1e-9 && (Math.abs(e) >= 4)) return `1e${Math.round(e)}`;
  return formatTicks([v])[0]!;
}

function legendEntries(spec: AxesSpec, s: number): LegendEntry[] {
  const entries: LegendEntry[] = [];
  const lineColors = defaultColors(spec);
  (spec.lines ?? []).forEach((l, i) => {
    if (l.name) entries.push({ text: l.name, color: l.color ?? lineColors.lines[i]!, symbol: 'line', lineWidth: l.width ?? s, dash: l.dash });
  });
  (spec.scatter ?? []).forEach((sc, i) => {
    if (sc.name) {
      entries.push({ text: sc.name, color: sc.color ?? lineColors.scatter[i]!, symbol: sc.marker ?? 'circle', markerSize: Math.min(sc.size ?? 3 * s + 1, 7 * s) });
    }
  });
  for (const r of [...(spec.vLines ?? []), ...(spec.hLines ?? [])]) {
    if (r.label) entries.push({ text: r.label, color: r.color ?? [100, 100, 100], symbol: 'line', lineWidth: s, dash: r.dash ?? [4 * s, 3 * s] });
  }
  return entries;
}

/** Series colours in drawing order: lines first, then scatter groups, from one qualitative cycle. */
function defaultColors(spec: AxesSpec): { lines: ColorLike[]; scatter: ColorLike[] } {
  const nl = spec.lines?.length ?? 0, ns = spec.scatter?.length ?? 0;
  const cycle = qualitativePalette(Math.max(1, nl + ns));
  return { lines: cycle.slice(0, nl), scatter: cycle.slice(nl, nl + ns) };
}

/** Text sizes and gaps of a panel at text scale s, in pixels. */
function metrics(s: number) {
  const m = measureText('Ag', { scale: s });
  const cap = m.height, lineH = Math.ceil(m.height + m.descent);
  return {
    cap,
    lineH,
    pad: Math.round(4 * s),
    tickLen: Math.round(2 * s + 1),
    /** Between a tick and its label. */
    tickGap: Math.round(0.4 * cap),
    /** Between tick labels and the axis label: enough that they never touch. */
    labelGap: Math.round(0.8 * cap),
  };
}

function layoutPanel(spec: AxesSpec, outer: Rect, s: number): PanelLayout {
  const { lineH, pad, tickLen, tickGap, labelGap } = metrics(s);
  const titleH = spec.title ? lineH + Math.round(4 * s) : 0;
  if (spec.image) {
    checkImage(spec.image, 'figure image panel');
    const plot = { x: outer.x + pad, y: outer.y + pad + titleH, width: outer.width - 2 * pad, height: outer.height - 2 * pad - titleH };
    const dummy = makeAxis(0, 1, false, plot.x, plot.width, false, 2);
    return { spec, outer, plot, x: dummy, y: { ...dummy }, hasData: true, legend: null };
  }
  const logY = spec.yScale === 'log';
  const integerX = spec.xInteger ?? false;
  const ext = dataExtents(spec);
  const hasData = ext.x.lo <= ext.x.hi && ext.y.lo <= ext.y.hi;
  let [x0, x1] = checkRange(spec.xRange, 'xRange', false) ?? padExtent(ext.x, false, 0.05, integerX ? 0.5 : 0);
  // Annotations sit above their point: leave headroom for them.
  let [y0, y1] = checkRange(spec.yRange, 'yRange', logY) ?? padExtent(ext.y, logY, spec.annotations?.length ? 0.15 : 0.05);
  const maxXTicks = Math.max(2, Math.min(9, Math.floor(outer.width / (45 * s))));
  const maxYTicks = Math.max(2, Math.min(9, Math.floor(outer.height / (30 * s))));
  const entries = spec.legend === false ? [] : legendEntries(spec, s);
  const legendSize = entries.length ? measureLegend(entries, { scale: s }) : null;

  const build = (legendOutside: boolean): PanelLayout => {
    let x = makeAxis(x0, x1, false, 0, 100, false, maxXTicks, integerX);
    let y = makeAxis(y0, y1, logY, 0, 100, true, maxYTicks);
    let plot: Rect = { x: 0, y: 0, width: 0, height: 0 };
    // Twice: equal aspect changes the limits, which changes tick label widths and so the margins.
    for (let pass = 0; pass < 2; pass++) {
      const yTickW = Math.ceil(Math.max(0, ...y.labels.map((l) => measureText(l, { scale: s }).width)));
      const lastX = x.labels.length ? measureText(x.labels[x.labels.length - 1]!, { scale: s }).width : 0;
      const left = pad + (spec.yLabel ? lineH + labelGap : 0) + yTickW + tickGap + tickLen;
      const bottom = pad + tickLen + tickGap + lineH + (spec.xLabel ? labelGap + lineH : 0);
      const right = pad + Math.max(Math.ceil(lastX / 2), s) + (legendOutside && legendSize ? legendSize.width + 3 * s : 0);
      const top = pad + titleH + s;
      plot = {
        x: outer.x + left,
        y: outer.y + top,
        width: Math.max(10, outer.width - left - right),
        height: Math.max(10, outer.height - top - bottom),
      };
      if (spec.equal && !spec.xRange && !spec.yRange && !logY) [x0, x1, y0, y1] = equalise(x0, x1, y0, y1, plot);
      x = makeAxis(x0, x1, false, plot.x, plot.width, false, maxXTicks, integerX);
      y = makeAxis(y0, y1, logY, plot.y, plot.height, true, maxYTicks);
    }
    return { spec, outer, plot, x, y, hasData, legend: null };
  };

  let layout = build(spec.legend === 'outside');
  if (legendSize) {
    const place = placeLegend(layout, legendSize, s);
    if (place) {
      layout.legend = { rect: place, entries };
    } else {
      layout = build(true);
      layout.legend = {
        rect: { x: layout.plot.x + layout.plot.width + 3 * s + Math.ceil(s / 2), y: layout.plot.y, width: legendSize.width, height: legendSize.height },
        entries,
      };
    }
  }
  return layout;
}

/** Widens one axis range about its centre so both axes have the same units per pixel. */
function equalise(x0: number, x1: number, y0: number, y1: number, plot: Rect): [number, number, number, number] {
  const ux = (x1 - x0) / plot.width, uy = (y1 - y0) / plot.height;
  if (ux > uy) {
    const c = (y0 + y1) / 2, h = (ux * plot.height) / 2;
    return [x0, x1, c - h, c + h];
  }
  const c = (x0 + x1) / 2, h = (uy * plot.width) / 2;
  return [c - h, c + h, y0, y1];
}

/** The legend's rect inside the plot, or null when it should go outside. */
function placeLegend(layout: PanelLayout, size: { width: number; height: number }, s: number): Rect | null {
  const { plot, spec } = layout;
  const inset = 3 * s;
  if (size.width + 2 * inset > plot.width || size.height + 2 * inset > plot.height) return null;
  if (spec.legend === 'outside') return null;
  const left = plot.x + inset, right = plot.x + plot.width - inset - size.width;
  const top = plot.y + inset, bottom = plot.y + plot.height - inset - size.height;
  const corners: Record<Exclude<LegendPlace, 'best' | 'outside'>, Rect> = {
    'upper right': { x: right, y: top, ...size },
    'upper left': { x: left, y: top, ...size },
    'lower left': { x: left, y: bottom, ...size },
    'lower right': { x: right, y: bottom, ...size },
  };
  const wanted = spec.legend || 'best';
  if (wanted !== 'best') return corners[wanted];
  const points = samplePixels(layout, s);
  let best: Rect | null = null, bestCount = Infinity;
  for (const rect of Object.values(corners)) {
    let count = 0;
    for (let i = 0; i < points.length; i += 3) {
      // A little air around the box: data and labels must not touch the legend either.
      const r = points[i + 2]! + 2 * s;
      if (points[i]! + r >= rect.x && points[i]! - r < rect.x + rect.width && points[i + 1]! + r >= rect.y && points[i + 1]! - r < rect.y + rect.height) count++;
    }
    if (count < bestCount) {
      best = rect;
      bestCount = count;
    }
  }
  return bestCount === 0 ? best : null;
}

/** Pixel positions (x, y, radius triples) covered by the panel's data, for legend placement. */
function samplePixels(layout: PanelLayout, scale: number): number[] {
  const { spec, x, y } = layout;
  const out: number[] = [];
  for (const l of spec.lines ?? []) {
    let px = NaN, py = NaN;
    for (let i = 0; i < l.y.length; i++) {
      const qx = x.toPixel(seriesX(l, i)), qy = y.toPixel(l.y[i]!);
      if (!Number.isFinite(qx) || !Number.isFinite(qy)) {
        px = py = NaN;
        continue;
      }
      out.push(qx, qy, 2);
      if (Number.isFinite(px)) {
        const steps = Math.min(2000, Math.ceil(Math.hypot(qx - px, qy - py) / 3));
        for (let k = 1; k < steps; k++) out.push(px + ((qx - px) * k) / steps, py + ((qy - py) * k) / steps, 2);
      }
      px = qx;
      py = qy;
    }
  }
  for (const sc of spec.scatter ?? []) {
    for (let i = 0; i < sc.y.length; i++) {
      const qx = x.toPixel(sc.x[i]!), qy = y.toPixel(sc.y[i]!);
      if (Number.isFinite(qx) && Number.isFinite(qy)) out.push(qx, qy, (sc.size ?? 7) / 2);
    }
  }
  for (const a of spec.annotations ?? []) {
    const box = annotationBox(layout, a, scale);
    if (box) out.push(box.x + box.width / 2, box.y + box.height / 2, Math.max(box.width, box.height) / 2);
  }
  return out;
}

// ---- drawing ---------------------------------------------------------------------------------

function drawPanel(surface: SvgSurface, p: PanelLayout, s: number): void {
  const { spec, plot } = p;
  const { lineH, pad, tickLen, tickGap, labelGap } = metrics(s);
  if (spec.title) {
    surface.text(spec.title, plot.x + plot.width / 2, p.outer.y + pad, { scale: s, bold: true, align: 'center' });
  }
  if (spec.image) {
    drawImagePanel(surface, spec.image, plot);
    return;
  }
  const grid = spec.grid ?? true;
  const xMin = plot.x, xMax = plot.x + plot.width - 1, yMin = plot.y, yMax = plot.y + plot.height - 1;
  const xTicks = p.x.ticks.map((t) => Math.round(p.x.toPixel(t)));
  const yTicks = p.y.ticks.map((t) => Math.round(p.y.toPixel(t)));
  if (grid) {
    for (const px of xTicks) surface.line(px, yMin, px, yMax, GRID);
    for (const py of yTicks) surface.line(xMin, py, xMax, py, GRID);
  }

  surface.setClip(plot);
  const colors = defaultColors(spec);
  for (const r of spec.vLines ?? []) {
    const px = p.x.toPixel(r.value);
    if (Number.isFinite(px)) surface.line(px, yMin, px, yMax, r.color ?? [100, 100, 100], { width: s, dash: r.dash ?? [4 * s, 3 * s] });
  }
  for (const r of spec.hLines ?? []) {
    const py = p.y.toPixel(r.value);
    if (Number.isFinite(py)) surface.line(xMin, py, xMax, py, r.color ?? [100, 100, 100], { width: s, dash: r.dash ?? [4 * s, 3 * s] });
  }
  (spec.lines ?? []).forEach((l, i) => drawLine(surface, p, l, l.color ?? colors.lines[i]!, s));
  (spec.scatter ?? []).forEach((sc, i) => {
    const color = sc.color ?? colors.scatter[i]!;
    const size = sc.size ?? 3 * s + 1;
    for (let k = 0; k < sc.y.length; k++) {
      const qx = p.x.toPixel(sc.x[k]!), qy = p.y.toPixel(sc.y[k]!);
      if (Number.isFinite(qx) && Number.isFinite(qy)) surface.marker(sc.marker ?? 'circle', qx, qy, size, color);
    }
  });
  for (const a of spec.annotations ?? []) {
    const box = annotationBox(p, a, s);
    if (!box) continue;
    surface.fillRect(box.x, box.y, box.width, box.height, 'white');
    surface.text(a.text, box.x + box.width / 2, box.y + s, { scale: s, align: 'center', color: a.color ?? 'black' });
  }
  surface.setClip(null);

  surface.strokeRect(plot.x - 1, plot.y - 1, plot.width + 2, plot.height + 2, FRAME);
  xTicks.forEach((px, i) => {
    surface.line(px, yMax + 1, px, yMax + tickLen, FRAME);
    surface.text(p.x.labels[i]!, px + 0.5, yMax + 1 + tickLen + tickGap, { scale: s, align: 'center' });
  });
  const yTickW = Math.max(0, ...p.y.labels.map((l) => measureText(l, { scale: s }).width));
  yTicks.forEach((py, i) => {
    surface.line(xMin - tickLen, py, xMin - 1, py, FRAME);
    surface.text(p.y.labels[i]!, xMin - tickLen - tickGap, py + 0.5, { scale: s, align: 'right', baseline: 'middle' });
  });
  if (spec.xLabel) {
    surface.text(spec.xLabel, plot.x + plot.width / 2, yMax + 1 + tickLen + tickGap + lineH + labelGap, { scale: s, align: 'center' });
  }
  if (spec.yLabel) {
    // Rotated, its capitals face left: the label's right edge (baseline plus descent) keeps labelGap from the widest tick label.
    const x = xMin - tickLen - tickGap - Math.ceil(yTickW) - labelGap - lineH;
    surface.text(spec.yLabel, x, plot.y + plot.height / 2, { scale: s, align: 'center', baseline: 'top', rotate: 90 });
  }
  if (!p.hasData) {
    surface.text('no data', plot.x + plot.width / 2, plot.y + plot.height / 2, { scale: s, align: 'center', baseline: 'middle', color: [120, 120, 120] });
  }
  if (p.legend) drawLegend(surface, p.legend.rect.x, p.legend.rect.y, p.legend.entries, { scale: s });
}

/** Where an annotation's label goes: centred above its point, inside the plot, below it when the top is too close. */
function annotationBox(p: PanelLayout, a: Annotation, s: number): Rect | null {
  const qx = p.x.toPixel(a.x), qy = p.y.toPixel(a.y);
  if (!Number.isFinite(qx) || !Number.isFinite(qy)) return null;
  const { plot } = p;
  const m = measureText(a.text, { scale: s });
  const width = Math.ceil(m.width + 2 * s), height = Math.ceil(m.height + m.descent + 2 * s);
  const x = Math.round(Math.min(Math.max(qx - width / 2, plot.x + s), plot.x + plot.width - s - width));
  const above = qy - 4 * s - height >= plot.y;
  return { x, y: Math.round(above ? qy - 4 * s - height : qy + 4 * s), width, height };
}

function drawLine(surface: SvgSurface, p: PanelLayout, l: LineSeries, color: ColorLike, s: number): void {
  const pts: number[] = [];
  const n = l.y.length;
  for (let i = 0; i < n; i++) pts.push(p.x.toPixel(seriesX(l, i)), p.y.toPixel(l.y[i]!));
  surface.polyline(pts, color, { width: l.width ?? s, dash: l.dash });
  const ok = (i: number) => i >= 0 && i < n && Number.isFinite(pts[2 * i]!) && Number.isFinite(pts[2 * i + 1]!);
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    // A point with no finite neighbour draws no segment; mark it so it is not lost.
    const isolated = !ok(i - 1) && !ok(i + 1);
    if (l.marker || isolated) surface.marker(l.marker ?? 'circle', pts[2 * i]!, pts[2 * i + 1]!, l.markerSize ?? 3 * s + 1, color);
  }
}

function drawImagePanel(surface: SvgSurface, image: RawImage, box: Rect): void {
  const k = Math.min(box.width / image.width, box.height / image.height);
  // Integer magnification keeps pixels square and even when there is room for it.
  const scale = k >= 1 ? Math.floor(k) : k;
  const w = Math.max(1, Math.round(image.width * scale)), h = Math.max(1, Math.round(image.height * scale));
  const x = box.x + Math.floor((box.width - w) / 2), y = box.y + Math.floor((box.height - h) / 2);
  surface.image(image, x, y, w, h);
  surface.strokeRect(x - 1, y - 1, w + 2, h + 2, FRAME);
}
