// Datasets held in NumPy files: images (N,H,W[,C]) and labels as one-hot (N,H,W,K), indices
// (N,H,W[,1]) or binary masks. Samples are read from the file at their offset, so a worker
// never loads the whole array (a Fortran-order or big-endian file is the exception: read once).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Rgb } from '../../image/color.js';
import { binaryPalette, paletteFor } from '../../image/palette.js';
import { defaultClassNames } from '../classes.js';
import { parseNpyHeader, readNpy, type NpyData, type NpyDType, type NpyHeader } from '../npy.js';
import { DataError } from './errors.js';
import { checkIndices } from './label-map.js';
import type { Dataset, NpySpec, Sample } from './types.js';
import type { Channels, LabelArray, LabelMap } from '../../image/types.js';

interface ArrayFile {
  path: string;
  shape: number[];
  dtype: NpyDType;
  itemSize: number;
  dataOffset: number;
  /** Set when the file cannot be read by offset (Fortran order, big-endian): the whole array. */
  whole?: NpyData;
}

/** Reads only the header of a .npy file: shape, dtype and where the data starts. */
export function openArrayFile(path: string): ArrayFile {
  let head: Buffer;
  let size: number;
  try {
    const fd = openSync(path, 'r');
    try {
      size = fstatSync(fd).size;
      head = Buffer.alloc(Math.min(size, 65536 + 12));
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'missing-file' : 'unreadable', path, code === 'ENOENT' ? 'array file not found' : (e as Error).message);
  }
  let header: NpyHeader;
  try {
    header = parseNpyHeader(head, path);
  } catch (e) {
    throw new DataError('unreadable', path, (e as Error).message.slice(path.length + 2));
  }
  const { shape, dtype, itemSize, dataStart, fortranOrder, bigEndian } = header;
  const file: ArrayFile = { path, shape, dtype, itemSize, dataOffset: dataStart };
  if (fortranOrder || bigEndian) file.whole = readNpy(path).data;
  else {
    const need = dataStart + shape.reduce((a, b) => a * b, 1) * itemSize;
    if (size < need) throw new DataError('unreadable', path, `truncated: shape (${shape.join(', ')}) of ${dtype} needs ${need} bytes, the file has ${size}`);
  }
  return file;
}

/** Elements [start, start + count) of an array file as numbers (floats stay floats). */
async function readRange(file: ArrayFile, start: number, count: number): Promise<Float64Array | Uint8Array | Float32Array> {
  if (file.whole) return toPlain(file.whole.subarray(start, start + count) as NpyData, file.dtype);
  const bytes = new Uint8Array(count * file.itemSize);
  const handle = await open(file.path, 'r');
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, file.dataOffset + start * file.itemSize);
    if (bytesRead !== bytes.length) throw new DataError('unreadable', file.path, `short read at element ${start}: file truncated?`);
  } finally {
    await handle.close();
  }
  return toPlain(view(bytes, file.dtype), file.dtype);
}

function view(bytes: Uint8Array, dtype: NpyDType): NpyData {
  const b = bytes.buffer;
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return bytes;
    case 'int8':
      return new Int8Array(b);
    case 'int16':
      return new Int16Array(b);
    case 'uint16':
      return new Uint16Array(b);
    case 'int32':
      return new Int32Array(b);
    case 'uint32':
      return new Uint32Array(b);
    case 'float32':
      return new Float32Array(b);
    case 'float64':
      return new Float64Array(b);
    case 'int64':
      return new BigInt64Array(b);
    case 'uint64':
      return new BigUint64Array(b);
  }
}

// uint8 and float32 pass through; everything else becomes float64 numbers.
function toPlain(data: NpyData, dtype: NpyDType): Float64Array | Uint8Array | Float32Array {
  if (dtype === 'uint8' || dtype === 'bool') return data as Uint8Array;
  if (dtype === 'float32') return data as Float32Array;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  return out;
}

type Encoding = 'onehot' | 'index' | 'binary';

/** A dataset over .npy arrays (see NpySpec). */
export class NpyDataset implements Dataset {
  readonly spec: NpySpec;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  readonly ignoreIndex: number | null;
  readonly palette: readonly Rgb[];
  readonly hasLabels: boolean;
  readonly problems = [];
  private readonly images: ArrayFile;
  private readonly labels: ArrayFile | undefined;
  private readonly encoding: Encoding;
  private readonly start: number;
  private readonly count: number;
  private readonly digits: number;

