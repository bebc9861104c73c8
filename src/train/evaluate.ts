// Evaluation over a whole split: one confusion matrix summed over every pixel (FCN score.py
// convention), the mean loss, and for one-output (binary) models the foreground IoU/Dice
// threshold sweep and the TGS mean precision.
import { noGrad, tidy, Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { Batch } from '../data/loader.js';
import { ConfusionMatrix } from '../metrics/confusion.js';
import { summarize, type Summary } from '../metrics/scores.js';
import { DEFAULT_SWEEP, tgsImagePrecision, type ThresholdSweep } from '../metrics/binary.js';
import { predictLabels, type Objective } from './objective.js';
import type { Progress } from './progress.js';

export interface EvaluateOptions {
  /** Dataset classes (2 for a one-output binary model). */
  numClasses: number;
  classNames: readonly string[];
  ignoreIndex: number | null;
  objective?: Objective | null;
  /** Foreground threshold of a binary model (default 0.5). */
  threshold?: number;
  /** Binary models: also sweep thresholds and compute the TGS score (slower). */
  binaryDetails?: boolean;
  progress?: Progress;
}

export interface BinaryDetails {
  threshold: number;
  foregroundIoU: number | null;
  foregroundDice: number | null;
  sweep: ThresholdSweep;
  /** TGS Salt metric: mean over images of the fraction of IoU thresholds 0.5:0.05:0.95 exceeded. */
  tgsMeanPrecision: number;
}

export interface Evaluation {
  /** The confusion-matrix scores (null for a reconstruction loss alone). */
  summary: Summary | null;
  /** Mean loss per batch, or null without an objective. */
  loss: number | null;
  binary: BinaryDetails | null;
}

/** Runs the model in eval mode without gradients over every batch of `batches`. */
export async function evaluate(
  model: Module<[Tensor], Tensor>,
  batches: AsyncIterable<Batch>,
  o: EvaluateOptions,
): Promise<Evaluation & { summary: Summary }> {
  const matrix = new ConfusionMatrix(o.numClasses, { ignoreIndex: o.ignoreIndex, classNames: [...o.classNames] });
  const threshold = o.threshold ?? 0.5;
  const sweep = o.binaryDetails ? new SweepCounts(DEFAULT_SWEEP) : null;
  const tgs: number[] = [];
  let lossSum = 0;
  let lossBatches = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const batch of batches) {
      using _batch = batch;
      if (!batch.labels) throw new Error('evaluate: the dataset has no label maps to compare with');
      const labels = batch.labels;
      noGrad(() =>
        tidy(() => {
          const logits = model.forward(batch.images);
          if (o.objective) {
            lossSum += o.objective(logits, labels).item();
            lossBatches += 1;
          }
          matrix.update(predictLabels(logits, threshold), labels, { images: labels.size(0) });
          if (sweep) {
            // Ignored pixels get probability 0 and truth false: foreground for no threshold.
            const valid = o.ignoreIndex === null ? null : labels.ne(o.ignoreIndex);
            const sigmoid = logits.squeeze(1).sigmoid();
            const probs = valid ? sigmoid.mul(valid) : sigmoid;
            const truth = valid ? labels.eq(1).logicalAnd(valid) : labels.eq(1);
            sweep.add(probs, truth);
            tgs.push(...perImageTgs(probs.gt(threshold), truth));
          }
        }),
      );
      o.progress?.tick(batch.names.length);
    }
  } finally {
    model.train(wasTraining);
  }
  const summary = summarize(matrix);
  let binary: BinaryDetails | null = null;
  if (sweep) {
    const fg = foreground(matrix.toArray());
    binary = {
      threshold,
      foregroundIoU: fg.iou,
      foregroundDice: fg.dice,
      sweep: sweep.result(),
      tgsMeanPrecision: tgs.length ? tgs.reduce((a, b) => a + b, 0) / tgs.length : NaN,
    };
  }
  return { summary, loss: lossBatches ? lossSum / lossBatches : null, binary };
}

function foreground(m: number[][]): { iou: number | null; dice: number | null } {
  const tp = m[1]![1]!;
  const fp = m[0]![1]!;
  const fn = m[1]![0]!;
  const union = tp + fp + fn;
  return union === 0 ? { iou: null, dice: null } : { iou: tp / union, dice: (2 * tp) / (union + tp) };
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
  readonly #fp: number[];
  readonly #fn: number[];
  constructor(readonly thresholds: readonly number[]) {
    this.#tp = thresholds.map(() => 0);
    this.#fp = thresholds.map(() => 0);
    this.#fn = thresholds.map(() => 0);
  }
  add(probs: Tensor, truth: Tensor): void {
    const positives = truth.sum().item();
    this.thresholds.forEach((t, i) => {
      const pred = probs.gt(t);
      const tp = pred.logicalAnd(truth).sum().item();
      this.#tp[i]! += tp;
      this.#fp[i]! += pred.sum().item() - tp;
      this.#fn[i]! += positives - tp;
    });
  }
  result(): ThresholdSweep {
    const iou = this.thresholds.map((_, i) => this.#tp[i]! / (this.#tp[i]! + this.#fp[i]! + this.#fn[i]!));
    const dice = this.thresholds.map((_, i) => (2 * this.#tp[i]!) / (2 * this.#tp[i]! + this.#fp[i]! + this.#fn[i]!));
    let best: ThresholdSweep['best'] = null;
    iou.forEach((v, i) => {
      if (Number.isFinite(v) && (best === null || v > best.iou)) best = { threshold: this.thresholds[i]!, iou: v, dice: dice[i]! };
    });
    return { thresholds: [...this.thresholds], iou, dice, best };
  }
}
