// Ready-made charts: loss curves, latent-space scatter, threshold sweeps, and plain line/scatter plots.
import type { RawImage } from '../image/types.js';
import type { ColorLike } from '../image/color.js';
import { Figure, type AxesSpec, type FigureOptions, type LineSeries, type ScatterSeries } from './figure.js';
import { qualitativePalette } from '../image/palette.js';
import type { MarkerKind } from './svg.js';
import { formatValue } from './ticks.js';

/** Axes decorations shared by the chart helpers. */
export type AxesOptions = Pick<AxesSpec, 'title' | 'xLabel' | 'yLabel' | 'xRange' | 'yRange' | 'yScale' | 'grid' | 'legend' | 'equal' | 'xInteger'>;

/** A line chart of one or more series. */
export function linePlot(series: LineSeries | readonly LineSeries[], options: AxesOptions & FigureOptions = {}): Figure {
  const lines = Array.isArray(series) ? (series as readonly LineSeries[]) : [series as LineSeries];
  const { width, height, cols, fontScale, background, ...axes } = options;
  return new Figure([{ ...axes, lines }], { width, height, cols, fontScale, background });
}

/** A scatter plot of one or more groups. */
export function scatterPlot(groups: ScatterSeries | readonly ScatterSeries[], options: AxesOptions & FigureOptions = {}): Figure {
  const scatter = Array.isArray(groups) ? (groups as readonly ScatterSeries[]) : [groups as ScatterSeries];
  const { width, height, cols, fontScale, background, ...axes } = options;
  return new Figure([{ ...axes, scatter }], { width, height, cols, fontScale, background });
}

/** A curve as bare y values (x = 1, 2, 3, ...: epochs) or explicit x and y. */
export type Curve = ArrayLike<number> | { x?: ArrayLike<number>; y: ArrayLike<number> };

function curve(c: Curve, what: string): { x: ArrayLike<number>; y: ArrayLike<number> } {
  const y = 'y' in c && typeof c.y === 'object' ? c.y : (c as ArrayLike<number>);
  if (!y || typeof y.length !== 'number') throw new Error(`${what} must be an array of numbers or { x, y }`);
  const x = 'y' in c && typeof c.y === 'object' && c.x ? c.x : Float64Array.from({ length: y.length }, (_, i) => i + 1);
  if (x.length !== y.length) throw new Error(`${what}: x has ${x.length} values but y has ${y.length}`);
  return { x, y };
}

export interface TrainingCurves {
  train?: Curve;
  val?: Curve;
  /** Validation mean IoU in 0..1; drawn in its own panel since its scale differs from the loss. */
  miou?: Curve;
  /** Any further named loss-scale curves. */
  extra?: Readonly<Record<string, Curve>>;
}

export interface LossCurveOptions extends FigureOptions {
  /** Default 'epoch'. */
  xLabel?: string;
  yScale?: 'linear' | 'log';
}

/** Train/val loss against epoch (or iteration), plus a val mIoU panel when given. */
export function lossCurves(curves: TrainingCurves, options: LossCurveOptions = {}): Figure {
  const { xLabel = 'epoch', yScale, title, ...figure } = options;
  const extra = Object.entries(curves.extra ?? {});
  const colors = qualitativePalette(3 + extra.length);
  const lines: LineSeries[] = [];
  if (curves.train) lines.push({ name: 'train loss', ...curve(curves.train, 'train curve'), color: colors[0] });
  if (curves.val) lines.push({ name: 'val loss', ...curve(curves.val, 'val curve'), color: colors[1] });
  extra.forEach(([name, c], i) => lines.push({ name, ...curve(c, `curve ${name}`), color: colors[3 + i] }));
  // With two panels the title heads the figure; alone it names the loss panel.
  // Epochs and iterations are counts: whole-number ticks, and one epoch is not stretched across the axis.
  const panels: AxesSpec[] = [{ title: curves.miou ? 'Loss' : title ?? 'Loss', xLabel, yLabel: 'loss', lines, yScale, xInteger: true }];
  if (curves.miou) {
    const m = curve(curves.miou, 'miou curve');
    const best = argmax(m.y);
    panels.push({
      title: 'Validation mean IoU',
      xLabel,
      xInteger: true,
      yLabel: 'mIoU',
      lines: [{ name: 'val mIoU', ...m, color: colors[2], marker: m.y.length <= 30 ? 'circle' : undefined }],
      annotations: best >= 0 ? [{ x: m.x[best]!, y: m.y[best]!, text: `best ${formatValue(m.y[best]!, 3)}` }] : [],
    });
  }
  return new Figure(panels, { ...figure, title: curves.miou ? title : undefined });
}

