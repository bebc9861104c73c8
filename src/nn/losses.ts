// Losses for segmentation (part of nn.functional): names, defaults and numerics follow PyTorch's
// F.* losses; dice follows segmentation_models.pytorch's DiceLoss.
import { isFloatingDtype, op, tidy, Tensor } from '../torch/index.js';

export type Reduction = 'mean' | 'sum' | 'none';

// at::Reduction: None = 0, Mean = 1, Sum = 2.
const REDUCTIONS: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

function reductionCode(name: string, reduction: Reduction | undefined): number {
  const key = reduction ?? 'mean';
  const code = Object.hasOwn(REDUCTIONS, key) ? REDUCTIONS[key] : undefined;
  if (code === undefined) throw new Error(`${name}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  return code;
}

function checkPrediction(name: string, x: Tensor): void {
  if (!isFloatingDtype(x.dtype)) throw new Error(`${name}: expected floating-point predictions, got ${x}`);
}

function checkWeight(name: string, weight: Tensor | null | undefined, classes: number): void {
  if (weight && (weight.ndim !== 1 || weight.size(0) !== classes)) {
    throw new Error(`${name}: weight must hold one value per class (${classes}), got ${weight}`);
  }
}

// Class-index targets as int64 (masks often arrive as uint8 or int32); the caller disposes a conversion.
function asIndices(name: string, input: Tensor, target: Tensor): Tensor {
  const expected = [input.shape[0]!, ...input.shape.slice(2)];
  const shape = target.shape;
  if (input.ndim === 1 ? shape.length !== 0 : shape.length !== expected.length || shape.some((s, i) => s !== expected[i])) {
    throw new Error(`${name}: class-index target must have shape [${input.ndim === 1 ? '' : expected}] for input ${input}, got ${target}`);
  }
  if (target.dtype === 'int64') return target;
  if (isFloatingDtype(target.dtype) || target.dtype === 'bool') {
    throw new Error(`${name}: expected an integer class-index target, got ${target}`);
  }
  return target.long();
}

export interface CrossEntropyOptions {
  /** One weight per class. */
  weight?: Tensor | null;
  /** Target value whose pixels add nothing to the loss or the mean (class-index targets only). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/**
 * Cross entropy of logits (N, C, ...) or (C) against class indices (N, ...) or against
 * probabilities / one-hot labels of the logits' shape (Keras categorical_crossentropy).
 * 'mean' divides by the summed weights of the non-ignored targets, as PyTorch does.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkPrediction('crossEntropy', logits);
  const reduction = reductionCode('crossEntropy', options.reduction);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const classes = logits.size(logits.ndim === 1 ? 0 : 1);
  checkWeight('crossEntropy', options.weight, classes);
  if (isFloatingDtype(target.dtype)) {
    if (!sameShape(logits, target)) {
      throw new Error(`crossEntropy: a probability target must have the logits' shape [${logits.shape}], got ${target}`);
    }
    if (options.ignoreIndex !== undefined) {
      throw new Error('crossEntropy: ignoreIndex applies to class-index targets only, not to probability targets');
    }
    return op('aten::cross_entropy_loss', [logits, target, options.weight ?? null, reduction, -100, smoothing]);
  }
  const indices = asIndices('crossEntropy', logits, target);
  try {
    return op('aten::cross_entropy_loss', [logits, indices, options.weight ?? null, reduction, options.ignoreIndex ?? -100, smoothing]);
  } finally {
    if (indices !== target) indices.dispose();
  }
}

export interface NllLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Negative log-likelihood of log-probabilities (N, C, ...) at class indices (N, ...). */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  checkPrediction('nllLoss', logProbs);
  const reduction = reductionCode('nllLoss', options.reduction);
  checkWeight('nllLoss', options.weight, logProbs.size(logProbs.ndim === 1 ? 0 : 1));
  const indices = asIndices('nllLoss', logProbs, target);
  try {
    return op('aten::nll_loss_nd', [logProbs, indices, options.weight ?? null, reduction, options.ignoreIndex ?? -100]);
  } finally {
    if (indices !== target) indices.dispose();
  }
}

