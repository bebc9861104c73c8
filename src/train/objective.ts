// What a model is trained to minimise and how its outputs become label maps: multi-class
// models (softmax over C >= 2 outputs), binary models (one sigmoid output), autoencoders.
import { tensor, tidy, Tensor, where } from '../torch/index.js';
import { bceWithLogits, crossEntropy, dice, mse } from '../nn/losses.js';

export const LOSS_NAMES = ['ce', 'bce', 'dice', 'ce+dice', 'bce+dice', 'mse'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export interface ObjectiveOptions {
  loss: LossName;
  /** Model outputs: 1 for a sigmoid (binary) model, C >= 2 for softmax. */
  outputs: number;
  ignoreIndex: number | null;
  /** One weight per dataset class (cross-entropy / binary cross-entropy). */
  classWeights?: readonly number[] | null;
}

/** Losses that need a single sigmoid output rather than one logit per class. */
export function isBinaryLoss(loss: LossName): boolean {
  return loss === 'bce' || loss === 'bce+dice';
}

/** The usual loss: bce for one output, cross-entropy for several, mse for reconstruction. */
export function defaultLoss(task: 'segmentation' | 'reconstruction', outputs: number): LossName {
  if (task === 'reconstruction') return 'mse';
  return outputs === 1 ? 'bce' : 'ce';
}

export type Objective = (output: Tensor, target: Tensor) => Tensor;

/** A loss of (model output, labels (N, H, W) int64 — or the input images for 'mse'). */
export function buildObjective(o: ObjectiveOptions): Objective {
  if (!(LOSS_NAMES as readonly string[]).includes(o.loss)) {
    throw new Error(`unknown loss '${o.loss}', expected one of ${LOSS_NAMES.join(', ')}`);
  }
  if (isBinaryLoss(o.loss) && o.outputs !== 1) {
    throw new Error(`loss ${o.loss} needs a model with one (sigmoid) output, this one has ${o.outputs}`);
  }
  if ((o.loss === 'ce' || o.loss === 'ce+dice') && o.outputs < 2) {
    throw new Error(`loss ${o.loss} needs a model with one output per class (>= 2), this one has ${o.outputs}`);
  }
  const weights = o.classWeights ?? null;
  if (weights && weights.length !== (o.outputs === 1 ? 2 : o.outputs)) {
    throw new Error(`--class-weights: got ${weights.length} weights, expected one per class (${o.outputs === 1 ? 2 : o.outputs})`);
  }
  const ignore = o.ignoreIndex;
  const ce: Objective = (logits, labels) =>
    tidy(() =>
      crossEntropy(logits, labels, {
        ignoreIndex: ignore ?? undefined,
        weight: weights ? tensor(Float32Array.from(weights)) : null,
      }),
    );
  const bce: Objective = (logits, labels) =>
    tidy(() => {
      const target = labels.unsqueeze(1);
      // Ignored pixels get weight 0; the mean runs over the pixels that count.
      const keep = ignore === null ? null : target.ne(ignore);
      let w: Tensor | null = keep ? keep.float() : null;
      if (weights) {
        const byClass = where(target.eq(1), weights[1]!, weights[0]!);
        w = w ? w.mul(byClass) : byClass;
      }
      const t = keep ? target.mul(keep).float() : target.float();
      const perPixel = bceWithLogits(logits, t, { reduction: 'none' });
      if (!w) return perPixel.mean();
      return perPixel.mul(w).sum().div(w.sum().clamp(1e-12));
    });
  const diceLoss: Objective = (logits, labels) =>
    o.outputs === 1
      ? dice(logits, labels.unsqueeze(1), { mode: 'binary', ignoreIndex: ignore })
      : dice(logits, labels, { mode: 'multiclass', ignoreIndex: ignore });
  const sum = (a: Objective, b: Objective): Objective => (x, y) => tidy(() => a(x, y).add(b(x, y)));
  switch (o.loss) {
    case 'ce':
      return ce;
    case 'bce':
      return bce;
    case 'dice':
      return diceLoss;
    case 'ce+dice':
      return sum(ce, diceLoss);
    case 'bce+dice':
      return sum(bce, diceLoss);
    case 'mse':
      return (output, input) => mse(output, input);
  }
}

/** Class indices (N, H, W) int64 from logits: argmax, or logit > log(t / (1 - t)) for one output. */
export function predictLabels(logits: Tensor, threshold = 0.5): Tensor {
  if (logits.size(1) > 1) return logits.argmax(1);
  return tidy(() => logits.squeeze(1).gt(Math.log(threshold / (1 - threshold))).long());
}

/** Probabilities: softmax over classes, or the sigmoid of a single output. */
export function probabilities(logits: Tensor): Tensor {
  return logits.size(1) > 1 ? logits.softmax(1) : logits.sigmoid();
}
