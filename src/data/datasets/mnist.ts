// MNIST in its IDX files (gzip or raw): 28x28 gray digits for the autoencoder. No label maps;
// each sample's digit comes as classIndex.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Rgb } from '../../image/color.js';
import { paletteFor } from '../../image/palette.js';
import { MNIST_CLASS_NAMES } from '../../image/classes.js';
import { readIdx, type IdxArray } from '../idx.js';
import { DataError } from './errors.js';
import { requireDir } from './files.js';
import type { Dataset, MnistSpec, Sample } from './types.js';

const PREFIX: Record<string, string> = { train: 'train', test: 't10k', t10k: 't10k' };

// The official names, then the variants people rename them to.
function findIdx(root: string, prefix: string, kind: 'images' | 'labels'): string | undefined {
  const ndim = kind === 'images' ? 3 : 1;
  const bases = [`${prefix}-${kind}-idx${ndim}-ubyte`, `${prefix}-${kind}.idx${ndim}-ubyte`];
  for (const b of bases) for (const ext of ['.gz', '']) if (existsSync(join(root, b + ext))) return join(root, b + ext);
  return undefined;
}

/** The MNIST splits ('train', 'test') whose images file is present under root, by the names open() accepts. */
export function mnistSplits(root: string): string[] {
  return ['train', 'test'].filter((s) => findIdx(root, PREFIX[s]!, 'images') !== undefined);
}

/** MNIST digits (see MnistSpec). */
export class MnistDataset implements Dataset {
  readonly spec: MnistSpec;
  readonly classNames = MNIST_CLASS_NAMES;
  readonly numClasses = 10;
  readonly ignoreIndex = null;
  readonly palette: readonly Rgb[] = paletteFor(10, 'qualitative');
  readonly hasLabels = false;
  readonly problems = [];
  private readonly images: IdxArray;
  private readonly digits: IdxArray | undefined;
  private readonly files: string[];

  private constructor(spec: MnistSpec, images: IdxArray, digits: IdxArray | undefined, files: string[]) {
    this.spec = spec;
    this.images = images;
    this.digits = digits;
    this.files = files;
  }

  /** Reads the split's IDX files (whole: gzip cannot be read by offset, and MNIST is small). */
  static open(spec: MnistSpec): MnistDataset {
    if (typeof spec.root !== 'string') throw new Error(`mnist dataset: spec.root is ${JSON.stringify(spec.root)}, expected the folder holding the IDX files`);
    const prefix = PREFIX[spec.split];
    if (!prefix) throw new Error(`mnist dataset: split "${spec.split}", expected train or test`);
    const root = resolve(spec.root);
    requireDir(root, 'MNIST');
    const imagesFile = findIdx(root, prefix, 'images');
    if (!imagesFile) throw new DataError('missing-file', join(root, `${prefix}-images-idx3-ubyte.gz`), 'MNIST images file not found (also looked for the uncompressed name)');
    const images = readIdx(imagesFile);
    if (images.shape.length !== 3 || images.dtype !== 'uint8') {
      throw new DataError('unreadable', imagesFile, `holds ${images.dtype} of shape [${images.shape.join(', ')}], expected uint8 images (N, rows, cols)`);
    }
    const labelsFile = findIdx(root, prefix, 'labels');
    let digits: IdxArray | undefined;
    if (labelsFile) {
      digits = readIdx(labelsFile);
      if (digits.shape.length !== 1 || digits.shape[0] !== images.shape[0]) {
        throw new DataError('size-mismatch', labelsFile, `holds shape [${digits.shape.join(', ')}], expected [${images.shape[0]}] to match ${imagesFile}`);
      }
      for (let i = 0; i < digits.data.length; i++) {
        if (digits.data[i]! > 9 || digits.data[i]! < 0) throw new DataError('label-out-of-range', labelsFile, `label ${i} is ${digits.data[i]}, expected a digit 0..9`);
      }
    }
    const split = prefix === 'train' ? 'train' : 'test';
    return new MnistDataset({ format: 'mnist', root, split }, images, digits, labelsFile ? [imagesFile, labelsFile] : [imagesFile]);
  }

  get length(): number {
    return this.images.shape[0]!;
  }

  name(i: number): string {
    this.check(i);
    return String(i).padStart(String(this.length - 1).length, '0');
  }

  sources(): string[] {
    return this.files;
  }

  async get(i: number): Promise<Sample> {
    this.check(i);
    const [, rows, cols] = this.images.shape as [number, number, number];
    const n = rows * cols;
    const data = (this.images.data as Uint8Array).slice(i * n, (i + 1) * n);
    const sample: Sample = { name: this.name(i), image: { width: cols, height: rows, channels: 1, data } };
    if (this.digits) sample.classIndex = Number(this.digits.data[i]);
    return sample;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`mnist dataset ${this.files[0]}: sample index ${i} out of range, expected 0..${this.length - 1}`);
  }
}
