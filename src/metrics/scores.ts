// Scores derived from one confusion matrix, following score.py's label_accuracy_score:
// NaN marks a class the ratio is undefined for, and means skip NaN (np.nanmean).
import { ConfusionMatrix } from './confusion.js';

/** A ConfusionMatrix or plain counts as matrix[truth][prediction]. */
export type MatrixInput = ConfusionMatrix | readonly (readonly number[])[];

/** What `eval --json` prints: score.py's four numbers, per-class IoU, accuracy, Dice and pixel counts by name, and the matrix. */
export interface Summary {
  pixelAccuracy: number | null;
  meanAccuracy: number | null;
  meanIoU: number | null;
  fwIoU: number | null;
  /** Class name -> IoU; null where the class is in neither labels nor predictions. */
  perClassIoU: Record<string, number | null>;
  /** Class name -> accuracy (recall: correct / labelled pixels of the class); null where the class is not in the labels. */
  perClassAccuracy: Record<string, number | null>;
  /** Class name -> Dice (F1); null where the class is in neither labels nor predictions. */
  perClassDice: Record<string, number | null>;
  /** Class name -> labelled pixels of the class (ignored pixels excluded). */
  classPixels: Record<string, number>;
  /** confusionMatrix[truth][prediction] = pixel count. */
  confusionMatrix: number[][];
  numImages: number;
  convention: string;
}

interface Parts {
  n: number;
  diag: number[];
  /** Ground-truth pixels per class (row sums). */
  truth: number[];
  /** Predicted pixels per class (column sums). */
  predicted: number[];
  total: number;
}

function parts(m: MatrixInput): Parts {
  const rows = m instanceof ConfusionMatrix ? m.toArray() : m;
  const n = rows.length;
  const diag = new Array<number>(n).fill(0);
  const truth = new Array<number>(n).fill(0);
  const predicted = new Array<number>(n).fill(0);
  let total = 0;
  rows.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`confusion matrix row ${i} has ${row.length} entries, expected ${n} (square)`);
    row.forEach((v, j) => {
      truth[i] += v;
      predicted[j] += v;
      total += v;
    });
    diag[i] = row[i]!;
  });
  return { n, diag, truth, predicted, total };
}

