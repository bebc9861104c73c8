// Evaluation of a model over a whole split: the model run over every batch without gradients,
// the mean loss, and the split's scores (metrics/split-scores.ts: one confusion matrix, and
// for one-output models the foreground IoU/Dice, threshold sweep and TGS mean precision).
import { forwardIn, inputInLayout, modelInLayout, noGrad, tidy, type Device, type MemoryLayout, type Precision, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { Batch } from '../data/loader.js';
import type { Summary } from '../metrics/scores.js';
import { SplitScores, type BinaryDetails, type SplitScoresOptions } from '../metrics/split-scores.js';
import { predictLabels, type Objective } from './objective.js';
import type { ProgressReporter } from '../io/progress.js';

export interface EvaluateOptions extends SplitScoresOptions {
  objective?: Objective | null;
  /** Advanced by the images of every batch. */
  progress?: ProgressReporter;
  /**
   * Sums the totals (counts and loss) in place over the processes that each scored a shard of
   * the split, before the scores are computed (distributed validation).
   */
  combine?: ((totals: Float64Array) => Promise<void>) | null;
  /** Where the model is: batches are moved there (default 'cpu'). */
  device?: Device;
  /** The forward pass in bf16 mixed precision or fp32 (default); loss and scores from float32 outputs. */
  precision?: Precision;
  /**
   * Runs the model and its batches in this layout ('channels-last' or 'contiguous'); the model's
   * weights are put in it first (in place, values unchanged). Default: the model as it is,
   * batches contiguous.
   */
  memoryFormat?: MemoryLayout;
}

export interface Evaluation {
  /** The confusion-matrix scores (null for a reconstruction loss alone). */
  summary: Summary | null;
  /** Mean loss per batch, or null without an objective. */
  loss: number | null;
  binary: BinaryDetails | null;
}

/**
 * Runs the model in eval mode without gradients over every batch of `batches`.
 * @example
 *   const { summary } = await evaluate(model, loader.epoch(0), { numClasses: 11, classNames, ignoreIndex: 11 });
 *   console.log(formatTable(summary));
 */
export async function evaluate(
  model: Module<[Tensor], Tensor>,
  batches: AsyncIterable<Batch>,
  o: EvaluateOptions,
): Promise<Evaluation & { summary: Summary }> {
  const scores = new SplitScores(o);
  let lossSum = 0;
  let lossBatches = 0;
  const wasTraining = model.training;
  if (o.memoryFormat) modelInLayout(model, o.memoryFormat);
  model.eval();
  try {
    for await (const batch of batches) {
      using _batch = batch;
      if (!batch.labels) throw new Error('evaluate: the dataset has no label maps to compare with');
      const labels = batch.labels;
      const device = o.device ?? 'cpu';
      noGrad(() =>
        tidy(() => {
          const onDevice = device !== 'cpu';
          const images = onDevice ? batch.images.to({ device }) : batch.images;
          const x = inputInLayout(images, o.memoryFormat ?? 'contiguous');
          const logits = forwardIn(o.precision ?? 'fp32', device, () => model.forward(x));
          if (o.objective) {
            lossSum += o.objective(logits, onDevice ? labels.to({ device }) : labels).item();
            lossBatches += 1;
          }
          // Scores are counted on the CPU.
          const cpu = (t: Tensor): Tensor => (onDevice ? t.to({ device: 'cpu' }) : t);
          scores.add(cpu(predictLabels(logits, scores.threshold)), labels, o.binaryDetails ? cpu(logits.squeeze(1).sigmoid()) : undefined);
        }),
      );
      o.progress?.advance(batch.names.length);
    }
  } finally {
    model.train(wasTraining);
  }
  if (o.combine) {
    const totals = Float64Array.from([...scores.totals(), lossSum, lossBatches]);
    await o.combine(totals);
    scores.setTotals(totals.subarray(0, totals.length - 2));
    [lossSum, lossBatches] = [totals[totals.length - 2]!, totals[totals.length - 1]!];
  }
  return { ...scores.result(), loss: lossBatches ? lossSum / lossBatches : null };
}

