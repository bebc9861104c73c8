// Line charts as SVG for the inspector's training curves. Hand-drawn rather than a charting
// library: a run has tens to thousands of points per curve, which SVG draws at once; every
// point is an element the browser test can count; and the page needs no CSS or canvas
// plumbing of a library (see DESIGN.md).

export interface Series {
  name: string;
  color: string;
  /** [x, y] points; y null leaves a gap. */
  points: readonly (readonly [number, number | null])[];
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  /** Format of y tick labels (default: 3 significant digits). */
  yFormat?: (v: number) => string;
  /** Fixed y range, e.g. [0, 1] for IoU. */
  yRange?: [number, number];
  /** Integer x ticks only (epochs). */
  xIntegers?: boolean;
  width?: number;
  height?: number;
}

const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `count` round tick values covering [lo, hi]; with `integers`, steps of at least 1. */
export function ticks(lo: number, hi: number, count = 5, integers = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  if (integers) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A tick label: plain for ordinary magnitudes, '2e-3' style for small or large ones. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 0.01 && a < 1e5) return Number(v.toPrecision(3)).toString();
  const [m, e] = v.toExponential(2).split('e') as [string, string];
  return `${Number(m)}e${Number(e)}`;
}

/** Exponential moving average of the non-null values (TensorBoard's smoothing), weight in 0..1. */
export function smooth(points: readonly (readonly [number, number | null])[], weight: number): [number, number | null][] {
  if (weight <= 0) return points.map(([x, y]) => [x, y]);
  let last: number | null = null;
  return points.map(([x, y]) => {
    if (y === null) return [x, null];
    last = last === null ? y : last * weight + y * (1 - weight);
    return [x, last];
  });
}

/** An SVG chart of the series; each drawn point is a <circle class="pt"> with data-series. */
export function lineChart(series: readonly Series[], o: ChartOptions): SVGSVGElement {
  const W = o.width ?? 460, H = o.height ?? 250;
  // Legend entries (a swatch of the line's colour and dash, then the name) follow the title
  // and wrap onto more lines under it when they do not fit; the plot starts below them.
  const SWATCH = 18;
  const items: { s: Series; x: number; y: number }[] = [];
  let lx = 52 + o.title.length * 7.4 + 16, ly = 16;
  for (const s of series) {
    const w = SWATCH + 4 + s.name.length * 7.2; // about 7.2 px a character in 11 px bold DejaVu Sans
    if (lx + w > W - 12 && lx > 52) [lx, ly] = [52, ly + 15];
    items.push({ s, x: lx, y: ly });
    lx += w + 12;
  }
  const m = { l: 52, r: 12, t: ly + 10, b: 38 };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart', role: 'img', 'aria-label': o.title });
  svg.append(el('text', { x: m.l, y: 16, class: 'chart-title' }, o.title));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p[1] === null || !Number.isFinite(p[1]) ? [] : [p[1]])));
  if (ys.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'no values yet'));
    return svg;
  }
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = o.yRange ?? [Math.min(...ys), Math.max(...ys)];
  // A constant curve (a fixed learning rate): a ±10% band around it, ticks at its ends and value.
  const flat = y0 === y1;
  if (flat) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const fmt = o.yFormat ?? tickLabel;
  const grid = el('g', { class: 'chart-grid' });
  for (const v of flat ? [y0, (y0 + y1) / 2, y1] : ticks(y0, y1)) {
    grid.append(el('line', { x1: m.l, x2: W - m.r, y1: py(v), y2: py(v) }));
    grid.append(el('text', { x: m.l - 6, y: py(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  for (const v of ticks(x0, x1, 6, o.xIntegers)) {
    grid.append(el('line', { x1: px(v), x2: px(v), y1: H - m.b, y2: H - m.b + 4 }));
    grid.append(el('text', { x: px(v), y: H - m.b + 16, 'text-anchor': 'middle' }, tickLabel(v)));
  }
  grid.append(el('text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle', class: 'chart-axis' }, o.xLabel));
  svg.append(grid, el('rect', { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, class: 'chart-frame' }));
  const legend = el('g', { class: 'chart-legend' });
  for (const it of items) {
    const item = el('g', { 'data-series': it.s.name });
    item.append(el('line', { x1: it.x, x2: it.x + SWATCH, y1: it.y - 4, y2: it.y - 4, stroke: it.s.color, 'stroke-width': 2.4, class: 'swatch', ...(it.s.dashed ? { 'stroke-dasharray': '5 3' } : {}) }));
    item.append(el('text', { x: it.x + SWATCH + 4, y: it.y }, it.s.name));
    legend.append(item);
  }
  svg.append(legend);
  for (const s of series) {
    const g = el('g', { 'data-series': s.name });
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    g.append(el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.8, ...(s.dashed ? { 'stroke-dasharray': '5 3' } : {}) }));
    const few = s.points.length <= 60;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) continue;
      const dot = el('circle', { cx: px(x), cy: py(y), r: few ? 2.6 : 0.9, fill: s.color, class: 'pt', 'data-series': s.name });
      dot.append(el('title', {}, `${s.name}: ${fmt(y)} at ${Number(x.toPrecision(6))}`));
      g.append(dot);
    }
    svg.append(g);
  }
  return svg;
}

