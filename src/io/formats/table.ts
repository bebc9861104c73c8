// The sorted string table TensorFlow checkpoints use (LevelDB's format, tensorflow/core/lib/io/
// table_format.txt): data blocks of prefix-compressed key/value entries with restart points,
// an index block mapping a separator key to each data block's handle, and a 48-byte footer
// (metaindex handle, index handle, padding, magic 0xdb4775248b80fb57). Every block is
// followed by a type byte (0 raw, 1 snappy) and a masked crc32c of block + type, checked here.
import { crc32c } from '@node-rs/crc32';
import { uncompress } from 'snappyjs';
import type { ByteSource } from './source.js';
import { fail } from './types.js';

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

const FOOTER_BYTES = 48;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;

/** crc32c masked as LevelDB stores it (a CRC of data containing CRCs stays well distributed). */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc(crc32c(bytes) >>> 0);
}

/** LevelDB's mask of a crc32c. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The masked crc32c of `length` bytes of `source` from `offset`, read in chunks (a 400 MB tensor never whole). */
export function maskedCrc32cOf(source: ByteSource, offset: number, length: number, chunk = 16 << 20): number {
  const buffer = Buffer.allocUnsafeSlow(Math.min(chunk, Math.max(length, 1)));
  let crc = 0;
  for (let at = 0; at < length; at += chunk) {
    const n = Math.min(chunk, length - at);
    crc = crc32c(source.readInto(offset + at, buffer.subarray(0, n)), crc) >>> 0;
  }
  return maskCrc(crc);
}

