// Argument checks and formatting shared by the layer constructors.
import { pair, type Pair } from '../geometry.js';

/** value as a pair of integers >= min, or an Error naming the layer and argument. */
export function intPair(layer: string, name: string, value: number | readonly number[], min: number): Pair {
  let p: Pair;
  try {
    p = pair(value);
  } catch {
    throw new Error(`${layer}: ${name} must be a number or a pair of numbers, got ${JSON.stringify(value)}`);
  }
  if (!p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new Error(`${layer}: ${name} must be integer(s) >= ${min}, got ${JSON.stringify(value)}`);
  }
  return p;
}

/** value itself if it is an integer (>= min when given), else an Error naming the layer and argument. */
export function int(layer: string, name: string, value: number, min?: number): number {
  if (!Number.isInteger(value) || (min !== undefined && value < min)) {
    const expected = min === undefined ? 'an integer' : `an integer >= ${min}`;
    throw new Error(`${layer}: ${name} must be ${expected}, got ${String(value)}`);
  }
  return value;
}

/** A probability in [0, 1]. */
export function probability(layer: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new Error(`${layer}: dropout probability must be in [0, 1], got ${String(p)}`);
  }
  return p;
}

/** '3' for a square pair, '(3, 5)' otherwise (how summaries show kernel sizes and strides). */
export function showPair(p: Pair | string): string {
  if (typeof p === 'string') return `'${p}'`;
  return p[0] === p[1] ? String(p[0]) : `(${p[0]}, ${p[1]})`;
}
