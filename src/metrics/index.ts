// pixelwise/metrics: all scoring. One confusion matrix per split (the FCN paper's score.py
// convention) and the scores derived from it; foreground IoU / Dice, the threshold sweep and
// the TGS mean precision for binary tasks (one convention: metrics/binary.ts); SplitScores,
// the accumulator training, eval and full-resolution scoring share.
//
//   const cm = new ConfusionMatrix(21, { ignoreIndex: 255 });
//   cm.update(predictedLabels, trueLabels);      // per batch: tensors or integer arrays
//   console.log(formatTable(summarize(cm)));     // pixel acc, mean acc, mean IoU, fw IoU, per class
export { ConfusionMatrix, type ConfusionMatrixOptions, type ConfusionMatrixJSON, type LabelData, type UpdateOptions } from './confusion.js';
export {
  pixelAccuracy,
  meanAccuracy,
  meanIoU,
  fwIoU,
  perClassIoU,
  perClassDice,
  perClassRecall,
  perClassPrecision,
  nanmean,
  summarize,
  formatTable,
  conventionOf,
  type MatrixInput,
  type Summary,
} from './scores.js';
export {
  binaryStats,
  foregroundIoU,
  foregroundDice,
  thresholdSweep,
  tgsMeanPrecision,
  DEFAULT_SWEEP,
  TGS_IOU_THRESHOLDS,
  type BinaryStats,
  type MaskData,
  type ThresholdSweep,
  type TgsScore,
} from './binary.js';
export { SplitScores, type SplitScoresOptions, type BinaryDetails } from './split-scores.js';
