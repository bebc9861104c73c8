// Foreground/background tasks (the salt masks of the TGS Salt Identification challenge): IoU
// and Dice of the foreground at a probability threshold, a threshold sweep, and the TGS
// leaderboard metric (mean precision over IoU thresholds 0.5:0.05:0.95, per image).
//
// The one convention, used by every caller (training, eval, inspect, the viewers): the
// foreground is `probability > threshold` in the prediction and `value != 0` in the 0/1 truth;
// IoU = TP / (TP + FP + FN) and Dice = 2TP / (2TP + FP + FN) count the pixels given (summed
// over images, like the confusion matrix); both are NaN — undefined, null in JSON, "n/a" in
// text — when neither truth nor prediction has any foreground, as per-class IoU is NaN for a
// class absent from labels and predictions. Only the TGS precision scores such an image 1, by
// the challenge's rule.
import { op, tensor, tidy, Tensor } from '../torch/index.js';
import type { LabelMap, ScalarMap } from '../image/types.js';

/** Probabilities or binary masks: a tensor, flat numbers for one image, or a 2-d map of one image. */
export type MaskData = Tensor | ArrayLike<number> | ScalarMap | LabelMap;

export interface BinaryStats {
  threshold: number;
  /** Pixel counts: foreground predicted and true, predicted only, true only, neither. */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** TP / (TP + FP + FN); NaN when neither truth nor prediction has foreground (see the convention above). */
  iou: number;
  /** 2TP / (2TP + FP + FN); NaN when neither truth nor prediction has foreground. */
  dice: number;
}

export interface ThresholdSweep {
  thresholds: number[];
  iou: number[];
  dice: number[];
  /** The threshold with the highest IoU (the lowest on ties); null when every IoU is NaN. */
  best: { threshold: number; iou: number; dice: number } | null;
}

export interface TgsScore {
  /** Mean over images of the per-image precision. */
  meanPrecision: number;
  /** Fraction of the IoU thresholds each image's IoU exceeds (1 for empty truth and empty prediction). */
  perImage: number[];
  /** Each image's foreground IoU; NaN when truth and prediction are both empty. */
  iou: number[];
}

/** The TGS challenge's IoU thresholds 0.5, 0.55, ..., 0.95 (as k/100, so 0.7 is exactly 0.7). */
export const TGS_IOU_THRESHOLDS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, k) => (50 + 5 * k) / 100));

/** 0.05, 0.10, ..., 0.95: the default thresholds of thresholdSweep. */
export const DEFAULT_SWEEP: readonly number[] = Object.freeze(Array.from({ length: 19 }, (_, k) => (5 + 5 * k) / 100));

function isMap(x: MaskData): x is ScalarMap | LabelMap {
  return x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'width' in x && 'height' in x && 'data' in x;
}

function asTensor(x: MaskData, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (isMap(x)) {
    if (x.data.length !== x.width * x.height) throw new RangeError(`${what}: a ${x.height}x${x.width} (HxW) map holds ${x.data.length} values`);
    return tensor(Float64Array.from(x.data), { dtype: 'float64', shape: [x.height, x.width] });
  }
  if (x !== null && typeof x === 'object' && typeof (x as ArrayLike<number>).length === 'number') {
    return tensor(Float64Array.from(x as ArrayLike<number>), { dtype: 'float64' });
  }
  throw new TypeError(`${what} must be a Tensor, an array of numbers or a { width, height, data } map`);
}

/** Maps of two sizes are named by their sizes (tensors by their shapes, in checkShapes). */
function checkMapSizes(fn: string, probs: MaskData, targets: MaskData): void {
  if (isMap(probs) && isMap(targets) && (probs.width !== targets.width || probs.height !== targets.height)) {
    throw new RangeError(`${fn}: probabilities are ${probs.height}x${probs.width} but targets are ${targets.height}x${targets.width} (HxW)`);
  }
}

function checkShapes(fn: string, a: Tensor, b: Tensor): void {
  // Size-1 dims are ignored so a [N,1,H,W] network output matches [N,H,W] masks.
  const squeeze = (s: number[]): number[] => s.filter((d) => d !== 1);
  const sa = squeeze(a.shape);
  const sb = squeeze(b.shape);
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
    throw new RangeError(`${fn}: probabilities of shape [${a.shape}] do not match targets of shape [${b.shape}]`);
  }
}