export interface ScatterClass {
  label: number;
  name: string;
  color: string;
}

export interface ScatterPlot {
  svg: SVGSVGElement;
  /** Plane coordinates of a point of the plot area (client pixels), or null outside it. */
  toPlane(clientX: number, clientY: number): [number, number] | null;
  /** Marks (x, y) with a cross (the decoded point). */
  mark(x: number, y: number): void;
}

/**
 * A scatter of 2-D points (x0, y0, x1, y1, ...) coloured by class, legend above; each point is a
 * <circle class="pt" data-index="i">. The axes share one scale, so distances read true.
 */
export function scatterPlot(points: ArrayLike<number>, labels: ArrayLike<number>, classes: readonly ScatterClass[], o: { width?: number; height?: number; xLabel?: string; yLabel?: string } = {}): ScatterPlot {
  const W = o.width ?? 560, H = o.height ?? 560;
  const n = labels.length;
  const legendRows = Math.ceil(classes.length / 10);
  const m = { l: 52, r: 14, t: 14 + legendRows * 16, b: 38 };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart scatter', role: 'img', 'aria-label': 'latent space' });
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!, y = points[2 * i + 1]!;
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  }
  if (!(x1 >= x0)) [x0, x1, y0, y1] = [-1, 1, -1, 1];
  // One scale for both axes, the data centred with a 5% margin.
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const span = Math.max((x1 - x0) / pw, (y1 - y0) / ph, 1e-6 / Math.min(pw, ph)) * 1.1;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  [x0, x1, y0, y1] = [cx - (span * pw) / 2, cx + (span * pw) / 2, cy - (span * ph) / 2, cy + (span * ph) / 2];
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * ph;
  const grid = el('g', { class: 'chart-grid' });
  for (const v of ticks(y0, y1)) {
    grid.append(el('line', { x1: m.l, x2: W - m.r, y1: py(v), y2: py(v) }));
    grid.append(el('text', { x: m.l - 6, y: py(v) + 4, 'text-anchor': 'end' }, tickLabel(v)));
  }
  for (const v of ticks(x0, x1)) {
    grid.append(el('line', { x1: px(v), x2: px(v), y1: m.t, y2: H - m.b }));
    grid.append(el('text', { x: px(v), y: H - m.b + 16, 'text-anchor': 'middle' }, tickLabel(v)));
  }
  grid.append(el('text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle' }, o.xLabel ?? 'z1'));
  grid.append(el('text', { x: 12, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})` }, o.yLabel ?? 'z2'));
  const frame = el('rect', { x: m.l, y: m.t, width: pw, height: ph, class: 'chart-frame plane' });
  svg.append(grid, frame);
  const legend = el('g', { class: 'chart-legend' });
  classes.forEach((c, k) => {
    const lx = m.l + (k % 10) * 50, ly = 14 + Math.floor(k / 10) * 16;
    const item = el('g', { 'data-label': c.label });
    item.append(el('circle', { cx: lx + 5, cy: ly - 4, r: 5, fill: c.color, class: 'swatch' }), el('text', { x: lx + 14, y: ly }, c.name));
    legend.append(item);
  });
  svg.append(legend);
  const colorOf = new Map(classes.map((c) => [c.label, c.color]));
  const dots = el('g', { class: 'points' });
  const r = n > 2000 ? 1.6 : n > 300 ? 2.4 : 3.5;
  for (let i = 0; i < n; i++) {
    dots.append(el('circle', { cx: px(points[2 * i]!).toFixed(2), cy: py(points[2 * i + 1]!).toFixed(2), r, fill: colorOf.get(labels[i]!) ?? '#777', class: 'pt', 'data-index': i }));
  }
  svg.append(dots);
  const marker = el('g', { class: 'marker', visibility: 'hidden' });
  marker.append(el('path', { d: 'M-7,-7L7,7M-7,7L7,-7', stroke: '#000', 'stroke-width': 2.5 }));
  svg.append(marker);
  return {
    svg,
    toPlane(clientX, clientY) {
      const box = svg.getBoundingClientRect();
      const sx = ((clientX - box.left) / box.width) * W, sy = ((clientY - box.top) / box.height) * H;
      if (sx < m.l || sx > W - m.r || sy < m.t || sy > H - m.b) return null;
      return [x0 + ((sx - m.l) / pw) * (x1 - x0), y0 + ((H - m.b - sy) / ph) * (y1 - y0)];
    },
    mark(x, y) {
      marker.setAttribute('transform', `translate(${px(x).toFixed(2)} ${py(y).toFixed(2)})`);
      marker.setAttribute('visibility', 'visible');
    },
  };
}