export interface LatentScatterOptions extends AxesOptions, FigureOptions {
  /** Only these label values, in this order (the seed plots digits 1, 5 and 6). */
  classes?: readonly number[];
  /** Legend text per label value; default the value itself. */
  names?: readonly string[] | ((label: number) => string);
  /** A point to mark in black on top, like the seed's 'new data' at [2, -4]. */
  highlight?: { x: number; y: number; label?: string; color?: ColorLike; size?: number; marker?: MarkerKind };
  /** A generated image shown in a second panel (e.g. the decoder's output at the highlighted point). */
  image?: RawImage;
  imageTitle?: string;
  markerSize?: number;
}

/**
 * A 2-D latent space coloured by label: `points` holds x0, y0, x1, y1, ... (n x 2, row-major)
 * and `labels` one label per point.
 */
export function latentScatter(points: ArrayLike<number>, labels: ArrayLike<number>, options: LatentScatterOptions = {}): Figure {
  if (points.length !== 2 * labels.length) {
    throw new Error(`latentScatter: points has ${points.length} values, expected 2 per label = ${2 * labels.length}`);
  }
  const present = options.classes ?? [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const palette = qualitativePalette(Math.max(1, present.length));
  const nameOf = (c: number) => (typeof options.names === 'function' ? options.names(c) : options.names?.[c]) ?? String(c);
  const scatter: ScatterSeries[] = present.map((c, k) => {
    const xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === c) {
        xs.push(points[2 * i]!);
        ys.push(points[2 * i + 1]!);
      }
    }
    return { name: nameOf(c), x: xs, y: ys, color: palette[k], size: options.markerSize };
  });
  const h = options.highlight;
  if (h) {
    scatter.push({ name: h.label ?? 'new data', x: [h.x], y: [h.y], color: h.color ?? 'black', size: h.size ?? 16, marker: h.marker ?? 'circle' });
  }
  const { classes: _c, names: _n, highlight: _h, image, imageTitle, markerSize: _m, width, height, cols, fontScale, background, ...axes } = options;
  const panels: AxesSpec[] = [{ title: 'Latent space', xLabel: 'Z1', yLabel: 'Z2', equal: true, ...axes, scatter }];
  if (image) panels.push({ image, title: imageTitle ?? 'Generated image' });
  return new Figure(panels, { width, height, cols, fontScale, background });
}

export interface ThresholdPlotOptions extends AxesOptions, FigureOptions {
  /** Mark the best threshold with a dashed line and its score; default true. */
  markBest?: boolean;
  /** Name of the score; default 'IoU'. */
  metric?: string;
}

/** Score (IoU by default) against the binarisation threshold, with the best threshold marked. */
export function thresholdPlot(thresholds: ArrayLike<number>, scores: ArrayLike<number>, options: ThresholdPlotOptions = {}): Figure {
  if (thresholds.length !== scores.length) {
    throw new Error(`thresholdPlot: ${thresholds.length} thresholds but ${scores.length} scores`);
  }
  const { markBest = true, metric = 'IoU', width, height, cols, fontScale, background, ...axes } = options;
  const best = argmax(scores);
  const spec: AxesSpec = {
    title: `${metric} vs threshold`,
    xLabel: 'threshold',
    yLabel: metric,
    legend: false,
    ...axes,
    lines: [{ name: metric, x: thresholds, y: scores, marker: thresholds.length <= 40 ? 'circle' : undefined }],
  };
  if (markBest && best >= 0) {
    const t = thresholds[best]!, v = scores[best]!;
    spec.vLines = [{ value: t, color: [200, 40, 40] }];
    spec.annotations = [{ x: t, y: v, text: `t=${formatValue(t, 3)}  ${metric} ${formatValue(v, 3)}`, color: [200, 40, 40] }];
  }
  return new Figure([spec], { width, height, cols, fontScale, background });
}

/** Index of the largest finite value, -1 when there is none. */
function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v) && (best < 0 || v > values[best]!)) best = i;
  }
  return best;
}
