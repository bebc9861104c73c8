// What `pixelwise serve` is given: run folders (config.json, metrics.jsonl, checkpoints/)
// and checkpoint files. Each becomes a numbered source; routes name sources by that number
// only, so no request can name a path of its own.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { DatasetSpec } from '../data/datasets/types.js';
import { readJsonl } from '../train/jsonl-log.js';
import type { EpochRecord } from '../train/trainer.js';

export interface Source {
  id: number;
  /** What the page calls it: the run folder's or checkpoint file's name. */
  label: string;
  /** The run folder, or null for a checkpoint given alone. */
  runDir: string | null;
  /** RUN/metrics.jsonl when the run has one. */
  metricsPath: string | null;
  /** The checkpoint predictions come from (best, else last), or null for a run without one yet. */
  checkpoint: string | null;
  /** The validation data the run trained with (its config.json), when it says. */
  validation: DatasetSpec | null;
}

/** A RUN folder or a CHECKPOINT file as a source; errors name the path and what was expected. */
export function openSource(path: string, id: number): Source {
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`${path} does not exist; expected a run folder (written by 'pixelwise train --out') or a checkpoint file`);
  if (statSync(full).isFile()) {
    if (!full.endsWith('.safetensors')) throw new Error(`${path} is a file but not a .safetensors checkpoint`);
    return { id, label: basename(full), runDir: null, metricsPath: null, checkpoint: full, validation: null };
  }
  const metrics = join(full, 'metrics.jsonl');
  const config = join(full, 'config.json');
  const checkpoint = ['best', 'last'].map((n) => join(full, 'checkpoints', `${n}.safetensors`)).find((p) => existsSync(p)) ?? null;
  if (!existsSync(metrics) && !existsSync(config) && !checkpoint) {
    throw new Error(`${path} is not a run folder: it has no metrics.jsonl, config.json or checkpoints/ (expected a folder written by 'pixelwise train --out')`);
  }
  return { id, label: basename(full), runDir: full, metricsPath: existsSync(metrics) || existsSync(config) ? metrics : null, checkpoint, validation: validationSpec(config) };
}

// config.json's data.train spec with the validation split in place of the training split.
function validationSpec(configPath: string): DatasetSpec | null {
  if (!existsSync(configPath)) return null;
  let config: { data?: { train?: DatasetSpec; valSplit?: string | null } };
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new Error(`${configPath} is not valid JSON (${(err as Error).message})`);
  }
  const train = config.data?.train;
  const split = config.data?.valSplit;
  if (!train || typeof train !== 'object' || !split) return null;
  return { ...train, split } as DatasetSpec;
}

/** The epoch records written so far (none while a run has not finished its first epoch). */
export function readRecords(source: Source): EpochRecord[] {
  if (!source.metricsPath || !existsSync(source.metricsPath)) return [];
  return readJsonl<EpochRecord>(source.metricsPath).records.filter((r) => typeof r.epoch === 'number' && typeof r.trainLoss === 'number');
}
