// NumPy files: .npy (one array), .npz (a zip of .npy members), and the pickled .npy of
// tensorflow-vgg (dtype |O, shape (): a Python 2 pickle of {'conv1_1': [W, b], ...}), whose
// arrays are numpy's own pickled form (_reconstruct + BUILD with the raw bytes as a str).
import { basename, extname } from 'node:path';
import type { DType } from '../../torch/dtype.js';
import { parseNpyPreamble, npyHeaderEnd } from './npy-header.js';
import { asText, PickleBytes, PickleDict, unpickle } from './pickle.js';
import { type ByteSource, Cursor, type FileSpan } from './source.js';
import { contiguousStrides, gatherStrided } from './strided.js';
import {
  bytesToData,
  fail,
  ITEM_SIZE,
  numelOf,
  swapBytes,
  weightTensor,
  widened,
  type WeightFile,
  type WeightLayer,
  type WeightTensor,
} from './types.js';
import { listZip, memberSource } from './zip.js';

/** numpy kind (descr without byte order) -> pixelwise dtype. */
const NUMPY_DTYPES: Record<string, DType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  b1: 'bool',
};

/** A numpy dtype as pickled: numpy.dtype('f4', False, True) then BUILD (3, '<', ...). */
export class NumpyDtype {
  byteOrder = '=';
  constructor(readonly kind: string) {}
  __setstate__(state: unknown): void {
    const order = Array.isArray(state) ? asText(state[1]) : undefined;
    if (order) this.byteOrder = order;
  }
  get descr(): string {
    return `${this.byteOrder}${this.kind}`;
  }
  get isObject(): boolean {
    return this.kind === 'O' || this.kind === 'O8' || this.kind === 'O4';
  }
}

/** A numpy array as pickled: _reconstruct(ndarray, (0,), 'b') then BUILD (1, shape, dtype, fortran, data). */
export class NumpyArray {
  shape: number[] = [];
  dtype: NumpyDtype | undefined;
  fortranOrder = false;
  /** Raw bytes (numeric dtypes) or the objects (dtype O). */
  data: PickleBytes | unknown[] | undefined;
  __setstate__(state: unknown): void {
    if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) throw new Error('numpy array state is not a 4- or 5-tuple');
    const [shape, dtype, fortran, data] = state.length === 5 ? state.slice(1) : state;
    if (!Array.isArray(shape) || !(dtype instanceof NumpyDtype)) throw new Error('numpy array state has no shape or dtype');
    this.shape = shape.map(Number);
    this.dtype = dtype;
    this.fortranOrder = fortran === true || fortran === 1;
    this.data = data instanceof PickleBytes || Array.isArray(data) ? data : undefined;
  }
}

/** The globals numpy's pickles name, as data constructors. */
export const NUMPY_GLOBALS = new Map<string, ((args: unknown[]) => unknown) | null>([
  ['numpy.core.multiarray._reconstruct', () => new NumpyArray()],
  ['numpy._core.multiarray._reconstruct', () => new NumpyArray()],
  ['numpy.ndarray', null],
  ['numpy.dtype', (args) => new NumpyDtype(asText(args[0]) ?? '?')],
  ['numpy.core.multiarray.scalar', numpyScalar],
  ['numpy._core.multiarray.scalar', numpyScalar],
  // Python 3 writes bytes in protocol 2 as _codecs.encode(latin1 text, 'latin1').
  [
    '_codecs.encode',
    (args) => {
      const b = Buffer.from(String(args[0]), (asText(args[1]) ?? 'latin1') as BufferEncoding);
      return new PickleBytes(undefined as never, 0, b.length, b);
    },
  ],
]);
export const NUMPY_ALLOWED = 'numpy arrays, dtypes and scalars only';

function numpyScalar(args: unknown[]): number | bigint | boolean {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof PickleBytes)) throw new Error('numpy scalar without a dtype and bytes');
  const data = bytesToData(new Uint8Array(raw.bytes()), numpyDtype(dtype.kind, 'pickle'));
  const v = data[0]!;
  return dtype.kind === 'b1' ? v !== 0 : v;
}

function numpyDtype(kind: string, path: string): DType {
  const dtype = NUMPY_DTYPES[kind];
  if (!dtype) fail(path, `numpy dtype '${kind}' has no tensor type (expected one of ${Object.keys(NUMPY_DTYPES).join(', ')})`);
  return dtype!;
}

/** Bytes in numpy's layout (byte order, Fortran order) -> C-order little-endian bytes. */
function toCOrder(bytes: Uint8Array, dtype: DType, bigEndian: boolean, fortran: boolean, shape: readonly number[]): Uint8Array {
  const size = ITEM_SIZE[dtype];
  if (bigEndian && size > 1) {
    bytes = new Uint8Array(bytes);
    swapBytes(bytes, size);
  }
  if (fortran && shape.length > 1) {
    const fStrides = contiguousStrides([...shape].reverse()).reverse();
    bytes = gatherStrided(bytes, size, shape, fStrides, 0);
  }
  return bytes;
}

/** A tensor whose bytes `bytesOf` gives in numpy's layout. */
function numpyTensor(
  name: string,
  descr: string,
  shape: number[],
  fortran: boolean,
  bytesOf: () => Uint8Array,
  path: string,
  rangeOf?: (start: number, scratch: Uint8Array) => Uint8Array,
  fileSpan?: FileSpan,
): WeightTensor {
  const dtype = numpyDtype(descr.slice(1), path);
  const bigEndian = descr[0] === '>';
  const bytes = numelOf(shape) * ITEM_SIZE[dtype];
  // The file's bytes are the values as they are: little-endian C order of a dtype returned unchanged.
  const asStored = rangeOf && !(bigEndian && ITEM_SIZE[dtype] > 1) && !(fortran && shape.length > 1) && widened(dtype) === dtype;
  return weightTensor(name, widened(dtype), descr, shape, () => {
    const raw = bytesOf();
    if (raw.byteLength < bytes) fail(path, `truncated data for '${name}': shape [${shape}] of ${descr} needs ${bytes} bytes, found ${raw.byteLength}`);
    return bytesToData(toCOrder(raw.subarray(0, bytes), dtype, bigEndian, fortran, shape), dtype);
  }, asStored
    ? (start, _count, scratch) => rangeOf(start * ITEM_SIZE[dtype], scratch)
    : undefined, { fileSpan: asStored ? fileSpan : undefined });
}

