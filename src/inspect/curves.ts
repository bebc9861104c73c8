// Training curves redrawn from a run folder's metrics.jsonl (loss per epoch, validation mIoU).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochRecord } from '../train/trainer.js';
import { readJsonl } from '../train/jsonl-log.js';
import type { Figure } from '../viz/figure.js';
import { trainingCurves } from '../train/curves.js';

/** The epoch records of RUN/metrics.jsonl; errors name the file and what was expected. */
export function readRunMetrics(runDir: string): EpochRecord[] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) throw new Error(`${path} does not exist; expected a run folder written by 'pixelwise train --out ${runDir}'`);
  const { records } = readJsonl<EpochRecord>(path);
  const usable = records.filter((r) => typeof r.epoch === 'number' && typeof r.trainLoss === 'number');
  if (usable.length === 0) throw new Error(`${path} holds no epoch records (lines with epoch and trainLoss)`);
  return usable;
}

/** The model name a run trained, from RUN/config.json when present. */
export function runModelName(runDir: string): string | null {
  try {
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { model?: { name?: string } };
    return config.model?.name ?? null;
  } catch {
    return null;
  }
}

/** Train/val loss and val mIoU against epoch; a partial epoch sits at the fraction of it that ran, as the trainer draws it. */
export function runCurves(records: readonly EpochRecord[], title?: string): Figure {
  return trainingCurves(records, title);
}
