// The one shape every foreign weight reader returns: named tensors (dtype, shape, data read on
// demand) plus what the format itself says about layers, so mapping code never looks at formats.
import { native } from '../../torch/native.js';
import { dtypeCode, type DType } from '../../torch/dtype.js';
import { noGrad, Tensor, tidy, type Device } from '../../torch/index.js';
import type { FileSpan } from './source.js';

export type WeightFormat =
  | 'pytorch-zip'
  | 'pytorch-legacy'
  | 'keras-h5'
  | 'caffe'
  | 'tf-bundle'
  | 'tf-v1'
  | 'npy'
  | 'npy-pickle'
  | 'npz'
  | 'safetensors';

/** Element types that reach callers: half types are widened to float32 on read. */
export type WeightDType = Exclude<DType, 'float16' | 'bfloat16'>;

export type WeightData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface WeightTensor {
  /** The name in the file: a state-dict key, `layer/weight:0`, `layer/0` (blob index), a TF variable. */
  readonly name: string;
  /** What read() returns. */
  readonly dtype: WeightDType;
  /** As stored (e.g. 'float16', 'DT_FLOAT', '<f4'): for reports, not for mapping. */
  readonly storedDtype: string;
  /** In the file's own layout (HWIO for TF/Keras kernels, OIHW for PyTorch/Caffe). */
  readonly shape: readonly number[];
  /** The values in C order, read from the file now (each call reads again: nothing is cached). */
  read(): WeightData;
  /** read() as a pixelwise Tensor (dtype converts, e.g. 'float32'). */
  toTensor(options?: { dtype?: DType; device?: Device }): Tensor;
  /**
   * Copies the values, in C order, into `target` (same element count, any dtype, device or
   * strides: a permuted view of a parameter is filled in place, which is how layout conversions
   * load), under no-grad. Data the format stores contiguously streams through in chunks of about
   * 8 MiB, so a 400 MB layer never exists twice in memory; other data is read whole once and
   * copied in the same chunks.
   */
  readInto(target: Tensor, options?: { chunkBytes?: number }): void;
  /**
   * Values of elements [start, start + count) in C order, read from the file now — present only
   * where the format reads part of a tensor without reading it all (else read() it whole).
   * `scratch`, when given, receives the bytes (count * the item size) and the result views it.
   * A TF V2 bundle checks the tensor's crc32c when the ranges read have covered it (from their
   * own crc32c values, no second pass): the read that completes the tensor throws on corruption.
   */
  readonly readRange?: (start: number, count: number, scratch?: Uint8Array) => WeightData;
  /** What readRange's start and count must be multiples of (HDF5 slices whole rows of the first dimension). */
  readonly rangeAlign: number;
  /**
   * Rows start, start + step, ... (`rows` of them) of the first dimension, concatenated: one read
   * where the format selects strided rows itself (HDF5 hyperslabs); absent elsewhere.
   */
  readonly readRowsStrided?: (start: number, step: number, rows: number) => WeightData;
  /**
   * Where the values lie in a file on disk as they are (C order, little-endian, `dtype`, one
   * contiguous run), when they do: a layout conversion then maps the file (mmap) and copies
   * straight from the page cache into the parameter, never reading the bytes into JS memory.
   * Asking for it runs the format's own check of the values first (a TF bundle's crc32c).
   */
  readonly fileSpan?: FileSpan;
}

/** A layer as the format lists it, in the file's order, with its tensors in their order. */
export interface WeightLayer {
  name: string;
  /** Caffe's layer type ('Convolution', 'Deconvolution', 'InnerProduct', ...), Keras' class when the file says it. */
  type?: string;
  /** Tensor names (keys of WeightFile.tensors), in the layer's own order (kernel before bias). */
  tensors: string[];
}

export interface WeightFile {
  readonly path: string;
  readonly format: WeightFormat;
  /** Every tensor by name, in file order. */
  readonly tensors: ReadonlyMap<string, WeightTensor>;
  /** For formats organised by layers (Keras, Caffe, tensorflow-vgg .npy): the layers in file order. */
  readonly layers?: readonly WeightLayer[];
  /** Format-level facts (JSON-safe): Keras version and model config, Caffe net name, TF dtypes, torch wrapper key. */
  readonly metadata: Record<string, unknown>;
  /** Releases the file handle (the tensors cannot be read after). */
  close(): void;
}

/** A one-line error naming the file, what was found and what was expected. */
export function formatError(path: string, what: string): Error {
  return new Error(`${path}: ${what}`);
}

export function fail(path: string, what: string): never {
  throw formatError(path, what);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
if (!LITTLE_ENDIAN_HOST) throw new Error('pixelwise weight readers need a little-endian machine');

/** Bytes per element of the dtypes files store. */
export const ITEM_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** A fresh, unpooled buffer: offset 0, so every typed-array view of it is aligned. */
export function allocBytes(n: number): Uint8Array {
  return Buffer.allocUnsafeSlow(n);
}

function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) bits[i] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) bits[i] = sign | ((exp + 112) << 23) | (mant << 13);
    else out[i] = (sign ? -1 : 1) * mant * 2 ** -24; // zero and subnormals
  }
  return out;
}

