// A vertical colour bar with value ticks, for views whose colours stand for numbers.
import type { Rgb } from '../image/color.js';
import { colormapLut, type ColormapName } from './colormap.js';
import { measureText } from './font.js';
import type { SvgSurface } from './svg.js';
import { formatTicks, linearTicks } from './ticks.js';

export interface ColorbarSpec {
  map: ColormapName;
  min: number;
  max: number;
  /** Text scale of the tick labels (font.ts); default 1. */
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
  return Math.ceil((spec.barWidth ?? 12 * s) + 3 * s + 2 + Math.max(0, ...labels.map((l) => measureText(l, { scale: s }).width)));
}

/** Draws the bar (high values at the top) with its left edge at x; returns the width used. */
export function drawColorbar(surface: SvgSurface, x: number, y: number, height: number, spec: ColorbarSpec): number {
  const s = spec.scale ?? 1;
  const bw = spec.barWidth ?? 12 * s;
  const lut = colormapLut(spec.map);
  // Every 8th table entry as a gradient stop: the maps are piecewise linear between their anchors.
  const stops: Rgb[] = [];
  for (let k = 0; k <= 256; k += 8) {
    const e = Math.min(255, k) * 3;
    stops.push([lut[e]!, lut[e + 1]!, lut[e + 2]!]);
  }
  surface.fillGradient(x, y, bw, height, stops);
  surface.strokeRect(x - 1, y - 1, bw + 2, height + 2, [90, 90, 90]);
  const { ticks, labels } = ticksOf(spec, height);
  const span = spec.max - spec.min;
  ticks.forEach((t, i) => {
    const py = Math.round(y + (span > 0 ? (1 - (t - spec.min) / span) : 0.5) * (height - 1));
    surface.line(x + bw, py, x + bw + 2 * s, py, [60, 60, 60]);
    surface.text(labels[i]!, x + bw + 3 * s + 2, py + 0.5, { scale: s, baseline: 'middle' });
  });
  return colorbarWidth(spec, height);
}
