// The loss and mIoU curves of a run, from its epoch records: what the trainer draws after every
// epoch and `inspect curves` redraws from metrics.jsonl.
import type { Figure } from '../viz/figure.js';
import { lossCurves } from '../viz/plot.js';
import type { EpochRecord } from './trainer.js';

/**
 * Each record's place on the epoch axis: a complete epoch at its number, a partial one (time
 * budget, Ctrl-C) at the fraction of its epoch it ran, from `stepsPerEpoch` or else the steps
 * of a complete epoch in the records; at its number when neither is known.
 */
export function epochPositions(records: readonly EpochRecord[], stepsPerEpoch?: number): number[] {
  const full = records.find((r) => r.complete !== false && r.epoch > 0 && r.step > 0);
  const steps = stepsPerEpoch ?? (full ? full.step / full.epoch : undefined);
  return records.map((r) => (r.complete === false && steps ? Math.min(r.epoch, r.step / steps) : r.epoch));
}

/** Train and validation loss against epoch, and validation mean IoU with its best epoch marked. */
export function trainingCurves(records: readonly EpochRecord[], title?: string, stepsPerEpoch?: number): Figure {
  const x = epochPositions(records, stepsPerEpoch);
  const nan = (v: number | null | undefined): number => (typeof v === 'number' ? v : NaN);
  return lossCurves(
    {
      train: { x, y: records.map((r) => r.trainLoss) },
      val: records.some((r) => typeof r.valLoss === 'number') ? { x, y: records.map((r) => nan(r.valLoss)) } : undefined,
      miou: records.some((r) => typeof r.meanIoU === 'number') ? { x, y: records.map((r) => nan(r.meanIoU)) } : undefined,
    },
    { title },
  );
}