function bfloat16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

/**
 * Little-endian C-order bytes of `dtype` as the typed array callers get. Views the bytes when
 * they are aligned (no copy); half types become a new Float32Array.
 */
export function bytesToData(bytes: Uint8Array, dtype: DType): WeightData {
  const size = ITEM_SIZE[dtype];
  const n = bytes.byteLength / size;
  if (bytes.byteOffset % size !== 0) bytes = new Uint8Array(bytes);
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
    case 'float16':
      return float16ToFloat32(new Uint16Array(buffer, byteOffset, n));
    case 'bfloat16':
      return bfloat16ToFloat32(new Uint16Array(buffer, byteOffset, n));
  }
}

/** The dtype read() returns for stored `dtype`. */
export function widened(dtype: DType): WeightDType {
  return dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
}

/** Reverses the bytes of every element in place (big-endian files). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** A pixelwise Tensor holding a copy of `data`. */
export function dataToTensor(data: WeightData, dtype: WeightDType, shape: readonly number[], options: { dtype?: DType; device?: Device } = {}): Tensor {
  const t = new Tensor(native.fromData(data, [...shape], dtypeCode(dtype), 'cpu'));
  const want = options.dtype ?? dtype;
  const device = options.device ?? 'cpu';
  if (want === dtype && device === 'cpu') return t;
  try {
    return t.to({ dtype: want, device });
  } finally {
    t.dispose();
  }
}

// Below the addon's 32 MiB mmap threshold: freed chunks are reused by malloc, not faulted in anew.
const CHUNK_BYTES = 8 << 20;

/**
 * A WeightTensor whose data comes from `read`. `range(start, count)`, where the format
 * stores the values contiguously in the tensor's own dtype (little-endian), gives the raw
 * bytes of elements [start, start + count): readInto() then streams in chunks.
 */
export function weightTensor(
  name: string,
  dtype: WeightDType,
  storedDtype: string,
  shape: readonly number[],
  read: () => WeightData,
  range?: (start: number, count: number, scratch: Uint8Array) => Uint8Array,
  options: { rowsOnly?: boolean; rowsStrided?: (start: number, step: number, rows: number) => WeightData; fileSpan?: FileSpan | (() => FileSpan) } = {},
): WeightTensor {
  const toTensor = (o?: { dtype?: DType; device?: Device }) => dataToTensor(read(), dtype, shape, o);
  const numel = numelOf(shape);
  const rangeAlign = options.rowsOnly && shape.length > 0 && shape[0]! > 0 ? numel / shape[0]! : 1;
  const readRange = range
    ? (start: number, count: number, scratch?: Uint8Array): WeightData => {
        if (start % rangeAlign !== 0 || count % rangeAlign !== 0 || start < 0 || start + count > numel) {
          throw new Error(`${name}: cannot read elements [${start}, ${start + count}) of [${shape}] (ranges in whole multiples of ${rangeAlign})`);
        }
        const bytes = count * ITEM_SIZE[dtype];
        return bytesToData(range(start, count, scratch ? scratch.subarray(0, bytes) : allocBytes(bytes)), dtype);
      }
    : undefined;
  return {
    name,
    dtype,
    storedDtype,
    shape,
    read,
    toTensor,
    readRange,
    rangeAlign,
    readRowsStrided: options.rowsStrided,
    get fileSpan() {
      const span = options.fileSpan;
      return typeof span === 'function' ? span() : span;
    },
    readInto(target, o = {}) {
      if (target.numel !== numel) throw new Error(`${name}: [${shape}] (${numel} values) cannot fill a tensor of shape [${target.shape}]`);
      if (numel === 0) return;
      if (target.ndim === 0) {
        const t = toTensor({ dtype: target.dtype });
        try {
          noGrad(() => target.copy_(t.reshape([])));
        } finally {
          t.dispose();
        }
        return;
      }
      // Chunks of whole rows of both the file's tensor (HDF5 slices by rows) and the target, so
      // each chunk fills target.narrow(0, ...): a strided target (a permuted view of a parameter,
      // a layout conversion) is filled in place, chunk by chunk, like a contiguous one.
      const size = ITEM_SIZE[dtype];
      const targetRow = numel / target.shape[0]!;
      const row = lcm(rangeAlign, targetRow);
      const step = Math.max(1, Math.floor((o.chunkBytes ?? CHUNK_BYTES) / size / row)) * row;
      const rest = target.shape.slice(1);
      // Without byte ranges the whole tensor is read once; the copy into the target still goes by chunks.
      const whole = range ? null : read();
      const scratch = range ? allocBytes(Math.min(step, numel) * size) : null;
      noGrad(() =>
        tidy(() => {
          for (let start = 0; start < numel; start += step) {
            const count = Math.min(step, numel - start);
            const data = whole ? whole.subarray(start, start + count) : bytesToData(range!(start, count, scratch!.subarray(0, count * size)), dtype);
            const chunk = dataToTensor(data, dtype, [count / targetRow, ...rest]);
            target.narrow(0, start / targetRow, count / targetRow).copy_(chunk);
            chunk.dispose();
          }
        }),
      );
    },
  };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
