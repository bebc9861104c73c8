// The scores of a whole split, accumulated batch after batch: one confusion matrix (FCN
// score.py convention) and, for one-output (binary) models, the foreground IoU/Dice at the
// threshold, a threshold sweep over the split and the TGS mean precision. Training's
// validation, `eval` and `eval --full-resolution` all score through this one accumulator.
import { tidy, type Tensor } from '../torch/index.js';
import { ConfusionMatrix } from './confusion.js';
import { summarize, type Summary } from './scores.js';
import { DEFAULT_SWEEP, statsFromCounts, sweepOf, tgsImagePrecision, type ThresholdSweep } from './binary.js';

export interface SplitScoresOptions {
  /** Dataset classes (2 for a one-output binary model). */
  numClasses: number;
  classNames: readonly string[];
  ignoreIndex: number | null;
  /** Foreground threshold of a binary model (default 0.5). */
  threshold?: number;
  /** Binary models: also sweep thresholds and compute the TGS score (slower). */
  binaryDetails?: boolean;
}

export interface BinaryDetails {
  threshold: number;
  /** Foreground IoU and Dice at the threshold; null when neither truth nor prediction has foreground. */
  foregroundIoU: number | null;
  foregroundDice: number | null;
  sweep: ThresholdSweep;
  /** TGS Salt metric: mean over images of the fraction of IoU thresholds 0.5:0.05:0.95 exceeded. */
  tgsMeanPrecision: number;
}

/**
 * What the scores of a split are made from, batch after batch.
 * @example
 *   const scores = new SplitScores({ numClasses: 2, classNames: ['bg', 'salt'], ignoreIndex: null, binaryDetails: true });
 *   scores.add(predictedLabels, trueLabels, foregroundProbabilities); // (N, H, W) tensors, per batch
 *   const { summary, binary } = scores.result();
 */
export class SplitScores {
  readonly threshold: number;
  #matrix: ConfusionMatrix;
  readonly #ignoreIndex: number | null;
  readonly #sweep: SweepCounts | null;
  #tgsSum = 0;
  #tgsImages = 0;

  constructor(o: SplitScoresOptions) {
    this.#matrix = new ConfusionMatrix(o.numClasses, { ignoreIndex: o.ignoreIndex, classNames: [...o.classNames] });
    this.#ignoreIndex = o.ignoreIndex;
    this.threshold = o.threshold ?? 0.5;
    this.#sweep = o.binaryDetails ? new SweepCounts(DEFAULT_SWEEP) : null;
  }

  /** Predicted labels and true labels (N, H, W); with binary details also the foreground probabilities (N, H, W). */
  add(predicted: Tensor, labels: Tensor, foreground?: Tensor): void {
    this.#matrix.update(predicted, labels, { images: labels.size(0) });
    if (!this.#sweep) return;
    if (!foreground) throw new Error('SplitScores.add: binary details need the foreground probabilities');
    tidy(() => {
      // Ignored pixels get probability 0 and truth false: foreground for no threshold.
      const valid = this.#ignoreIndex === null ? null : labels.ne(this.#ignoreIndex);
      const probs = valid ? foreground.mul(valid) : foreground;
      const truth = valid ? labels.eq(1).logicalAnd(valid) : labels.eq(1);
      this.#sweep!.add(probs, truth);
      for (const p of perImageTgs(probs.gt(this.threshold), truth)) {
        this.#tgsSum += p;
        this.#tgsImages += 1;
      }
    });
  }

  /**
   * Every count the scores are made from, as one vector: sum the vectors of several
   * accumulators (the shards of a split on several processes) and `setTotals` the sum.
   */
  totals(): Float64Array {
    const sweep = this.#sweep?.totals() ?? [];
    return Float64Array.from([...this.#matrix.counts(), this.#matrix.numImages, this.#tgsSum, this.#tgsImages, ...sweep]);
  }

  /** Replaces the counts by a vector laid out as `totals()` gives it (e.g. summed over processes). */
  setTotals(v: Float64Array): void {
    const expected = this.totals().length;
    if (v.length !== expected) throw new RangeError(`SplitScores.setTotals: got ${v.length} values, expected ${expected}`);
    const m = this.#matrix;
    const c = m.numClasses;
    const matrix = Array.from({ length: c }, (_, i) => Array.from(v.subarray(i * c, (i + 1) * c)));
    this.#matrix = ConfusionMatrix.fromJSON({ numClasses: c, ignoreIndex: m.ignoreIndex, classNames: [...m.classNames], numImages: v[c * c]!, matrix });
    this.#tgsSum = v[c * c + 1]!;
    this.#tgsImages = v[c * c + 2]!;
    this.#sweep?.setTotals(v.subarray(c * c + 3));
  }

  result(): { summary: Summary; binary: BinaryDetails | null } {
    const summary = summarize(this.#matrix);
    if (!this.#sweep) return { summary, binary: null };
    const fg = foreground(this.#matrix.toArray(), this.threshold);
    return {
      summary,
      binary: {
        threshold: this.threshold,
        foregroundIoU: fg.iou,
        foregroundDice: fg.dice,
        sweep: this.#sweep.result(),
        tgsMeanPrecision: this.#tgsImages ? this.#tgsSum / this.#tgsImages : NaN,
      },
    };
  }
}

/** Foreground IoU and Dice from the 2x2 confusion matrix (rows = truth); null when neither has foreground. */
function foreground(m: number[][], threshold: number): { iou: number | null; dice: number | null } {
  const tp = m[1]![1]!;
  const s = statsFromCounts(threshold, tp, tp + m[0]![1]!, tp + m[1]![0]!, 0);
  return Number.isNaN(s.iou) ? { iou: null, dice: null } : { iou: s.iou, dice: s.dice };
}

function perImageTgs(pred: Tensor, truth: Tensor): number[] {
  const n = pred.size(0);
  const inter = pred.logicalAnd(truth).reshape([n, -1]).sum(1).data();
  const union = pred.logicalOr(truth).reshape([n, -1]).sum(1).data();
  return Array.from({ length: n }, (_, i) => tgsImagePrecision(Number(inter[i]), Number(union[i])));
}

/** Foreground counts per threshold, summed over batches (a whole-split sweep). */
class SweepCounts {
  readonly #tp: number[];
  readonly #predicted: number[];
  #truth = 0;
  #pixels = 0;
  constructor(readonly thresholds: readonly number[]) {
    this.#tp = thresholds.map(() => 0);
    this.#predicted = thresholds.map(() => 0);
  }
  add(probs: Tensor, truth: Tensor): void {
    this.#truth += truth.sum().item();
    this.#pixels += truth.numel; // ignored pixels included: only tn would count them, and the sweep reports no tn
    this.thresholds.forEach((t, i) => {
      const pred = probs.gt(t);
      this.#tp[i]! += pred.logicalAnd(truth).sum().item();
      this.#predicted[i]! += pred.sum().item();
    });
  }
  totals(): number[] {
    return [...this.#tp, ...this.#predicted, this.#truth, this.#pixels];
  }
  setTotals(v: Float64Array): void {
    const k = this.thresholds.length;
    this.#tp.splice(0, k, ...v.subarray(0, k));
    this.#predicted.splice(0, k, ...v.subarray(k, 2 * k));
    this.#truth = v[2 * k]!;
    this.#pixels = v[2 * k + 1]!;
  }
  result(): ThresholdSweep {
    return sweepOf(this.thresholds.map((t, i) => statsFromCounts(t, this.#tp[i]!, this.#predicted[i]!, this.#truth, this.#pixels)));
  }
}