export interface BceWithLogitsOptions {
  /** Rescales each element's loss; broadcast against the logits. */
  weight?: Tensor | null;
  /**
   * Weight of the positive term, broadcast against the logits from the last dimension (as in
   * PyTorch): for (N, C, H, W) per-class weights give it shape (C, 1, 1).
   */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** Binary cross entropy on logits (numerically stable sigmoid + BCE); target 0/1 masks or soft labels of the same shape. */
export function bceWithLogits(logits: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  checkPrediction('bceWithLogits', logits);
  const reduction = reductionCode('bceWithLogits', options.reduction);
  if (!sameShape(logits, target)) throw new Error(`bceWithLogits: target must have the logits' shape [${logits.shape}], got ${target}`);
  const t = target.dtype === logits.dtype ? target : target.to(logits.dtype);
  try {
    return op('aten::binary_cross_entropy_with_logits', [logits, t, options.weight ?? null, options.posWeight ?? null, reduction]);
  } finally {
    if (t !== target) t.dispose();
  }
}

/** Mean squared error (autoencoder reconstruction); input and target of the same shape. */
export function mse(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkPrediction('mse', input);
  const reduction = reductionCode('mse', options.reduction);
  if (!sameShape(input, target)) throw new Error(`mse: target must have the input's shape [${input.shape}], got ${target}`);
  const t = target.dtype === input.dtype ? target : target.to(input.dtype);
  try {
    return op('aten::mse_loss', [input, t, reduction]);
  } finally {
    if (t !== target) t.dispose();
  }
}

export type DiceMode = 'multiclass' | 'binary' | 'multilabel';

export interface DiceOptions {
  /**
   * 'multiclass': logits (N, C, ...) with softmax, class-index target (N, ...);
   * 'binary': logits (N, 1, ...) with sigmoid, 0/1 target (N, 1, ...) or (N, ...);
   * 'multilabel': logits (N, C, ...) with sigmoid, 0/1 target of the same shape.
   */
  mode?: DiceMode;
  /** Added to numerator and denominator of each class's score. */
  smooth?: number;
  /** Lower bound of the denominator. */
  eps?: number;
  /** Target value whose pixels are left out of both prediction and target. */
  ignoreIndex?: number | null;
  /** false when the input already holds probabilities. */
  fromLogits?: boolean;
  /** -log(score) instead of 1 - score. */
  logLoss?: boolean;
}

/**
 * Soft Dice loss, as segmentation_models.pytorch's DiceLoss: one score per class over batch and
 * pixels, (2 * sum(p * t) + smooth) / max(sum(p + t) + smooth, eps); classes absent from the
 * target contribute 0; the loss is the mean over all classes of 1 - score.
 */
export function dice(logits: Tensor, target: Tensor, options: DiceOptions = {}): Tensor {
  checkPrediction('dice', logits);
  const mode = options.mode ?? 'multiclass';
  const { smooth = 0, eps = 1e-7, ignoreIndex = null, fromLogits = true, logLoss = false } = options;
  if (logits.ndim < 2) throw new Error(`dice: expected logits (N, C, ...), got ${logits}`);
  const [n, c] = [logits.size(0), logits.size(1)];
  return tidy(() => {
    let pred: Tensor;
    let truth: Tensor;
    if (mode === 'multiclass') {
      const indices = asIndices('dice', logits, target);
      pred = (fromLogits ? logits.logSoftmax(1).exp() : logits).reshape([n, c, -1]);
      const flat = indices.reshape([n, -1]);
      if (ignoreIndex === null) {
        truth = op('aten::one_hot', [flat, c]).permute([0, 2, 1]);
      } else {
        const keep = flat.ne(ignoreIndex).unsqueeze(1);
        pred = pred.mul(keep);
        // Ignored pixels become class 0 for one_hot, then are zeroed with the mask.
        truth = op('aten::one_hot', [flat.maskedFill(keep.squeeze(1).logicalNot(), 0), c]).permute([0, 2, 1]).mul(keep);
      }
    } else if (mode === 'binary' || mode === 'multilabel') {
      if (mode === 'binary' && c !== 1) throw new Error(`dice: binary mode expects logits (N, 1, ...), got ${logits}`);
      if (target.numel !== logits.numel || target.size(0) !== n) {
        throw new Error(`dice: ${mode} target must hold one value per logit ([${logits.shape}]), got ${target}`);
      }
      pred = (fromLogits ? op('aten::log_sigmoid', [logits]).exp() : logits).reshape([n, c, -1]);
      truth = target.reshape([n, c, -1]);
      if (ignoreIndex !== null) {
        const keep = truth.ne(ignoreIndex);
        pred = pred.mul(keep);
        truth = truth.mul(keep);
      }
    } else {
      throw new Error(`dice: mode must be 'multiclass', 'binary' or 'multilabel', got '${mode as string}'`);
    }
    truth = truth.to(pred.dtype);
    const intersection = pred.mul(truth).sum([0, 2]);
    const cardinality = pred.add(truth).sum([0, 2]);
    const score = intersection.mul(2).add(smooth).div(cardinality.add(smooth).clamp(eps));
    const perClass = logLoss ? score.clamp(eps).log().neg() : score.rsub(1);
    const present = truth.sum([0, 2]).gt(0);
    return perClass.mul(present).mean();
  });
}

/** A loss of (prediction, target), as the trainer takes it. */
export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;

/** Weighted sum of losses, e.g. combinedLoss([[crossEntropy, 1], [dice, 0.5]]). */
export function combinedLoss(terms: readonly (readonly [LossFn, number])[]): LossFn {
  if (terms.length === 0) throw new Error('combinedLoss: expected at least one [loss, weight] term');
  for (const [, w] of terms) {
    if (!Number.isFinite(w)) throw new RangeError(`combinedLoss: weights must be finite numbers, got ${w}`);
  }
  return (prediction, target) =>
    tidy(() => {
      let total: Tensor | null = null;
      for (const [fn, w] of terms) {
        const term = fn(prediction, target);
        const scaled = w === 1 ? term : term.mul(w);
        total = total === null ? scaled : total.add(scaled);
      }
      return total!;
    });
}

function sameShape(a: Tensor, b: Tensor): boolean {
  const [x, y] = [a.shape, b.shape];
  return x.length === y.length && x.every((s, i) => s === y[i]);
}
