// Bytes of a file or of memory, read by position: readers take only the ranges they need, so a
// 500 MB file never sits in memory whole next to the tensors made from it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { allocBytes, fail } from './types.js';

export interface ByteSource {
  /** Names the file in errors. */
  readonly path: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset` (a view for memory sources, fresh aligned bytes for files). */
  read(offset: number, length: number): Uint8Array;
  /** Fills `target` with the bytes at `offset` (a caller's reusable buffer: no allocation). */
  readInto(offset: number, target: Uint8Array): Uint8Array;
  /** Where byte `offset` lies in a file on disk, when it does (not for bytes in memory). */
  fileSpan?(offset: number): FileSpan | undefined;
  close(): void;
}

/** A position in a file on disk: where a tensor's raw values start. */
export interface FileSpan {
  path: string;
  offset: number;
}

/** A file read with positioned reads (pread): no file pointer, no whole-file buffer. */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let open = true;
  return {
    path,
    size,
    read(offset, length) {
      if (!open) fail(path, 'the file was already closed');
      if (offset < 0 || length < 0 || offset + length > size) {
        fail(path, `truncated file: needs bytes ${offset}..${offset + length}, the file has ${size}`);
      }
      return this.readInto(offset, allocBytes(length));
    },
    readInto(offset, target) {
      if (!open) fail(path, 'the file was already closed');
      const length = target.byteLength;
      if (offset < 0 || offset + length > size) fail(path, `truncated file: needs bytes ${offset}..${offset + length}, the file has ${size}`);
      for (let got = 0; got < length; ) {
        const n = readSync(fd, target, got, Math.min(length - got, 1 << 30), offset + got);
        if (n === 0) fail(path, `truncated file: needs bytes ${offset}..${offset + length}, read stopped at ${offset + got}`);
        got += n;
      }
      return target;
    },
    fileSpan: (offset) => ({ path, offset }),
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** Bytes already in memory (an .npz member, a decompressed block). */
export function memorySource(path: string, bytes: Uint8Array): ByteSource {
  return {
    path,
    size: bytes.byteLength,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        fail(path, `truncated data: needs bytes ${offset}..${offset + length}, there are ${bytes.byteLength}`);
      }
      return bytes.subarray(offset, offset + length);
    },
    readInto(offset, target) {
      target.set(this.read(offset, target.byteLength));
      return target;
    },
    close() {},
  };
}

/** A window of another source (a zip member stored uncompressed). */
export function sliceSource(source: ByteSource, start: number, length: number, path = source.path): ByteSource {
  if (start + length > source.size) fail(path, `truncated file: a member needs bytes ${start}..${start + length}, the file has ${source.size}`);
  return {
    path,
    size: length,
    read(offset, n) {
      if (offset < 0 || n < 0 || offset + n > length) fail(path, `truncated data: needs bytes ${offset}..${offset + n}, there are ${length}`);
      return source.read(start + offset, n);
    },
    readInto(offset, target) {
      if (offset < 0 || offset + target.byteLength > length) fail(path, `truncated data: needs bytes ${offset}..${offset + target.byteLength}, there are ${length}`);
      return source.readInto(start + offset, target);
    },
    fileSpan: (offset) => source.fileSpan?.(start + offset),
    close() {},
  };
}

/** Sequential reading over a source with a small read-ahead window (pickles, headers). */
export class Cursor {
  pos: number;
  #window: Uint8Array = new Uint8Array(0);
  #windowStart = 0;
  constructor(
    readonly source: ByteSource,
    start = 0,
    readonly end = source.size,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number, what: string): void {
    if (this.pos + n > this.end) fail(this.source.path, `truncated ${what}: needs ${n} more bytes at offset ${this.pos}, ${this.end - this.pos} left`);
  }

  /** n bytes (a view into the window or a fresh read); n should be small or the caller wants them. */
  take(n: number, what = 'data'): Uint8Array {
    this.#need(n, what);
    const rel = this.pos - this.#windowStart;
    if (rel >= 0 && rel + n <= this.#window.byteLength) {
      this.pos += n;
      return this.#window.subarray(rel, rel + n);
    }
    if (n > 1 << 16) {
      const bytes = this.source.read(this.pos, n);
      this.pos += n;
      return bytes;
    }
    this.#windowStart = this.pos;
    this.#window = this.source.read(this.pos, Math.min(1 << 16, this.end - this.pos));
    this.pos += n;
    return this.#window.subarray(0, n);
  }

  u8(what = 'data'): number {
    return this.take(1, what)[0]!;
  }

  /** Moves past n bytes without reading them. */
  skip(n: number, what = 'data'): void {
    this.#need(n, what);
    this.pos += n;
  }
}
