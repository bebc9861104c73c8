// Checks and small facts about label maps and real-valued maps.
import type { LabelMap, ScalarMap } from './types.js';

/** Throws unless `map` has positive integer sizes and exactly width*height values. */
export function checkMap(map: LabelMap | ScalarMap, what: string): void {
  if (!map || typeof map !== 'object' || !map.data) {
    throw new Error(`${what} must be { width, height, data }, got ${String(map)}`);
  }
  const { width, height } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what} size ${height}x${width} (HxW) must be positive integers`);
  }
  if (map.data.length !== width * height) {
    throw new Error(`${what} has ${map.data.length} values, expected width*height = ${width}*${height} = ${width * height}`);
  }
}

/** Finite minimum and maximum of `values` (NaN and ±Infinity skipped); [NaN, NaN] when none is finite. */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** The distinct labels present in `labels.data`, ascending, excluding `ignoreIndex`. */
export function presentLabels(labels: LabelMap, ignoreIndex?: number): number[] {
  const seen = new Set<number>();
  const d = labels.data;
  for (let i = 0; i < d.length; i++) seen.add(d[i]!);
  if (ignoreIndex !== undefined) seen.delete(ignoreIndex);
  return [...seen].sort((a, b) => a - b);
}
