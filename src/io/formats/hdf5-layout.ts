// Where an HDF5 dataset's bytes lie when they lie in one run: the Data Layout message of its
// object header, read here because h5wasm does not report it. h5wasm names the header's address
// (an object reference is that address) and still reads everything else: the tree, attributes,
// chunked, compressed or compact data. A contiguous, unfiltered dataset is then read straight
// from the file (pread into the caller's buffer) instead of through the wasm heap, which costs a
// copy out of HDF5 and another out of wasm memory for every hyperslab (Keras' fc1: 411 MB).
import type { ByteSource } from './source.js';

/** The superblock's facts a layout needs: base address and field sizes; and the file's length it records. */
export interface Hdf5Superblock {
  base: number;
  offsetSize: number;
  lengthSize: number;
  /** The end-of-file address: a file shorter than this was cut. */
  eof: number;
}

const UNDEFINED = 0xffffffffffffffffn;

export function readSuperblock(source: ByteSource): Hdf5Superblock | null {
  if (source.size < 48) return null;
  const head = source.read(0, Math.min(64, source.size));
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  // The superblock may sit after a user block (512, 1024, ... bytes); Keras files have none.
  if (dv.getUint32(0, false) !== 0x89484446) return null;
  const version = head[8]!;
  const [offsetSize, lengthSize, at] = version <= 1 ? [head[13]!, head[14]!, version === 0 ? 24 : 28] : [head[9]!, head[10]!, 12];
  if (offsetSize !== 8 || lengthSize !== 8) return null;
  // base address, then (all versions) one more address, then the end-of-file address.
  if (at + 24 > head.length) return null;
  const base = dv.getBigUint64(at, true);
  const eof = dv.getBigUint64(at + 16, true);
  return base > BigInt(Number.MAX_SAFE_INTEGER) || eof > BigInt(Number.MAX_SAFE_INTEGER) ? null : { base: Number(base), offsetSize, lengthSize, eof: Number(eof) };
}

interface Message {
  type: number;
  body: DataView;
}

/** The messages of the object header at `address` (versions 1 and 2), continuation blocks followed. */
function headerMessages(source: ByteSource, address: number): Message[] | null {
  const read = (at: number, n: number): DataView | null => {
    if (at < 0 || n < 0 || at + n > source.size) return null;
    const b = source.read(at, n);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const messages: Message[] = [];
  const blocks: [number, number][] = [];
  const first = read(address, 16);
  if (!first) return null;
  let v2 = false;
  let creationOrder = false;
  if (first.getUint32(0, false) === 0x4f484452) {
    // "OHDR", version 2
    v2 = true;
    if (first.getUint8(4) !== 2) return null;
    const flags = first.getUint8(5);
    creationOrder = (flags & 0x04) !== 0;
    let at = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const width = 1 << (flags & 0x03);
    const sizes = read(address + at, width);
    if (!sizes) return null;
    let size = 0;
    for (let i = width - 1; i >= 0; i--) size = size * 256 + sizes.getUint8(i);
    at += width;
    blocks.push([address + at, size]);
  } else {
    if (first.getUint8(0) !== 1) return null;
    blocks.push([address + 16, first.getUint32(8, true)]);
  }
  for (let b = 0; b < blocks.length && b < 64; b++) {
    const [start, size] = blocks[b]!;
    const block = read(start, size);
    if (!block) return null;
    // A v2 header's prefix ends with 1-byte message types; gaps shorter than one prefix are padding.
    const prefix = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
    for (let at = 0; at + prefix <= size; ) {
      const type = v2 ? block.getUint8(at) : block.getUint16(at, true);
      const length = v2 ? block.getUint16(at + 1, true) : block.getUint16(at + 2, true);
      const bodyAt = at + prefix;
      if (bodyAt + length > size) return null;
      const body = new DataView(block.buffer, block.byteOffset + bodyAt, length);
      messages.push({ type, body });
      if (type === 0x10) {
        // Continuation: more messages elsewhere (v2 blocks are "OCHK" + messages + checksum).
        const to = Number(body.getBigUint64(0, true));
        const len = Number(body.getBigUint64(8, true));
        blocks.push(v2 ? [to + 4, len - 8] : [to, len]);
      }
      at = bodyAt + length;
    }
  }
  return messages;
}

/**
 * The file offset of a dataset's bytes when HDF5 stores them as one contiguous, unfiltered run
 * of `bytes` bytes in this file; null for anything else (chunked, compact, virtual, external,
 * filtered, never written, an unknown header version): those stay with h5wasm.
 */
export function contiguousOffset(source: ByteSource, superblock: Hdf5Superblock, headerAddress: number, bytes: number): number | null {
  const messages = headerMessages(source, superblock.base + headerAddress);
  if (!messages) return null;
  // External storage (0x07) or a filter pipeline (0x0B): the bytes are not the values in place.
  if (messages.some((m) => m.type === 0x07 || m.type === 0x0b)) return null;
  const layouts = messages.filter((m) => m.type === 0x08);
  if (layouts.length !== 1) return null;
  const body = layouts[0]!.body;
  if (body.byteLength < 2) return null;
  const version = body.getUint8(0);
  let address: bigint;
  let size: number;
  if (version === 3 || version === 4) {
    if (body.getUint8(1) !== 1 || body.byteLength < 18) return null; // 1: contiguous
    address = body.getBigUint64(2, true);
    size = Number(body.getBigUint64(10, true));
  } else if (version === 1 || version === 2) {
    const dims = body.getUint8(1);
    if (body.getUint8(2) !== 1 || body.byteLength < 16 + 4 * dims) return null;
    address = body.getBigUint64(8, true);
    size = 1; // dimensions in elements, the last one the element size
    for (let d = 0; d < dims; d++) size *= body.getUint32(16 + 4 * d, true);
  } else return null;
  if (address === UNDEFINED || size !== bytes) return null;
  const offset = superblock.base + Number(address);
  return offset + bytes <= source.size ? offset : null;
}

/** An HDF5 object reference (hobj_ref_t, 8 bytes little-endian) is its object header's address. */
export function referenceAddress(ref: ArrayLike<number>): number | null {
  if (ref.length !== 8) return null;
  let a = 0;
  for (let i = 7; i >= 0; i--) a = a * 256 + ref[i]!;
  return Number.isSafeInteger(a) ? a : null;
}
