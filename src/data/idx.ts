// IDX files, the format MNIST ships in: a 4-byte magic (0, 0, type code, ndims), big-endian
// uint32 sizes, then big-endian data. Often gzip-compressed.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  shape: number[];
  /** The stored element type; 'uint8' for MNIST images and labels. */
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  /** Row-major, converted to the host's byte order. */
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxArray['dtype']; size: number; ctor: new (n: number) => IdxData }> = {
  0x08: { dtype: 'uint8', size: 1, ctor: Uint8Array },
  0x09: { dtype: 'int8', size: 1, ctor: Int8Array },
  0x0b: { dtype: 'int16', size: 2, ctor: Int16Array },
  0x0c: { dtype: 'int32', size: 4, ctor: Int32Array },
  0x0d: { dtype: 'float32', size: 4, ctor: Float32Array },
  0x0e: { dtype: 'float64', size: 8, ctor: Float64Array },
};

/** Reads an IDX file, raw or gzip-compressed (detected by the 0x1f 0x8b magic, not the name). */
export function readIdx(path: string): IdxArray {
  return decodeIdx(readFileSync(path), path);
}

/** Decodes IDX bytes (raw or gzip); `name` goes into error messages. */
export function decodeIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(`corrupt gzip data (zlib: ${(e as Error).message})`);
    }
  }
  if (bytes.length < 4) fail(`truncated: ${bytes.length} bytes, an IDX file starts with a 4-byte magic`);
  const type = TYPES[bytes[2]!];
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || ndims === 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(`not an IDX file: it starts with ${got}, expected 00 00 <type> <dims> (MNIST: 00 00 08 03 images, 00 00 08 01 labels)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataStart = 4 + 4 * ndims;
  if (bytes.length < dataStart) fail(`truncated header: ${ndims} dimensions need ${dataStart} bytes, the file has ${bytes.length}`);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * type!.size;
  if (bytes.length !== expected) {
    fail(
      `${bytes.length < expected ? 'truncated' : 'trailing bytes'}: shape [${shape.join(', ')}] of ${type!.dtype} ` +
        `needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  const data = new type!.ctor(count);
  switch (type!.dtype) {
    case 'uint8':
    case 'int8':
      (data as Uint8Array).set(new (type!.ctor as typeof Uint8Array)(bytes.buffer, bytes.byteOffset + dataStart, count));
      break;
    case 'int16':
      for (let i = 0; i < count; i++) data[i] = view.getInt16(dataStart + 2 * i);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) data[i] = view.getInt32(dataStart + 4 * i);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataStart + 8 * i);
      break;
  }
  return { shape, dtype: type!.dtype, data };
}
