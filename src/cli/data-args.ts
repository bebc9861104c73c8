// The dataset options shared by train, eval and data check: --data DIR --format F [--split S].
import { DATASET_FORMATS } from '../data/datasets/open.js';
import type { DatasetSpec } from '../data/datasets/types.js';
import { choice, num, str, UsageError, type OptionSpecs, type Parsed } from './args.js';

const FORMATS = Object.keys(DATASET_FORMATS) as DatasetSpec['format'][];

export const dataOptionSpecs: OptionSpecs = {
  data: { type: 'string', short: 'd', help: 'DIR  dataset folder (not needed for --format synthetic)' },
  format: { type: 'string', short: 'f', help: `F  dataset format: ${FORMATS.join(', ')}` },
  images: { type: 'string', help: 'FILE  npy format: the images array (relative to --data)' },
  labels: { type: 'string', help: 'FILE  npy format: the labels array, one-hot or indices' },
  count: { type: 'string', help: 'N  synthetic format: scenes in the training split' },
  difficulty: { type: 'string', help: 'D  synthetic format: 0 (easy) .. 1 (hard), default 0.5' },
};

/** The dataset spec the options describe, for `split` (the format's own split names). */
export function datasetSpecFromArgs(args: Parsed, split?: string): DatasetSpec {
  const format = choice(args, 'format', FORMATS);
  if (!format) throw new UsageError(`--format is required (one of ${FORMATS.join(', ')})`);
  const root = str(args, 'data');
  if (format !== 'synthetic' && !root) throw new UsageError(`--data DIR is required for --format ${format}`);
  const spec: Record<string, unknown> = { format, root, split };
  if (format === 'npy') {
    spec.images = str(args, 'images') ?? 'images.npy';
    spec.labels = str(args, 'labels');
  }
  if (format === 'synthetic') {
    spec.count = num(args, 'count', { min: 1, integer: true });
    spec.difficulty = num(args, 'difficulty', { min: 0, max: 1 });
  }
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as DatasetSpec;
}
