// The shared body of the image-file formats (folder, camvid, voc, ade20k): a list of
// (name, image file, label file) entries and a per-format rule that turns a stored label
// file into class indices.
import { join } from 'node:path';
import type { Rgb } from '../../image/color.js';
import { DataError } from './errors.js';
import { checkSameSize, filesByStem, readImageFile } from './files.js';
import type { Dataset, DatasetProblem, DatasetSpec, Sample } from './types.js';
import type { LabelArray, LabelMap, RawImage } from '../../image/types.js';

export interface FileEntry {
  name: string;
  image: string;
  label?: string;
}

export interface FileDatasetOptions {
  spec: DatasetSpec;
  entries: FileEntry[];
  classNames: readonly string[];
  ignoreIndex: number | null;
  palette: readonly Rgb[];
  /** Convert every image to this many channels (RGB datasets that hold a few gray images). */
  imageChannels?: RawImage['channels'];
  /** Decodes and maps one label file; errors name the file. */
  decodeLabel: (file: string) => Promise<LabelMap<LabelArray>>;
  problems?: DatasetProblem[];
}

/** A dataset of image files with optional label files beside them. */
export class FileDataset implements Dataset {
  readonly spec: DatasetSpec;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  readonly ignoreIndex: number | null;
  readonly palette: readonly Rgb[];
  readonly hasLabels: boolean;
  readonly problems: readonly DatasetProblem[];
  private readonly entries: FileEntry[];
  private readonly options: FileDatasetOptions;

  constructor(options: FileDatasetOptions) {
    this.options = options;
    this.spec = options.spec;
    this.entries = options.entries;
    this.classNames = options.classNames;
    this.numClasses = options.classNames.length;
    this.ignoreIndex = options.ignoreIndex;
    this.palette = options.palette;
    this.hasLabels = options.entries.length > 0 && options.entries.every((e) => e.label !== undefined);
    this.problems = options.problems ?? [];
  }

  get length(): number {
    return this.entries.length;
  }

  name(i: number): string {
    return this.entry(i).name;
  }

  sources(i: number): string[] {
    const e = this.entry(i);
    return e.label ? [e.image, e.label] : [e.image];
  }

  async get(i: number): Promise<Sample> {
    const e = this.entry(i);
    const image = await readImageFile(e.image, this.options.imageChannels);
    const sample: Sample = { name: e.name, image };
    if (e.label) {
      const label = await this.options.decodeLabel(e.label);
      checkSameSize(image, label, e.image, e.label);
      sample.label = label;
    }
    return sample;
  }

  private entry(i: number): FileEntry {
    const e = this.entries[i];
    if (!Number.isInteger(i) || e === undefined) {
      throw new RangeError(`${describe(this.spec)}: sample index ${i} out of range, expected 0..${this.entries.length - 1}`);
    }
    return e;
  }
}

/** "format root[/split]" for messages. */
export function describe(spec: DatasetSpec): string {
  return `${spec.format} dataset ${spec.root ?? ''}${spec.split ? ` (split ${spec.split})` : ''}`.replace(/\s+/g, ' ').trim();
}

/**
 * Image files paired with label files by stem (labelsDir null: images alone). An image without
 * a label and a label without an image are problems naming the file; `labelWord` says what a
 * label file is called in this format ('mask', 'annotation', ...).
 */
export function pairByStem(imagesDir: string, labelsDir: string | null, labelWord: string, problems: DatasetProblem[]): FileEntry[] {
  const images = filesByStem(imagesDir, problems);
  const labels = labelsDir === null ? null : filesByStem(labelsDir, problems);
  const entries: FileEntry[] = [];
  for (const [stem, file] of images) {
    const image = join(imagesDir, file);
    const label = labels?.get(stem);
    if (labels && label === undefined) {
      problems.push({ kind: 'missing-mask', file: image, message: `${image}: no ${labelWord} with stem "${stem}" in ${labelsDir}` });
    } else entries.push({ name: stem, image, ...(label !== undefined ? { label: join(labelsDir!, label) } : {}) });
  }
  for (const [stem, file] of labels ?? []) {
    if (images.has(stem)) continue;
    const path = join(labelsDir!, file);
    problems.push({ kind: 'missing-image', file: path, message: `${path}: ${labelWord} without an image (no file with stem "${stem}" in ${imagesDir})` });
  }
  return entries;
}

/** Throws a DataError when a strict open found nothing to read. */
export function requireSamples(count: number, where: string, what: string): void {
  if (count === 0) throw new DataError('missing-file', where, `no ${what} found`);
}
