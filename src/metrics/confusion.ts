// A confusion matrix summed over a whole split, as in the FCN paper's score.py (fast_hist):
// rows are ground truth, columns are predictions, ignored pixels are left out.
import { op, opMany, tensor, tidy, where, Tensor } from '../torch/index.js';

/** Label maps as tensors (any integer or bool dtype) or plain integer arrays. */
export type LabelData = Tensor | Int32Array | Uint8Array | Int16Array | Int8Array | BigInt64Array | readonly number[];

export interface ConfusionMatrixOptions {
  /** Target value excluded from every count (VOC's 255 by default); null counts every pixel. */
  ignoreIndex?: number | null;
  /** One name per class, in class order (default: '0', '1', ...). */
  classNames?: readonly string[];
}

export interface UpdateOptions {
  /** Images in this update (default: the first dimension of a 3-d or 4-d tensor, else 1). */
  images?: number;
}

/** The serialisable form of a ConfusionMatrix. */
export interface ConfusionMatrixJSON {
  numClasses: number;
  ignoreIndex: number | null;
  classNames: string[];
  numImages: number;
  /** matrix[truth][prediction] = pixel count. */
  matrix: number[][];
}

/**
 * @example
 *   const cm = new ConfusionMatrix(21, { ignoreIndex: 255 });
 *   cm.update(predicted, labels); // (N, H, W) integer tensors or arrays, batch after batch
 *   meanIoU(cm);
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number | null;
  readonly classNames: readonly string[];
  // float64 counts stay exact up to 2^53 pixels, far beyond int32's 2^31.
  #counts: Float64Array;
  #numImages = 0;

  constructor(numClasses: number, options: ConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    }
    const ignoreIndex = options.ignoreIndex === undefined ? 255 : options.ignoreIndex;
    if (ignoreIndex !== null && (!Number.isInteger(ignoreIndex) || (ignoreIndex >= 0 && ignoreIndex < numClasses))) {
      throw new RangeError(
        `ConfusionMatrix: ignoreIndex ${ignoreIndex} must be an integer outside the class range 0..${numClasses - 1} (or null)`,
      );
    }
    const names = options.classNames ? [...options.classNames] : Array.from({ length: numClasses }, (_, i) => String(i));
    if (names.length !== numClasses) {
      throw new RangeError(`ConfusionMatrix: got ${names.length} classNames for ${numClasses} classes`);
    }
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new RangeError(`ConfusionMatrix: class name '${duplicate}' appears twice`);
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.classNames = Object.freeze(names);
    this.#counts = new Float64Array(numClasses * numClasses);
  }

  /** A matrix with the given counts (matrix[truth][prediction]), e.g. one read back from JSON. */
  static fromJSON(json: Partial<ConfusionMatrixJSON> & { matrix: readonly (readonly number[])[] }): ConfusionMatrix {
    const n = json.matrix.length;
    const cm = new ConfusionMatrix(json.numClasses ?? n, { ignoreIndex: json.ignoreIndex, classNames: json.classNames });
    if (n !== cm.numClasses) throw new RangeError(`ConfusionMatrix.fromJSON: matrix has ${n} rows for ${cm.numClasses} classes`);
    json.matrix.forEach((row, i) => {
      if (row.length !== n) throw new RangeError(`ConfusionMatrix.fromJSON: row ${i} has ${row.length} entries, expected ${n}`);
      row.forEach((v, j) => {
        if (!Number.isInteger(v) || v < 0) {
          throw new RangeError(`ConfusionMatrix.fromJSON: matrix[${i}][${j}] = ${v}, expected a non-negative integer count`);
        }
        cm.#counts[i * n + j] = v;
      });
    });
    cm.#numImages = json.numImages ?? 0;
    return cm;
  }

  /** Images seen by update() (and merged in). */
  get numImages(): number {
    return this.#numImages;
  }

  /** Pixels counted (ignored pixels excluded). */
  get total(): number {
    let s = 0;
    for (const v of this.#counts) s += v;
    return s;
  }

  /** Pixels of class `truth` predicted as `prediction`. */
  get(truth: number, prediction: number): number {
    const c = this.numClasses;
    if (!Number.isInteger(truth) || truth < 0 || truth >= c || !Number.isInteger(prediction) || prediction < 0 || prediction >= c) {
      throw new RangeError(`ConfusionMatrix.get: (${truth}, ${prediction}) is outside 0..${c - 1}`);
    }
    return this.#counts[truth * c + prediction]!;
  }

  /** A copy of the counts, row-major, rows = truth. */
  counts(): Float64Array {
    return this.#counts.slice();
  }

  /** The counts as nested arrays, matrix[truth][prediction]. */
  toArray(): number[][] {
    const c = this.numClasses;
    return Array.from({ length: c }, (_, i) => Array.from(this.#counts.subarray(i * c, (i + 1) * c)));
  }

  /**
   * Adds one batch: `pred` and `target` of the same shape, integer class indices. Pixels whose
   * target is ignoreIndex are skipped; any other value outside 0..numClasses-1 is an error.
   */
  update(pred: LabelData, target: LabelData, options: UpdateOptions = {}): this {
    const c = this.numClasses;
    const images = options.images ?? defaultImages(target);
    if (!Number.isInteger(images) || images < 0) {
      throw new RangeError(`ConfusionMatrix.update: images must be a non-negative integer, got ${images}`);
    }
    const counts = tidy(() => {
      const p = asLabels(pred, 'prediction');
      const t = asLabels(target, 'target');
      const ps = p.shape;
      const ts = t.shape;
      if (ps.length !== ts.length || ps.some((d, i) => d !== ts[i])) {
        throw new RangeError(`ConfusionMatrix.update: prediction shape [${ps}] differs from target shape [${ts}]`);
      }
      // int32 halves the memory traffic of int64 and bincount takes any integer type.
      const wide = c * c + 1 >= 2 ** 31 || p.dtype === 'int64' || t.dtype === 'int64';
      const work = wide ? 'int64' : 'int32';
      let tt = t.to(work).flatten();
      let pp = p.to(work).flatten();
      const valid = this.ignoreIndex === null ? null : tt.ne(this.ignoreIndex);
      if (valid) {
        // Ignored pixels become class 0 here and go to an extra, dropped bin below.
        tt = where(valid, tt, 0);
        pp = where(valid, pp, 0);
      }
      checkRange(tt, c, 'target', this.ignoreIndex);
      checkRange(pp, c, 'prediction', null);
      let index = tt.mul(c).add(pp);
      if (valid) index = where(valid, index, c * c);
      return op('aten::bincount', [index, null, c * c + 1]).cpu();
    });
    try {
      const data = counts.data() as BigInt64Array;
      for (let i = 0; i < c * c; i++) this.#counts[i] += Number(data[i]!);
    } finally {
      counts.dispose();
    }
    this.#numImages += images;
    return this;
  }

  /** Adds another matrix's counts (same classes), e.g. from another worker or split shard. */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) {
      throw new RangeError(`ConfusionMatrix.merge: ${other.numClasses} classes cannot merge into ${this.numClasses}`);
    }
    const src = other.#counts;
    for (let i = 0; i < src.length; i++) this.#counts[i] += src[i]!;
    this.#numImages += other.#numImages;
    return this;
  }

  /** Clears all counts (e.g. between epochs). */
  reset(): this {
    this.#counts.fill(0);
    this.#numImages = 0;
    return this;
  }

  toJSON(): ConfusionMatrixJSON {
    return {
      numClasses: this.numClasses,
      ignoreIndex: this.ignoreIndex,
      classNames: [...this.classNames],
      numImages: this.#numImages,
      matrix: this.toArray(),
    };
  }
}

