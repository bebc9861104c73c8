// What the inspect subcommands share: channel lists, where the input image comes from (a
// file, or a sample of a dataset), number formatting.
import { basename } from 'node:path';
import type { RawImage } from '../../../image/types.js';
import { openDataset } from '../../../data/datasets/open.js';
import { readMask } from '../../../inspect/mask.js';
import { to8Bit } from '../../../image/convert.js';
import type { LabelMap } from '../../../image/types.js';
import type { Rgb } from '../../../image/color.js';
import { num, str, UsageError, type OptionSpecs, type Parsed } from '../../args.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../../data-args.js';
import { checkInputFile, deviceOption, imageLimitOption, readImageFile } from '../../common-options.js';

/** "0-7,12" as [0, 1, ..., 7, 12]; undefined when the option is absent. */
export function indexList(args: Parsed, name: string): number[] | undefined {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  const out: number[] = [];
  for (const part of raw.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
      throw new UsageError(`--${name} expects indices and ranges such as 0-7,12, got '${raw}'`);
    }
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** Options naming the input: an image file (and its mask), or a dataset sample. */
export const inputOptionSpecs: OptionSpecs = {
  image: { type: 'string', short: 'i', help: 'IMG  the input image file' },
  mask: { type: 'string', help: 'MASK  its ground-truth mask (class indices, or 0/255)' },
  ...dataOptionSpecs,
  split: { type: 'string', help: "S  with --data: the split (default 'val', else the first one)" },
  index: { type: 'string', help: 'N  with --data: which sample (default 0)' },
  device: deviceOption,
  'max-image-pixels': imageLimitOption,
};

export interface InputImage {
  name: string;
  /** As decoded (what the model is fed, after the checkpoint's preprocessing). */
  sample: RawImage<Uint8Array | Float32Array>;
  /** For display. */
  image: RawImage;
  truth?: LabelMap;
}

/** The input the options name; a colour mask is read against the class colours. */
export async function inputFromArgs(args: Parsed, palette: readonly Rgb[], binary = false): Promise<InputImage> {
  const file = str(args, 'image');
  const hasData = str(args, 'data') !== undefined || str(args, 'format') !== undefined;
  if (file && hasData) throw new UsageError('give --image IMG or --data DIR --format F, not both');
  if (file) {
    const image = await readImageFile(file);
    const mask = str(args, 'mask');
    const truth = mask
      ? await readMask(checkInputFile(mask, 'mask'), { width: image.width, height: image.height, palette, binary })
      : undefined;
    return { name: basename(file), sample: image, image, truth };
  }
  if (!hasData) throw new UsageError('give the input: --image IMG [--mask MASK], or --data DIR --format F [--split S] [--index N]');
  if (str(args, 'mask')) throw new UsageError('--mask goes with --image; a dataset sample brings its own mask');
  const spec = datasetSpecFromArgs(args, str(args, 'split') ?? 'val');
  const dataset = await openDataset(spec).catch(async (err: Error) => {
    if (str(args, 'split') !== undefined) throw err;
    return openDataset(datasetSpecFromArgs(args, spec.format === 'mnist' ? 'test' : 'train'));
  });
  const index = num(args, 'index', { min: 0, integer: true, default: 0 })!;
  if (index >= dataset.length) throw new UsageError(`--index ${index} is outside the dataset's 0..${dataset.length - 1}`);
  const sample = await dataset.get(index);
  let truth: LabelMap | undefined;
  if (sample.label) {
    const d = sample.label.data;
    const data = binary ? Int32Array.from(d, (v) => (v === 1 ? 1 : 0)) : d;
    truth = { width: sample.label.width, height: sample.label.height, data };
  }
  return { name: sample.name, sample: sample.image, image: to8Bit(sample.image), truth };
}

/** Plain number formatting for the terminal. */
export function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}
