// A vertical colour bar with value ticks, for views whose colours stand for numbers.
import type { Canvas } from './canvas.js';
import { colormapLut, type ColormapName } from './colormap.js';
import { measureText } from './font.js';
import { formatTicks, linearTicks } from './ticks.js';

export interface ColorbarSpec {
  map: ColormapName;
  min: number;
  max: number;
  /** Font scale of the tick labels; default 1. */
  scale?: number;
  /** Bar thickness in pixels; default 12 * scale. */
  barWidth?: number;
}

function ticksOf(spec: ColorbarSpec, height: number): { ticks: number[]; labels: string[] } {
  const s = spec.scale ?? 1;
  if (!(spec.max > spec.min)) return { ticks: [spec.min], labels: formatTicks([spec.min]) };
  const { ticks, step } = linearTicks(spec.min, spec.max, Math.max(2, Math.min(8, Math.floor(height / (20 * s)))));
  return { ticks, labels: formatTicks(ticks, step) };
}

/** Width the colour bar and its labels take at the given height. */
export function colorbarWidth(spec: ColorbarSpec, height: number): number {
  const s = spec.scale ?? 1;
  const { labels } = ticksOf(spec, height);
  return (spec.barWidth ?? 12 * s) + 3 * s + 2 + Math.max(0, ...labels.map((l) => measureText(l, { scale: s }).width));
}

/** Draws the bar (high values at the top) with its left edge at x; returns the width used. */
export function drawColorbar(canvas: Canvas, x: number, y: number, height: number, spec: ColorbarSpec): number {
  const s = spec.scale ?? 1;
  const bw = spec.barWidth ?? 12 * s;
  const lut = colormapLut(spec.map);
  for (let row = 0; row < height; row++) {
    const k = Math.round((1 - row / Math.max(1, height - 1)) * 255) * 3;
    canvas.fillRect(x, y + row, bw, 1, [lut[k]!, lut[k + 1]!, lut[k + 2]!]);
  }
  canvas.strokeRect(x - 1, y - 1, bw + 2, height + 2, [90, 90, 90]);
  const { ticks, labels } = ticksOf(spec, height);
  const span = spec.max - spec.min;
  ticks.forEach((t, i) => {
    const py = Math.round(y + (span > 0 ? (1 - (t - spec.min) / span) : 0.5) * (height - 1));
    canvas.line(x + bw, py, x + bw + 2 * s, py, [60, 60, 60]);
    canvas.text(labels[i]!, x + bw + 3 * s + 2, py, { scale: s, baseline: 'middle' });
  });
  return colorbarWidth(spec, height);
}
