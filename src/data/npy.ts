// NumPy .npy arrays (format 1.0, 2.0, 3.0): how Python datasets hand images and one-hot labels
// to us, and how we hand arrays back.
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic.js';
import { parseNpyHeader, type NpyDType } from '../io/formats/npy-header.js';

// The header parser lives with the weight readers (io sits below data); re-exported here.
export { parseNpyHeader, type NpyDType, type NpyHeader } from '../io/formats/npy-header.js';


export type NpyData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** An n-d array in C (row-major) order; bool is a Uint8Array of 0/1, 64-bit ints are BigInt arrays. */
export interface NpyArray {
  shape: number[];
  dtype: NpyDType;
  data: NpyData;
}

/** What readNpy returns: data is always C order; fortranOrder says how the file stored it. */
export interface NpyFile extends NpyArray {
  fortranOrder: boolean;
}

type ArrayCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NpyData; new (length: number): NpyData; BYTES_PER_ELEMENT: number };

const KINDS: Record<string, { dtype: NpyDType; ctor: ArrayCtor }> = {
  f4: { dtype: 'float32', ctor: Float32Array },
  f8: { dtype: 'float64', ctor: Float64Array },
  u1: { dtype: 'uint8', ctor: Uint8Array },
  i1: { dtype: 'int8', ctor: Int8Array },
  i2: { dtype: 'int16', ctor: Int16Array },
  u2: { dtype: 'uint16', ctor: Uint16Array },
  i4: { dtype: 'int32', ctor: Int32Array },
  u4: { dtype: 'uint32', ctor: Uint32Array },
  i8: { dtype: 'int64', ctor: BigInt64Array },
  u8: { dtype: 'uint64', ctor: BigUint64Array },
  b1: { dtype: 'bool', ctor: Uint8Array },
};
const DESCR: Record<NpyDType, string> = {
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  bool: '|b1',
};
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Reads a .npy file (a path, or its bytes with `name` for error messages). */
export function readNpy(source: string | Uint8Array, name = typeof source === 'string' ? source : 'npy data'): NpyFile {
  const bytes = typeof source === 'string' ? readFileSync(source) : source;
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  const { descr, dtype, itemSize: size, bigEndian, fortranOrder, shape, dataStart } = parseNpyHeader(bytes, name);
  const { ctor } = KINDS[descr.slice(1)]!;
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * size;
  if (bytes.length - dataStart < byteLength) {
    fail(`truncated data: shape [${shape.join(', ')}] of ${descr} needs ${byteLength} bytes, the file has ${bytes.length - dataStart}`);
  }
  const swap = size > 1 && bigEndian === LITTLE_ENDIAN_HOST;
  let data: NpyData;
  const start = bytes.byteOffset + dataStart;
  if (!swap && start % size === 0) {
    // Aligned (numpy pads headers to 64 bytes): a view, no copy, sharing the file's buffer.
    data = new ctor(bytes.buffer as ArrayBuffer, start, count);
  } else {
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(dataStart, dataStart + byteLength));
    if (swap) swapBytes(copy, size);
    data = new ctor(copy.buffer, 0, count);
  }
  if (dtype === 'bool') {
    for (let i = 0; i < count; i++) if (data[i]! > 1) fail(`bool element ${i} holds ${data[i]}, expected 0 or 1`);
  }
  if (fortranOrder && shape.length > 1) data = fortranToC(data, shape, ctor);
  return { shape, dtype, data, fortranOrder };
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

// Fortran order is column-major: the first index varies fastest.
function fortranToC(src: NpyData, shape: number[], ctor: ArrayCtor): NpyData {
  const n = shape.length;
  const fStrides = new Array<number>(n);
  for (let d = 0, s = 1; d < n; d++) {
    fStrides[d] = s;
    s *= shape[d]!;
  }
  const out = new ctor(src.length) as unknown as { [i: number]: number | bigint };
  const input = src as unknown as { [i: number]: number | bigint };
  const index = new Array<number>(n).fill(0);
  let from = 0;
  for (let i = 0; i < src.length; i++) {
    out[i] = input[from]!;
    for (let d = n - 1; d >= 0; d--) {
      index[d]!++;
      from += fStrides[d]!;
      if (index[d]! < shape[d]!) break;
      from -= index[d]! * fStrides[d]!;
      index[d] = 0;
    }
  }
  return out as unknown as NpyData;
}

/** Encodes an array as .npy bytes (format 1.0, or 2.0 when the header needs it), C order, little-endian. */
export function encodeNpy(array: NpyArray, name = 'npy array'): Buffer {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  const { shape, dtype, data } = array;
  const descr = DESCR[dtype];
  if (!descr) fail(`unsupported dtype '${dtype}' (expected one of ${Object.keys(DESCR).join(', ')})`);
  const ctor = KINDS[descr.slice(1)]!.ctor;
  if (!(data instanceof (ctor as unknown as typeof Uint8Array))) {
    fail(`dtype ${dtype} needs a ${ctor.name}, got ${(data as object)?.constructor?.name}`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    fail(`shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) fail(`data has ${data.length} elements, shape [${shape.join(', ')}] needs ${count}`);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) if (data[i] !== 0 && data[i] !== 1) fail(`bool element ${i} is ${data[i]}, expected 0 or 1`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64 (numpy's alignment).
  const padded = (prefix: number) => dict + ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
  let header = padded(10);
  let version = 1;
  if (header.length > 0xffff) {
    header = padded(12);
    version = 2;
  }
  const head = Buffer.alloc(version === 1 ? 10 : 12);
  head.set(MAGIC);
  head[6] = version;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  let body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!LITTLE_ENDIAN_HOST && data.BYTES_PER_ELEMENT > 1) {
    body = body.slice();
    swapBytes(body, data.BYTES_PER_ELEMENT);
  }
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

/** Writes an array to a .npy file atomically (temp file + rename: a crash never leaves half a file). */
export function writeNpy(path: string, array: NpyArray): void {
  writeFileAtomicSync(path, encodeNpy(array, path));
}