  private constructor(spec: NpySpec, images: ArrayFile, labels: ArrayFile | undefined, encoding: Encoding, numClasses: number, start: number, count: number) {
    this.images = images;
    this.labels = labels;
    this.encoding = encoding;
    this.start = start;
    this.count = count;
    this.numClasses = numClasses;
    this.ignoreIndex = spec.ignoreIndex ?? null;
    this.classNames = spec.classNames ?? (encoding === 'binary' ? ['background', 'foreground'] : defaultClassNames(numClasses));
    this.palette = encoding === 'binary' ? binaryPalette() : paletteFor(numClasses, 'voc');
    this.hasLabels = labels !== undefined;
    this.digits = String(images.shape[0]! - 1).length;
    this.spec = { ...spec, numClasses, ignoreIndex: this.ignoreIndex, classNames: [...this.classNames] };
    if (labels) this.spec.labelEncoding = encoding;
  }

  /** Opens the arrays named by spec, checking that their shapes agree. */
  static async open(spec: NpySpec): Promise<NpyDataset> {
    const base = spec.root ? resolve(spec.root) : process.cwd();
    const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
    if (typeof spec.images !== 'string') throw new Error(`npy dataset: spec.images is ${JSON.stringify(spec.images)}, expected the path of an images .npy file`);
    const images = openArrayFile(at(spec.images));
    const s = images.shape;
    if (s.length < 3 || s.length > 4 || (s.length === 4 && (s[3]! < 1 || s[3]! > 4))) {
      throw new DataError('bad-spec', images.path, `images array has shape (${s.join(', ')}), expected (N, H, W) or (N, H, W, C) with C in 1..4`);
    }
    let labels: ArrayFile | undefined;
    let encoding: Encoding = 'index';
    let numClasses = spec.numClasses;
    if (spec.labels !== undefined) {
      labels = openArrayFile(at(spec.labels));
      const l = labels.shape;
      if (l.length < 3 || l.length > 4 || l[0] !== s[0] || l[1] !== s[1] || l[2] !== s[2]) {
        throw new DataError(
          'size-mismatch',
          labels.path,
          `labels array has shape (${l.join(', ')}), expected (${s.slice(0, 3).join(', ')}) indices or (${s.slice(0, 3).join(', ')}, K) one-hot to match images ${images.path}`,
        );
      }
      const requested = spec.labelEncoding ?? 'auto';
      if (!['auto', 'onehot', 'index', 'binary'].includes(requested)) throw new Error(`npy dataset: labelEncoding "${requested}", expected auto, onehot, index or binary`);
      if (requested === 'onehot' || (requested === 'auto' && l.length === 4 && l[3]! > 1)) {
        if (l.length !== 4) throw new DataError('bad-spec', labels.path, `labelEncoding onehot needs a 4-d (N, H, W, K) array, got (${l.join(', ')})`);
        encoding = 'onehot';
        if (numClasses !== undefined && numClasses !== l[3]) throw new DataError('bad-spec', labels.path, `one-hot depth ${l[3]} but numClasses ${numClasses}`);
        numClasses = l[3]!;
      } else if (requested === 'binary') {
        if (l.length === 4 && l[3] !== 1) throw new DataError('bad-spec', labels.path, `binary masks need shape (N, H, W) or (N, H, W, 1), got (${l.join(', ')})`);
        encoding = 'binary';
        if (numClasses !== undefined && numClasses !== 2) throw new DataError('bad-spec', labels.path, `binary masks give 2 classes, but numClasses is ${numClasses}`);
        numClasses = 2;
      } else {
        if (l.length === 4 && l[3] !== 1) throw new DataError('bad-spec', labels.path, `index labels need shape (N, H, W) or (N, H, W, 1), got (${l.join(', ')})`);
        if (numClasses === undefined) {
          const values = await distinctValues(labels, spec.ignoreIndex ?? null);
          if (requested === 'auto' && values.size <= 2 && [...values].every((v) => v === 0 || v === 255) && values.has(255)) {
            encoding = 'binary';
            numClasses = 2;
          } else numClasses = Math.max(1, ...values) + 1;
        }
      }
    } else numClasses ??= spec.classNames?.length ?? 1;
    if (!Number.isInteger(numClasses) || numClasses! < 1) throw new Error(`npy dataset: numClasses ${numClasses}, expected a positive integer`);
    if (spec.classNames && spec.classNames.length !== numClasses) {
      throw new Error(`npy dataset: ${spec.classNames.length} class names for ${numClasses} classes`);
    }
    const n = s[0]!;
    const split = spec.split ?? 'all';
    const fraction = spec.valFraction ?? 0.1;
    if (!(fraction >= 0 && fraction < 1)) throw new Error(`npy dataset: valFraction ${fraction}, expected 0 <= f < 1`);
    // Keras' validation_split convention: the last fraction of the samples is validation.
    const nVal = Math.round(n * fraction);
    let start = 0;
    let count = n;
    if (split === 'train') count = n - nVal;
    else if (split === 'val') [start, count] = [n - nVal, nVal];
    else if (split !== 'all') throw new Error(`npy dataset: split "${split}", expected all, train or val`);
    const filled: NpySpec = { ...spec, root: base, images: images.path, split };
    if (labels) filled.labels = labels.path;
    if (split !== 'all') filled.valFraction = fraction;
    return new NpyDataset(filled, images, labels, encoding, numClasses!, start, count);
  }

