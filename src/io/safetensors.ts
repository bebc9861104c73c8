// safetensors (Hugging Face): 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian row-major data. Written as
// the reference implementation does (8-byte aligned header, tensors by descending alignment
// then name), so Python's safetensors, PyTorch and HF tools read our files and we read theirs.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { native } from '../torch/native.js';
import { dtypeCode, type DType } from '../torch/dtype.js';
import { Tensor, type Device } from '../torch/index.js';
import { writeFileAtomicSync, type AtomicWriteOptions } from './atomic.js';
import { fsError } from './dirs.js';

/** Tensors by name, as a Map or a plain object. */
export type NamedTensors = Map<string, Tensor> | Record<string, Tensor>;

export interface SafetensorsContent {
  /** The tensors, sorted by name. */
  tensors: Map<string, Tensor>;
  /** The header's free-form string metadata ({} when absent). */
  metadata: Record<string, string>;
}

/** One tensor's header entry; begin/end are byte offsets into the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Entries in file (offset) order. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file: 8 + header length. */
  dataStart: number;
}

// The reference orders dtypes by alignment (this is its enum order); files list larger
// elements first so every tensor's data is aligned to its element size.
const FORMAT_DTYPES: readonly [string, DType, number][] = [
  ['BOOL', 'bool', 1],
  ['U8', 'uint8', 1],
  ['I8', 'int8', 1],
  ['I16', 'int16', 2],
  ['F16', 'float16', 2],
  ['BF16', 'bfloat16', 2],
  ['I32', 'int32', 4],
  ['F32', 'float32', 4],
  ['F64', 'float64', 8],
  ['I64', 'int64', 8],
];
const BY_CODE = new Map(FORMAT_DTYPES.map(([code, dtype, size], rank) => [code, { dtype, size, rank }]));
const BY_DTYPE = new Map(FORMAT_DTYPES.map(([code, dtype, size], rank) => [dtype, { code, size, rank }]));
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function fail(source: string, what: string): never {
  throw new Error(`safetensors: ${source}: ${what}`);
}

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: only little-endian machines are supported');
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface Planned {
  name: string;
  tensor: Tensor;
  bytes: number;
}

/** Validates the input and lays out the file: the padded header and the tensors in data order. */
function plan(tensors: NamedTensors, metadata: Record<string, string> | undefined, source: string) {
  checkLittleEndian();
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const items: (Planned & { rank: number; code: string; shape: number[] })[] = [];
  for (const [name, tensor] of entries) {
    if (typeof name !== 'string' || name === METADATA_KEY) fail(source, `invalid tensor name '${String(name)}'`);
    if (!(tensor instanceof Tensor)) fail(source, `'${name}' is not a Tensor`);
    if (tensor.isDisposed) fail(source, `tensor '${name}' was already disposed`);
    const dtype = tensor.dtype;
    const info = BY_DTYPE.get(dtype);
    if (!info) fail(source, `tensor '${name}' has dtype ${dtype}, which safetensors cannot hold`);
    const shape = tensor.shape;
    items.push({ name, tensor, shape, rank: info.rank, code: info.code, bytes: tensor.numel * info.size });
  }
  items.sort((a, b) => b.rank - a.rank || utf8Compare(a.name, b.name));
  // Written as text, not via JSON.stringify of an object: JavaScript would move integer-like
  // names ('0', '12') to the front, away from the reference order (metadata, then data order).
  const object = (entries: [string, string][]): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  const fields: [string, string][] = [];
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null) fail(source, `metadata must be an object of strings, got ${String(metadata)}`);
    const sorted: [string, string][] = [];
    for (const key of Object.keys(metadata).sort(utf8Compare)) {
      const value = metadata[key];
      if (typeof value !== 'string') fail(source, `metadata '${key}' must be a string, got ${typeof value}`);
      sorted.push([key, JSON.stringify(value)]);
    }
    fields.push([METADATA_KEY, object(sorted)]);
  }
  let offset = 0;
  for (const it of items) {
    fields.push([it.name, JSON.stringify({ dtype: it.code, shape: it.shape, data_offsets: [offset, offset + it.bytes] })]);
    offset += it.bytes;
  }
  let json = Buffer.from(object(fields), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return { head: Buffer.concat([prefix, json]), items, dataBytes: offset };
}

function rawBytes(t: Tensor): Uint8Array {
  return new Uint8Array(native.toData(t.handle));
}

/** The safetensors file content for these tensors (and optional string metadata), in memory. */
export function serializeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array {
  const { head, items, dataBytes } = plan(tensors, metadata, '<buffer>');
  const out = new Uint8Array(head.length + dataBytes);
  out.set(head, 0);
  let at = head.length;
  for (const it of items) {
    out.set(rawBytes(it.tensor), at);
    at += it.bytes;
  }
  return out;
}

/**
 * Writes tensors (and optional string metadata) to a safetensors file atomically: a temp file
 * in the same directory, fsynced, then renamed over `path`. Tensors are copied one at a time,
 * so memory stays near the size of the largest tensor.
 */
export function saveSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>, options: AtomicWriteOptions = {}): void {
  const { head, items } = plan(tensors, metadata, path);
  writeFileAtomicSync(
    path,
    (write) => {
      write(head);
      for (const it of items) write(rawBytes(it.tensor));
    },
    options,
  );
}