function arrayTensor(name: string, a: NumpyArray, path: string): WeightTensor {
  if (!a.dtype || !(a.data instanceof PickleBytes)) fail(path, `'${name}' is a numpy array without numeric data (dtype ${a.dtype?.descr ?? '?'})`);
  const data = a.data as PickleBytes;
  const descr = a.dtype!.descr.replace(/^=/, '<');
  return numpyTensor(name, descr, a.shape, a.fortranOrder, () => data.bytes(), path, (start, scratch) => data.rangeInto(start, scratch), data.fileSpan());
}

function readPreamble(source: ByteSource) {
  const head = source.read(0, Math.min(12, source.size));
  const end = npyHeaderEnd(head, source.path);
  return parseNpyPreamble(source.read(0, Math.min(end, source.size)), source.path);
}

/** The layers of tensorflow-vgg's dict: {'conv1_1': [W, b]} or {'conv1_1': {0: W, 1: b}}. */
function layersOfDict(dict: PickleDict, path: string): { layers: WeightLayer[]; tensors: WeightTensor[] } {
  const layers: WeightLayer[] = [];
  const tensors: WeightTensor[] = [];
  for (const [key, value] of dict.map) {
    const layer = String(key);
    const items: [string, unknown][] =
      value instanceof NumpyArray
        ? [['0', value]]
        : Array.isArray(value)
          ? value.map((v, i) => [String(i), v])
          : value instanceof PickleDict
            ? [...value.map].map(([k, v]) => [String(k), v])
            : fail(path, `entry '${layer}' is neither an array, a list of arrays nor a dict of arrays`);
    const names: string[] = [];
    for (const [index, array] of items) {
      if (!(array instanceof NumpyArray)) fail(path, `entry '${layer}/${index}' is not a numpy array`);
      const name = `${layer}/${index}`;
      tensors.push(arrayTensor(name, array as NumpyArray, path));
      names.push(name);
    }
    layers.push({ name: layer, tensors: names });
  }
  return { layers, tensors };
}

/** Tensors of one .npy (plain or pickled) held by `source`; `name` names a plain array. */
function npyContent(source: ByteSource, name: string) {
  const pre = readPreamble(source);
  if (pre.descr === '|O' || pre.descr === 'O') {
    const cursor = new Cursor(source, pre.dataStart);
    const obj = unpickle(cursor, { globals: NUMPY_GLOBALS, allowed: NUMPY_ALLOWED });
    let value: unknown = obj;
    if (obj instanceof NumpyArray && Array.isArray(obj.data) && obj.shape.length === 0) value = obj.data[0];
    if (value instanceof PickleDict) return { kind: 'npy-pickle' as const, ...layersOfDict(value, source.path) };
    if (value instanceof NumpyArray) return { kind: 'npy-pickle' as const, layers: undefined, tensors: [arrayTensor(name, value, source.path)] };
    return fail(source.path, 'the pickled .npy holds neither a dict of arrays (tensorflow-vgg layout) nor an array');
  }
  const dataStart = pre.dataStart;
  const need = numelOf(pre.shape) * ITEM_SIZE[numpyDtype(pre.descr.slice(1), source.path)];
  if (source.size - dataStart < need) fail(source.path, `truncated file: shape [${pre.shape}] of ${pre.descr} needs ${need} bytes of data, the file has ${source.size - dataStart}`);
  const tensor = numpyTensor(name, pre.descr.replace(/^=/, '<'), pre.shape, pre.fortranOrder, () => source.read(dataStart, need), source.path, (start, scratch) => source.readInto(dataStart + start, scratch), source.fileSpan?.(dataStart));
  return { kind: 'npy' as const, layers: undefined, tensors: [tensor] };
}

function weightFile(path: string, format: WeightFile['format'], tensors: WeightTensor[], layers: WeightLayer[] | undefined, source: ByteSource, metadata: Record<string, unknown> = {}): WeightFile {
  return { path, format, tensors: new Map(tensors.map((t) => [t.name, t])), layers, metadata, close: () => source.close() };
}

/** A .npy file: one array (named after the file) or tensorflow-vgg's pickled dict. */
export function readNpyWeights(source: ByteSource): WeightFile {
  const stem = basename(source.path, extname(source.path));
  const content = npyContent(source, stem);
  return weightFile(source.path, content.kind, content.tensors, content.layers, source);
}

/** An .npz archive: each member `name.npy` is the tensor `name`. */
export async function readNpzWeights(source: ByteSource): Promise<WeightFile> {
  const members = await listZip(source.path);
  const tensors: WeightTensor[] = [];
  for (const m of members) {
    if (!m.name.endsWith('.npy')) fail(source.path, `member '${m.name}' is not a .npy array (an .npz holds only .npy members)`);
    const content = npyContent(memberSource(source, m), m.name.slice(0, -4));
    for (const t of content.tensors) tensors.push(content.kind === 'npy' ? t : { ...t, name: `${m.name.slice(0, -4)}/${t.name}` });
  }
  return weightFile(source.path, 'npz', tensors, undefined, source);
}