function defaultImages(target: LabelData): number {
  if (target instanceof Tensor) {
    const shape = target.shape;
    return shape.length >= 3 ? shape[0]! : 1;
  }
  return 1;
}

function asLabels(x: LabelData, what: string): Tensor {
  if (x instanceof Tensor) {
    const dtype = x.dtype;
    if (dtype.startsWith('float') || dtype === 'bfloat16') {
      throw new TypeError(`ConfusionMatrix.update: ${what} has dtype ${dtype}; expected integer class indices (argmax the scores first)`);
    }
    return x;
  }
  if (Array.isArray(x)) {
    const bad = x.find((v) => !Number.isInteger(v));
    if (bad !== undefined) throw new TypeError(`ConfusionMatrix.update: ${what} holds ${bad}; expected integer class indices`);
    return tensor(new Float64Array(x), { dtype: 'int64' });
  }
  if (ArrayBuffer.isView(x) && !(x instanceof Float32Array) && !(x instanceof Float64Array)) {
    return tensor(x as Exclude<LabelData, Tensor | readonly number[]>);
  }
  throw new TypeError(`ConfusionMatrix.update: ${what} must be a Tensor, an integer typed array or an array of integers`);
}

/** Throws naming the first value outside 0..c-1. */
function checkRange(labels: Tensor, c: number, what: string, ignoreIndex: number | null): void {
  if (labels.numel === 0) return;
  const [lo, hi] = opMany('aten::aminmax', [labels]);
  if (lo!.item() >= 0 && hi!.item() < c) return;
  const value = op('aten::masked_select', [labels, labels.lt(0).logicalOr(labels.ge(c))]).select(0, 0).item();
  const ignore = ignoreIndex === null ? '' : ` (or the ignore label ${ignoreIndex})`;
  throw new RangeError(`ConfusionMatrix.update: ${what} holds class ${value}; expected 0..${c - 1}${ignore}`);
}
