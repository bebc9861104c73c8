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

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
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
  const m = { l: 52, r: 12, t: 26, b: 38 };
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
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const fmt = o.yFormat ?? ((v: number) => Number(v.toPrecision(3)).toString());
  const grid = el('g', { class: 'chart-grid' });
  for (const v of ticks(y0, y1)) {
    grid.append(el('line', { x1: m.l, x2: W - m.r, y1: py(v), y2: py(v) }));
    grid.append(el('text', { x: m.l - 6, y: py(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  for (const v of ticks(x0, x1, 6)) {
    grid.append(el('line', { x1: px(v), x2: px(v), y1: H - m.b, y2: H - m.b + 4 }));
    grid.append(el('text', { x: px(v), y: H - m.b + 16, 'text-anchor': 'middle' }, Number(v.toPrecision(4)).toString()));
  }
  grid.append(el('text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle', class: 'chart-axis' }, o.xLabel));
  svg.append(grid, el('rect', { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, class: 'chart-frame' }));
  let legendX = W - m.r;
  for (const s of [...series].reverse()) {
    const label = el('text', { x: legendX, y: 16, 'text-anchor': 'end', fill: s.color, class: 'chart-legend' }, s.name);
    svg.append(label);
    legendX -= s.name.length * 6.6 + 14;
  }
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
