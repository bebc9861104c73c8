// Stored label values to class indices: checked (out-of-range values are errors naming the
// file), shifted (ADE20K's 0 = "other"), thresholded (0/255 masks) or looked up (RGB colours).
import type { Rgb } from '../../image/color.js';
import type { LabelArray, LabelMap, StoredLabels } from '../../image/types.js';
import { DataError } from './errors.js';

export interface IndexRule {
  numClasses: number;
  ignoreIndex: number | null;
  /** ADE20K: stored 0 ("other") becomes ignoreIndex and every other value v becomes v - 1. */
  shiftDown?: boolean;
}

/** Checks and maps stored class indices (gray or palette values). */
export function indexLabel(stored: StoredLabels, rule: IndexRule, file: string): LabelMap<LabelArray> {
  if (stored.channels === 3) {
    throw new DataError('unreadable', file, 'label map is an RGB colour image, expected class indices (gray or palette PNG); give class colours in classes.json to map colours');
  }
  const { numClasses, ignoreIndex, shiftDown = false } = rule;
  if (shiftDown && ignoreIndex === null) throw new Error('indexLabel: shiftDown needs an ignoreIndex for stored 0');
  const wide = numClasses > 256 || (ignoreIndex !== null && ignoreIndex > 255);
  const src = stored.data;
  const out = wide ? new Int32Array(src.length) : new Uint8Array(src.length);
  let bad: Map<number, number> | undefined;
  let firstBad = -1;
  for (let i = 0; i < src.length; i++) {
    let v = src[i]!;
    if (shiftDown) v = v === 0 ? ignoreIndex! : v - 1;
    if (v >= numClasses && v !== ignoreIndex) {
      bad ??= new Map();
      bad.set(src[i]!, (bad.get(src[i]!) ?? 0) + 1);
      if (firstBad < 0) firstBad = i;
      continue;
    }
    out[i] = v;
  }
  if (bad) throw outOfRange(file, stored.width, firstBad, src[firstBad]!, bad, describeRange(rule));
  return { width: stored.width, height: stored.height, data: out };
}

/** 8-bit gray mask to 0/1: values >= threshold are class 1. */
export function binaryLabel(gray: { width: number; height: number; channels: number; data: Uint8Array }, threshold: number): LabelMap<LabelArray> {
  const out = new Uint8Array(gray.width * gray.height);
  for (let i = 0; i < out.length; i++) out[i] = gray.data[i * gray.channels]! >= threshold ? 1 : 0;
  return { width: gray.width, height: gray.height, data: out };
}

/** RGB colour label map to class indices through one colour per class; unknown colours are errors. */
export function colorLabel(stored: StoredLabels, colors: readonly Rgb[], file: string): LabelMap<LabelArray> {
  if (stored.channels !== 3) {
    throw new DataError('unreadable', file, 'expected an RGB colour label map (mask mode "color"), found a gray or palette image');
  }
  const lookup = new Map<number, number>();
  colors.forEach(([r, g, b], i) => {
    const key = (r << 16) | (g << 8) | b;
    if (!lookup.has(key)) lookup.set(key, i);
  });
  const n = stored.width * stored.height;
  const out = new Uint8Array(n);
  const src = stored.data;
  let bad: Map<number, number> | undefined;
  let firstBad = -1;
  for (let i = 0; i < n; i++) {
    const key = (src[3 * i]! << 16) | (src[3 * i + 1]! << 8) | src[3 * i + 2]!;
    const c = lookup.get(key);
    if (c === undefined) {
      bad ??= new Map();
      bad.set(key, (bad.get(key) ?? 0) + 1);
      if (firstBad < 0) firstBad = i;
      continue;
    }
    out[i] = c;
  }
  if (bad) {
    const list = [...bad.keys()].slice(0, 8).map((k) => `(${k >> 16}, ${(k >> 8) & 255}, ${k & 255})`);
    const count = [...bad.values()].reduce((a, b) => a + b, 0);
    throw new DataError(
      'label-out-of-range',
      file,
      `${count} pixels have colours that are no class colour, first at (x ${firstBad % stored.width}, y ${Math.floor(firstBad / stored.width)}): ` +
        `${list.join(' ')}${bad.size > 8 ? ' ...' : ''}; expected one of the ${colors.length} colours in classes.json`,
    );
  }
  return { width: stored.width, height: stored.height, data: out };
}

/** Checks already-mapped class indices (npy labels): each in 0..numClasses-1 or the ignore index. */
export function checkIndices(data: ArrayLike<number>, width: number, rule: IndexRule, file: string): void {
  let bad: Map<number, number> | undefined;
  let firstBad = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((v >= rule.numClasses || v < 0 || !Number.isInteger(v)) && v !== rule.ignoreIndex) {
      bad ??= new Map();
      bad.set(v, (bad.get(v) ?? 0) + 1);
      if (firstBad < 0) firstBad = i;
    }
  }
  if (bad) throw outOfRange(file, width, firstBad, data[firstBad]!, bad, describeRange(rule));
}

function describeRange(rule: IndexRule): string {
  const { numClasses, ignoreIndex, shiftDown } = rule;
  if (shiftDown) return `stored values 0..${numClasses} (0 = ignored, k = class k - 1)`;
  return `class indices 0..${numClasses - 1}${ignoreIndex !== null ? ` or ${ignoreIndex} (ignored)` : ''}`;
}

function outOfRange(file: string, width: number, first: number, value: number, bad: Map<number, number>, expected: string): DataError {
  const values = [...bad.keys()].sort((a, b) => a - b);
  const count = [...bad.values()].reduce((a, b) => a + b, 0);
  return new DataError(
    'label-out-of-range',
    file,
    `label value ${value} at (x ${first % width}, y ${Math.floor(first / width)}) is out of range; ` +
      `${count} pixels hold out-of-range values {${values.slice(0, 10).join(', ')}${values.length > 10 ? ', ...' : ''}}; expected ${expected}`,
  );
}