/** Targets as a bool tensor; any value other than 0/1/false/true is an error. */
function binaryTargets(fn: string, t: Tensor): Tensor {
  if (t.dtype === 'bool') return t;
  const bad = t.ne(0).logicalAnd(t.ne(1));
  if (bad.any().item()) {
    const value = op('aten::masked_select', [t, bad]).select(0, 0).item();
    throw new RangeError(`${fn}: targets hold ${value}; expected binary masks of 0/1 (or bool)`);
  }
  return t.ne(0);
}

function checkThreshold(fn: string, threshold: number): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new TypeError(`${fn}: threshold must be a number, got ${threshold}`);
  }
}

/** Stats from counts: true positives, predicted and true foreground pixels, all pixels. */
export function statsFromCounts(threshold: number, tp: number, predicted: number, truth: number, n: number): BinaryStats {
  const fp = predicted - tp;
  const fn = truth - tp;
  return { threshold, tp, fp, fn, tn: n - tp - fp - fn, iou: tp / (tp + fp + fn), dice: (2 * tp) / (2 * tp + fp + fn) };
}

/**
 * Foreground counts, IoU and Dice over all pixels given (summed over images, like the
 * confusion matrix), with foreground = probability > threshold.
 */
export function binaryStats(probs: MaskData, targets: MaskData, threshold = 0.5): BinaryStats {
  return thresholdSweepStats('binaryStats', probs, targets, [threshold])[0]!;
}

/**
 * Foreground IoU at a threshold (see binaryStats).
 * @example
 *   foregroundIoU(probabilities, mask, 0.5); // NaN when neither has foreground
 */
export function foregroundIoU(probs: MaskData, targets: MaskData, threshold = 0.5): number {
  return binaryStats(probs, targets, threshold).iou;
}

/** Foreground Dice at a threshold (see binaryStats). */
export function foregroundDice(probs: MaskData, targets: MaskData, threshold = 0.5): number {
  return binaryStats(probs, targets, threshold).dice;
}

function thresholdSweepStats(fn: string, probs: MaskData, targets: MaskData, thresholds: readonly number[]): BinaryStats[] {
  thresholds.forEach((t) => checkThreshold(fn, t));
  checkMapSizes(fn, probs, targets);
  return tidy(() => {
    const p = asTensor(probs, `${fn}: probabilities`);
    const truth = binaryTargets(fn, asTensor(targets, `${fn}: targets`));
    checkShapes(fn, p, truth);
    const flatTruth = truth.reshape(p.shape);
    const truthCount = flatTruth.sum().item();
    return thresholds.map((threshold) => {
      const pred = p.gt(threshold);
      return statsFromCounts(threshold, pred.logicalAnd(flatTruth).sum().item(), pred.sum().item(), truthCount, p.numel);
    });
  });
}

/**
 * Foreground IoU and Dice at each threshold, and the threshold with the best IoU.
 * @example
 *   const { best } = thresholdSweep(probabilities, masks);
 *   best?.threshold; // the threshold with the best foreground IoU
 */
export function thresholdSweep(probs: MaskData, targets: MaskData, thresholds: readonly number[] = DEFAULT_SWEEP): ThresholdSweep {
  if (thresholds.length === 0) throw new RangeError('thresholdSweep: expected at least one threshold');
  return sweepOf(thresholdSweepStats('thresholdSweep', probs, targets, thresholds));
}

/** A sweep from the stats at each of its thresholds, with the best IoU picked. */
export function sweepOf(all: readonly BinaryStats[]): ThresholdSweep {
  let best: ThresholdSweep['best'] = null;
  for (const s of all) {
    if (!Number.isNaN(s.iou) && (best === null || s.iou > best.iou)) best = { threshold: s.threshold, iou: s.iou, dice: s.dice };
  }
  return { thresholds: all.map((s) => s.threshold), iou: all.map((s) => s.iou), dice: all.map((s) => s.dice), best };
}

/** The share of TGS_IOU_THRESHOLDS that iou exceeds; an image with nothing to find and nothing found scores 1. */
export function tgsImagePrecision(intersection: number, union: number): number {
  if (union === 0) return 1;
  const iou = intersection / union;
  return TGS_IOU_THRESHOLDS.filter((t) => iou > t).length / TGS_IOU_THRESHOLDS.length;
}