// crc32c(A || B) = shift(crc32c(A), |B|) ^ crc32c(B), shift linear over GF(2): zlib's
// crc32_combine for the Castagnoli polynomial. It lets a reader check a tensor's crc from the
// pieces it read anyway, in any order, instead of streaming the tensor once more.
const CASTAGNOLI_REFLECTED = 0x82f63b78;

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; vec >>>= 1, i++) if (vec & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(mat: Uint32Array): Uint32Array {
  const out = new Uint32Array(32);
  for (let n = 0; n < 32; n++) out[n] = gf2Times(mat, mat[n]!);
  return out;
}

/** The operator appending `bytes` zero bytes to a crc32c, as 32 columns (one per bit of the crc). */
function shiftOperator(bytes: number): Uint32Array {
  // One zero bit, then squared to 2, 4, 8 bits: `power` is 2^k zero bytes as k goes.
  let power: Uint32Array = new Uint32Array(32);
  power[0] = CASTAGNOLI_REFLECTED;
  for (let n = 1; n < 32; n++) power[n] = 1 << (n - 1);
  power = gf2Square(gf2Square(gf2Square(power)));
  let op: Uint32Array | null = null as Uint32Array | null;
  for (let left = bytes; left > 0; left = Math.floor(left / 2)) {
    if (left % 2 === 1) {
      if (!op) op = power.slice();
      else {
        const next = new Uint32Array(32);
        for (let n = 0; n < 32; n++) next[n] = gf2Times(power, op[n]!);
        op = next;
      }
    }
    if (left > 1) power = gf2Square(power);
  }
  if (!op) {
    op = new Uint32Array(32);
    for (let n = 0; n < 32; n++) op[n] = (1 << n) >>> 0; // zero bytes: the identity
  }
  return op;
}

/** Combines crc32c values of consecutive byte runs; one operator per distinct run length. */
export class Crc32cCombiner {
  #ops = new Map<number, Uint32Array>();
  crc = 0;
  /** Appends a run of `bytes` bytes whose crc32c is `crc`. */
  append(crc: number, bytes: number): void {
    let op = this.#ops.get(bytes);
    if (!op) this.#ops.set(bytes, (op = shiftOperator(bytes)));
    this.crc = (gf2Times(op, this.crc) ^ crc) >>> 0;
  }
}

function readVarint(bytes: Uint8Array, at: number, path: string): [number, number] {
  let result = 0;
  for (let shift = 0, i = at; i < bytes.length && shift < 64; shift += 7, i++) {
    const b = bytes[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, i + 1];
  }
  return fail(path, `corrupt table: bad varint at offset ${at}`);
}

function decodeHandle(bytes: Uint8Array, at: number, path: string): [BlockHandle, number] {
  const [offset, next] = readVarint(bytes, at, path);
  const [size, end] = readVarint(bytes, next, path);
  return [{ offset, size }, end];
}

/** Whether the source ends with the table magic number. */
export function hasTableMagic(source: ByteSource): boolean {
  if (source.size < FOOTER_BYTES) return false;
  const tail = source.read(source.size - 8, 8);
  const view = new DataView(tail.buffer, tail.byteOffset, 8);
  return view.getUint32(0, true) === MAGIC_LO && view.getUint32(4, true) === MAGIC_HI;
}

export class Table {
  readonly index: { separator: Uint8Array; handle: BlockHandle }[];

  constructor(readonly source: ByteSource) {
    const path = source.path;
    if (!hasTableMagic(source)) fail(path, `not a TensorFlow checkpoint table: no table magic number at the end of the file (${source.size} bytes; truncated?)`);
    const footer = source.read(source.size - FOOTER_BYTES, FOOTER_BYTES);
    const [, next] = decodeHandle(footer, 0, path); // metaindex: TF writes no filter blocks
    const [indexHandle] = decodeHandle(footer, next, path);
    this.index = this.entries(this.block(indexHandle)).map((e) => ({ separator: e.key, handle: decodeHandle(e.value, 0, path)[0] }));
  }

  /** A block's contents, crc-checked and decompressed. */
  block(handle: BlockHandle): Uint8Array {
    const path = this.source.path;
    if (handle.offset + handle.size + 5 > this.source.size) fail(path, `truncated table: block at ${handle.offset} (+${handle.size}) runs past the end (${this.source.size} bytes)`);
    const raw = this.source.read(handle.offset, handle.size + 5);
    const type = raw[handle.size]!;
    const stored = new DataView(raw.buffer, raw.byteOffset + handle.size + 1, 4).getUint32(0, true);
    if (maskedCrc32c(raw.subarray(0, handle.size + 1)) !== stored) fail(path, `corrupt table: crc32c mismatch in the block at offset ${handle.offset}`);
    const contents = raw.subarray(0, handle.size);
    if (type === 0) return contents;
    if (type === 1) return uncompress(contents);
    return fail(path, `table block at ${handle.offset} has compression type ${type} (expected 0 none or 1 snappy)`);
  }

  /** The key/value entries of a block, in order (values are views of the block). */
  entries(block: Uint8Array): TableEntry[] {
    const path = this.source.path;
    if (block.length < 4) fail(path, 'corrupt table: block shorter than its restart count');
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const restarts = view.getUint32(block.length - 4, true);
    const end = block.length - 4 - 4 * restarts;
    if (end < 0) fail(path, `corrupt table: ${restarts} restart points do not fit a ${block.length}-byte block`);
    const out: TableEntry[] = [];
    let key = new Uint8Array(0);
    for (let at = 0; at < end; ) {
      const [shared, a] = readVarint(block, at, path);
      const [unshared, b] = readVarint(block, a, path);
      const [valueLength, c] = readVarint(block, b, path);
      if (shared > key.length || c + unshared + valueLength > end) fail(path, `corrupt table: entry at block offset ${at} overruns its block`);
      const next = new Uint8Array(shared + unshared);
      next.set(key.subarray(0, shared));
      next.set(block.subarray(c, c + unshared), shared);
      key = next;
      out.push({ key, value: block.subarray(c + unshared, c + unshared + valueLength) });
      at = c + unshared + valueLength;
    }
    return out;
  }

  /** Every entry of the table (for small tables: a V2 .index). */
  all(): TableEntry[] {
    return this.index.flatMap((i) => this.entries(this.block(i.handle)));
  }

  /** Entries whose key starts with `prefix`, reading only the blocks that can hold them. */
  withPrefix(prefix: Uint8Array): TableEntry[] {
    const out: TableEntry[] = [];
    let i = this.index.findIndex((e) => compareBytes(e.separator, prefix) >= 0);
    if (i < 0) return out;
    for (; i < this.index.length; i++) {
      let past = false;
      for (const e of this.entries(this.block(this.index[i]!.handle))) {
        if (startsWith(e.key, prefix)) out.push(e);
        else if (compareBytes(e.key, prefix) > 0) past = true;
      }
      if (past) break;
    }
    return out;
  }

  /** The table's first entry (the header of both checkpoint formats is keyed by ""). */
  first(): TableEntry | undefined {
    const head = this.index[0];
    return head ? this.entries(this.block(head.handle))[0] : undefined;
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