  get length(): number {
    return this.count;
  }

  name(i: number): string {
    return String(this.index(i)).padStart(this.digits, '0');
  }

  sources(): string[] {
    return this.labels ? [this.images.path, this.labels.path] : [this.images.path];
  }

  async get(i: number): Promise<Sample> {
    const k = this.index(i);
    const [, h, w] = this.images.shape as [number, number, number, number?];
    const channels = (this.images.shape[3] ?? 1) as Channels; // 1..4, checked at open
    const pixels = h! * w! * channels;
    const raw = await readRange(this.images, k * pixels, pixels);
    const data = raw instanceof Float64Array ? Float32Array.from(raw) : raw;
    const sample: Sample = { name: this.name(i), image: { width: w!, height: h!, channels, data } };
    if (this.labels) sample.label = await this.readLabel(k, w!, h!);
    return sample;
  }

  private async readLabel(k: number, w: number, h: number): Promise<LabelMap<LabelArray>> {
    const file = this.labels!;
    const where = `${file.path} [${k}]`;
    const n = w * h;
    const out = this.numClasses > 255 || (this.ignoreIndex ?? 0) > 255 ? new Int32Array(n) : new Uint8Array(n);
    if (this.encoding === 'onehot') {
      const depth = this.numClasses;
      const raw = await readRange(file, k * n * depth, n * depth);
      for (let p = 0; p < n; p++) {
        let best = -1;
        let max = 0;
        for (let c = 0; c < depth; c++) {
          const v = raw[p * depth + c]!;
          if (v > max) [max, best] = [v, c];
        }
        if (best < 0) {
          if (this.ignoreIndex === null) {
            throw new DataError('label-out-of-range', where, `one-hot vector at (x ${p % w}, y ${Math.floor(p / w)}) is all zeros; set ignoreIndex to ignore such pixels`);
          }
          best = this.ignoreIndex;
        }
        out[p] = best;
      }
      return { width: w, height: h, data: out };
    }
    const raw = await readRange(file, k * n, n);
    if (this.encoding === 'binary') {
      const threshold = this.spec.threshold ?? 128;
      for (let p = 0; p < n; p++) out[p] = raw[p]! >= threshold ? 1 : 0;
      return { width: w, height: h, data: out };
    }
    checkIndices(raw, w, { numClasses: this.numClasses, ignoreIndex: this.ignoreIndex }, where);
    out.set(raw);
    return { width: w, height: h, data: out };
  }

  private index(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`npy dataset ${this.images.path}: sample index ${i} out of range, expected 0..${this.count - 1}`);
    }
    return this.start + i;
  }
}

// One pass over an index label file in chunks, to find the class count when none is given.
async function distinctValues(file: ArrayFile, ignoreIndex: number | null): Promise<Set<number>> {
  const total = file.shape.reduce((a, b) => a * b, 1);
  const seen = new Set<number>();
  const chunk = 1 << 20;
  for (let start = 0; start < total; start += chunk) {
    const values = await readRange(file, start, Math.min(chunk, total - start));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === ignoreIndex) continue;
      if (!Number.isInteger(v) || v < 0) {
        throw new DataError('label-out-of-range', file.path, `label element ${start + i} is ${v}; index labels must be non-negative integers (give labelEncoding "onehot" for one-hot arrays)`);
      }
      seen.add(v);
      if (seen.size > 4096) throw new DataError('label-out-of-range', file.path, 'more than 4096 distinct label values: is this really an index label array? Give numClasses to skip this scan');
    }
  }
  return seen;
}