/** [intersection, union] of foreground per image. */
function perImageOverlap(fn: string, probs: Tensor, targets: Tensor, threshold: number): [number[], number[]] {
  return tidy(() => {
    const truth = binaryTargets(fn, targets);
    checkShapes(fn, probs, truth);
    const n = probs.shape[0] ?? 1;
    const pred = probs.gt(threshold).reshape([n, -1]);
    const t = truth.reshape([n, -1]);
    const read = (x: Tensor): number[] => Array.from(x.data() as BigInt64Array, Number);
    return [read(pred.logicalAnd(t).sum(1)), read(pred.logicalOr(t).sum(1))];
  });
}

/**
 * The TGS Salt Identification metric: per image, precision = fraction of IoU thresholds
 * 0.5:0.05:0.95 that the foreground IoU exceeds (1 when truth and prediction are both empty,
 * 0 when only one is), averaged over images. Images are the first dimension of a tensor, or
 * the entries of an array.
 * @example
 *   tgsMeanPrecision(probs, masks).meanPrecision; // probs, masks: (N, H, W) tensors
 */
export function tgsMeanPrecision(
  probs: Tensor | readonly MaskData[],
  targets: Tensor | readonly MaskData[],
  threshold = 0.5,
): TgsScore {
  const fn = 'tgsMeanPrecision';
  checkThreshold(fn, threshold);
  let inter: number[] = [];
  let union: number[] = [];
  if (probs instanceof Tensor && targets instanceof Tensor) {
    if (probs.ndim === 0) throw new RangeError(`${fn}: expected a batch of images [N, ...], got a 0-d tensor`);
    [inter, union] = perImageOverlap(fn, probs, targets, threshold);
  } else if (Array.isArray(probs) && Array.isArray(targets)) {
    if (probs.length !== targets.length) {
      throw new RangeError(`${fn}: ${probs.length} probability maps but ${targets.length} target masks`);
    }
    probs.forEach((p: MaskData, i: number) => {
      tidy(() => {
        const pt = asTensor(p, `${fn}: probabilities[${i}]`);
        const tt = asTensor(targets[i] as MaskData, `${fn}: targets[${i}]`);
        checkShapes(`${fn}: image ${i}`, pt, tt);
        const [a, b] = perImageOverlap(fn, pt.reshape([1, -1]), tt.reshape([1, -1]), threshold);
        inter.push(a[0]!);
        union.push(b[0]!);
      });
    });
  } else {
    throw new TypeError(`${fn}: probabilities and targets must both be tensors [N, ...] or both arrays of images`);
  }
  if (inter.length === 0) throw new RangeError(`${fn}: expected at least one image`);
  const perImage = inter.map((a, i) => tgsImagePrecision(a, union[i]!));
  return {
    meanPrecision: perImage.reduce((s, v) => s + v, 0) / perImage.length,
    perImage,
    iou: inter.map((a, i) => a / union[i]!),
  };
}

/**
 * The TGS U-Net Keras kernel's `_calculate_scoring(truth, prediction)`, reproduced for
 * comparison with that tutorial's printed numbers. Despite its "IoU" label it is NOT IoU: its TP
 * counts every pixel where truth == prediction, true negatives included, and FP + FN are the
 * remaining pixels, so the result is plain pixel accuracy (0 for an empty image). Use
 * foregroundIoU for the real score.
 */
export function tgsKernelScore(truth: MaskData, prediction: MaskData): number {
  return tidy(() => {
    const t = asTensor(truth, 'tgsKernelScore: truth').double();
    const p = asTensor(prediction, 'tgsKernelScore: prediction').double();
    if (t.numel !== p.numel) throw new RangeError(`tgsKernelScore: truth [${t.shape}] and prediction [${p.shape}] differ in size`);
    const diff = t.flatten().sub(p.flatten());
    const tp = diff.eq(0).sum().item();
    const fp = diff.lt(0).sum().item();
    const fn = diff.gt(0).sum().item();
    return tp + fp + fn !== 0 ? tp / (tp + fp + fn) : 0;
  });
}