/** The mean of the non-NaN values (NaN when there are none), as np.nanmean. */
export function nanmean(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/** Correct pixels / all counted pixels. */
export function pixelAccuracy(m: MatrixInput): number {
  const p = parts(m);
  return p.diag.reduce((a, b) => a + b, 0) / p.total;
}

/** Per-class recall (score.py's per-class accuracy); NaN for classes absent from the labels. */
export function perClassRecall(m: MatrixInput): number[] {
  const p = parts(m);
  return p.diag.map((d, i) => d / p.truth[i]!);
}

/** Per-class precision; NaN for classes never predicted. */
export function perClassPrecision(m: MatrixInput): number[] {
  const p = parts(m);
  return p.diag.map((d, i) => d / p.predicted[i]!);
}

/** Per-class IoU = TP / (TP + FP + FN); NaN for classes in neither labels nor predictions. */
export function perClassIoU(m: MatrixInput): number[] {
  const p = parts(m);
  return p.diag.map((d, i) => d / (p.truth[i]! + p.predicted[i]! - d));
}

/** Per-class Dice (F1) = 2TP / (2TP + FP + FN); NaN for classes in neither labels nor predictions. */
export function perClassDice(m: MatrixInput): number[] {
  const p = parts(m);
  return p.diag.map((d, i) => (2 * d) / (p.truth[i]! + p.predicted[i]!));
}

/** nanmean of per-class recall (classes present in the labels). */
export function meanAccuracy(m: MatrixInput): number {
  return nanmean(perClassRecall(m));
}

/** nanmean of per-class IoU (classes present in labels or predictions). */
export function meanIoU(m: MatrixInput): number {
  return nanmean(perClassIoU(m));
}

/** Frequency-weighted IoU: per-class IoU weighted by each class's share of the label pixels. */
export function fwIoU(m: MatrixInput): number {
  const p = parts(m);
  if (p.total === 0) return NaN;
  const iou = perClassIoU(m);
  let s = 0;
  p.truth.forEach((t, i) => {
    if (t > 0) s += (t / p.total) * iou[i]!;
  });
  return s;
}

/** Says how the numbers were computed, for reports and `eval` output. */
export function conventionOf(ignoreIndex: number | null | undefined): string {
  const ignore =
    ignoreIndex === undefined ? '' : ignoreIndex === null ? ', no ignore label' : `, ignore label ${ignoreIndex} excluded`;
  return (
    'FCN score.py: one confusion matrix summed over every pixel of the split (rows = truth, columns = prediction)' +
    `${ignore}; meanAccuracy = nanmean of per-class recall over classes in the labels; ` +
    'meanIoU = nanmean of per-class IoU over classes in labels or predictions; ' +
    'fwIoU weights IoU by class frequency in the labels; null = undefined (class absent)'
  );
}

function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * The `eval --json` object for a matrix. Undefined ratios (NaN) become null so the object
 * round-trips through JSON unchanged.
 * @example
 *   const s = summarize(cm, { classNames });
 *   s.meanIoU; s.perClassIoU.road; // null where a class is in neither labels nor predictions
 */
export function summarize(m: MatrixInput, options: { classNames?: readonly string[]; numImages?: number } = {}): Summary {
  const cm = m instanceof ConfusionMatrix ? m : null;
  const matrix: number[][] = m instanceof ConfusionMatrix ? m.toArray() : m.map((row) => [...row]);
  const names = options.classNames ?? cm?.classNames ?? matrix.map((_, i) => String(i));
  if (names.length !== matrix.length) {
    throw new RangeError(`summarize: got ${names.length} class names for ${matrix.length} classes`);
  }
  const iou = perClassIoU(matrix);
  const recall = perClassRecall(matrix);
  const dice = perClassDice(matrix);
  const byName = <T>(values: readonly T[]): Record<string, T> => Object.fromEntries(names.map((name, i) => [name, values[i]!]));
  return {
    pixelAccuracy: orNull(pixelAccuracy(matrix)),
    meanAccuracy: orNull(meanAccuracy(matrix)),
    meanIoU: orNull(meanIoU(matrix)),
    fwIoU: orNull(fwIoU(matrix)),
    perClassIoU: byName(iou.map(orNull)),
    perClassAccuracy: byName(recall.map(orNull)),
    perClassDice: byName(dice.map(orNull)),
    classPixels: byName(matrix.map((row) => row.reduce((a, b) => a + b, 0))),
    confusionMatrix: matrix,
    numImages: options.numImages ?? cm?.numImages ?? 0,
    convention: conventionOf(cm ? cm.ignoreIndex : undefined),
  };
}

function percent(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(2);
}

/**
 * A terminal report of a summary: the four scores, then an aligned per-class table (in %).
 * How the numbers are computed (`summary.convention`) is not repeated here: it is in the JSON
 * and in `pixelwise eval --help`.
 * @example
 *   console.log(formatTable(summarize(cm)));
 */
export function formatTable(summary: Summary): string {
  const m = summary.confusionMatrix;
  const names = Object.keys(summary.perClassIoU);
  const recall = perClassRecall(m);
  const dice = perClassDice(m);
  const pixels = m.map((row) => row.reduce((a, b) => a + b, 0));
  const header = ['class', 'IoU %', 'acc %', 'Dice %', 'pixels'];
  const rows = names.map((name, i) => [
    name,
    percent(summary.perClassIoU[name] ?? null),
    percent(recall[i]!),
    percent(dice[i]!),
    String(pixels[i]),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const overall = [
    ['pixel accuracy', summary.pixelAccuracy],
    ['mean accuracy', summary.meanAccuracy],
    ['mean IoU', summary.meanIoU],
    ['fw IoU', summary.fwIoU],
  ] as const;
  return [
    ...overall.map(([label, v]) => `${label.padEnd(15)}${percent(v).padStart(7)} %`),
    `${'images'.padEnd(15)}${String(summary.numImages).padStart(7)}`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n');
}
