// The .npy header (format 1.0, 2.0, 3.0): magic, version, a Python-literal dict with descr,
// fortran_order and shape. Shared by the weight readers and data/npy.ts (which re-exports it).

export type NpyDType =
  | 'float32'
  | 'float64'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** descr without its byte-order character -> dtype and element size. */
export const NPY_KINDS: Record<string, { dtype: NpyDType; itemSize: number }> = {
  f4: { dtype: 'float32', itemSize: 4 },
  f8: { dtype: 'float64', itemSize: 8 },
  u1: { dtype: 'uint8', itemSize: 1 },
  i1: { dtype: 'int8', itemSize: 1 },
  i2: { dtype: 'int16', itemSize: 2 },
  u2: { dtype: 'uint16', itemSize: 2 },
  i4: { dtype: 'int32', itemSize: 4 },
  u4: { dtype: 'uint32', itemSize: 4 },
  i8: { dtype: 'int64', itemSize: 8 },
  u8: { dtype: 'uint64', itemSize: 8 },
  b1: { dtype: 'bool', itemSize: 1 },
};

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The header as written, any descr (including '|O', pickled objects). */
export interface NpyPreamble {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data (or of the pickle, for '|O'). */
  dataStart: number;
}

/** What a .npy header says: enough to read the data from `dataStart` on, whole or in ranges. */
export interface NpyHeader extends NpyPreamble {
  dtype: NpyDType;
  /** Bytes per element. */
  itemSize: number;
  /** True when the data bytes are big-endian (and multi-byte). */
  bigEndian: boolean;
}

/** The header length the first 12 bytes declare, or an error; `bytes` needs only those 12. */
export function npyHeaderEnd(bytes: Uint8Array, name: string): number {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a .npy file: expected the magic bytes \\x93NUMPY at the start');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return 10 + view.getUint16(8, true);
  if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    return 12 + view.getUint32(8, true);
  }
  return fail(`unsupported .npy format version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
}

/** Parses the header at the start of `bytes` (which must hold the whole header). */
export function parseNpyPreamble(bytes: Uint8Array, name = 'npy data'): NpyPreamble {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  const dataStart = npyHeaderEnd(bytes, name);
  const headerStart = bytes[6] === 1 ? 10 : 12;
  if (dataStart > bytes.length) fail(`truncated header: declares ${dataStart - headerStart} bytes, the file has ${bytes.length}`);
  // Versions 1 and 2 use latin1 headers, 3 utf8; only ASCII matters for the keys we read.
  const header = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined) {
    fail(/['"]descr['"]\s*:\s*\[/.test(header) ? 'structured dtypes are not supported' : `header has no 'descr': ${header.trim()}`);
  }
  if (fortran === undefined) fail(`header has no 'fortran_order': ${header.trim()}`);
  if (shapeText === undefined) fail(`header has no 'shape': ${header.trim()}`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : fail(`bad shape entry '${s}' in header: ${header.trim()}`)));
  return { descr: descr!, fortranOrder: fortran === 'True', shape, dataStart };
}

/**
 * Parses the header of a numeric .npy at the start of `bytes` (the whole file, or just its
 * first bytes: the header must be complete); `name` goes into every error.
 */
export function parseNpyHeader(bytes: Uint8Array, name = 'npy data'): NpyHeader {
  const pre = parseNpyPreamble(bytes, name);
  const { descr } = pre;
  const kind = NPY_KINDS[descr.slice(1)];
  const order = descr[0];
  if (!kind || !'<>|='.includes(order ?? '') || descr.length !== 3) {
    const known = Object.keys(NPY_KINDS).map((k) => (k.endsWith('1') ? '|' : '<') + k);
    throw new Error(`${name}: unsupported dtype '${descr}' (expected one of ${known.join(' ')}, or big-endian '>')`);
  }
  return { ...pre, dtype: kind.dtype, itemSize: kind.itemSize, bigEndian: order === '>' && kind.itemSize > 1 };
}