/** Finds each top-level key of a JSON object text, so duplicate names can be rejected. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = ch === '{' && depth === 1;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates a header against a data section of dataLength bytes. */
function parseHeader(bytes: Uint8Array, dataStart: number, dataLength: number, source: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(source, 'the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(source, `the header does not start with '{' (got ${JSON.stringify(text.slice(0, 16))})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(source, `the header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail(source, 'the header is not a JSON object');
  const keys = topLevelKeys(text);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) fail(source, `the header names '${dup}' twice`);

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) fail(source, `${METADATA_KEY} must be an object of strings`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') fail(source, `${METADATA_KEY} '${k}' must be a string, got ${JSON.stringify(v)}`);
      }
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const { dtype: code, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    const format = typeof code === 'string' ? BY_CODE.get(code) : undefined;
    if (!format) {
      const known = FORMAT_DTYPES.map(([c]) => c).join(', ');
      fail(source, `tensor '${name}' has unknown or unsupported dtype ${JSON.stringify(code)} (supported: ${known})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(source, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(source, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const numel = shape.reduce((a: number, b: number) => a * b, 1);
    if (!Number.isSafeInteger(numel * format.size) || numel * format.size !== end - begin) {
      fail(source, `tensor '${name}': shape [${shape}] of ${code} needs ${numel * format.size} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataLength) {
      fail(source, `tensor '${name}' ends at data byte ${end}, past the end of the data section (${dataLength} bytes; truncated file?)`);
    }
    entries.push({ name, dtype: format.dtype, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous = '';
  for (const e of entries) {
    if (e.begin < at) fail(source, `tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps tensor '${previous}'`);
    if (e.begin > at) fail(source, `a gap of ${e.begin - at} bytes before tensor '${e.name}' (the data must be contiguous)`);
    at = e.end;
    previous = e.name;
  }
  if (at !== dataLength) fail(source, `${dataLength - at} unexpected bytes after the last tensor's data`);
  return { entries, metadata, dataStart };
}

/** Reads and checks the 8-byte length prefix; returns the header length. */
function headerLength(prefix: Uint8Array, fileLength: number, source: string): number {
  if (fileLength < 8) fail(source, `truncated file: ${fileLength} bytes, shorter than the 8-byte header length`);
  const n = Buffer.from(prefix.buffer, prefix.byteOffset, 8).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(source, `header length ${n} is larger than ${MAX_HEADER_BYTES} bytes (not a safetensors file?)`);
  if (8n + n > BigInt(fileLength)) fail(source, `truncated file: the header needs ${n} bytes, only ${fileLength - 8} follow the length`);
  return Number(n);
}

/** Every tensor of the header, by name, from the bytes bytesOf returns; none survive a failure. */
function makeTensors(header: SafetensorsHeader, bytesOf: (e: SafetensorsEntry) => Uint8Array, device: Device): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of [...header.entries].sort((a, b) => utf8Compare(a.name, b.name))) {
      tensors.set(e.name, new Tensor(native.fromData(bytesOf(e), e.shape, dtypeCode(e.dtype), device)));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return tensors;
}

/** Parses safetensors content held in memory (source names it in error messages). */
export function parseSafetensors(bytes: Uint8Array, options: { device?: Device; source?: string } = {}): SafetensorsContent {
  checkLittleEndian();
  const source = options.source ?? '<buffer>';
  const n = headerLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const header = parseHeader(bytes.subarray(8, 8 + n), 8 + n, bytes.byteLength - 8 - n, source);
  const at = header.dataStart;
  const tensors = makeTensors(header, (e) => bytes.subarray(at + e.begin, at + e.end), options.device ?? 'cpu');
  return { tensors, metadata: header.metadata };
}

function readExactly(fd: number, length: number, position: number, source: string): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let got = 0; got < length; ) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) fail(source, `truncated file: expected ${length} bytes at offset ${position}`);
    got += n;
  }
  return buf;
}

function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError('read safetensors file', path, err);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Error(`${path} is a folder, expected a .safetensors file`);
    return fn(fd, stat.size);
  } finally {
    closeSync(fd);
  }
}

function readHeader(fd: number, size: number, path: string): SafetensorsHeader {
  const prefix = size >= 8 ? readExactly(fd, 8, 0, path) : new Uint8Array(0);
  const n = headerLength(prefix, size, path);
  return parseHeader(readExactly(fd, n, 8, path), 8 + n, size - 8 - n, path);
}

/** A file's header (names, dtypes, shapes, metadata) without reading the tensor data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  checkLittleEndian();
  return withFile(path, (fd, size) => readHeader(fd, size, path));
}

/**
 * Loads every tensor of a safetensors file (onto `device`, default cpu) and its metadata;
 * with `select`, only the tensors whose names it accepts are read.
 */
export function loadSafetensors(path: string, options: { device?: Device; select?: (name: string) => boolean } = {}): SafetensorsContent {
  checkLittleEndian();
  return withFile(path, (fd, size) => {
    const all = readHeader(fd, size, path);
    const select = options.select;
    const header = select ? { ...all, entries: all.entries.filter((e) => select(e.name)) } : all;
    const read = (e: SafetensorsEntry) => readExactly(fd, e.end - e.begin, header.dataStart + e.begin, path);
    return { tensors: makeTensors(header, read, options.device ?? 'cpu'), metadata: header.metadata };
  });
}
