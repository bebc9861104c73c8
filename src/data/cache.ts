// An on-disk cache of samples after the deterministic preprocessing stage, so decoding and
// resizing happen once rather than every epoch. An entry's file name is a hash of everything
// that determines its content — the dataset spec, the sample's source files (path, size,
// mtime), the deterministic preprocessing, the format version — so any change misses and
// rebuilds. Entries are written atomically and checked by CRC on every read: a damaged one is
// deleted and rebuilt, never trusted.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { Dataset } from './datasets/types.js';
import { crc32 } from '../image/png.js';
import { prepare, type PipelineContext, type PreparedSample } from './transforms/pipeline.js';
import type { ChwImage, LabelArray, LabelMap } from '../image/types.js';
import { deterministicPart, type PreprocessSpec } from './transforms/spec.js';
import { makeDir } from '../io/dirs.js';

/** Bump when the entry layout or the deterministic stage's results change. */
export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 0x50585743; // 'PXWC'

/** $PIXELWISE_CACHE, else ~/.cache/pixelwise; samples go in its samples/ folder. */
export function defaultCacheDir(): string {
  return resolve(process.env.PIXELWISE_CACHE ?? join(homedir(), '.cache', 'pixelwise'), 'samples');
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found damaged (bad magic, length or CRC), deleted and rebuilt. */
  corrupt: number;
  writes: number;
}

/** JSON with object keys sorted, so equal specs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Prepared samples of one dataset under one preprocessing spec, cached in `dir`. */
export class SampleCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0 };
  private readonly dataset: Dataset;
  private readonly spec: PreprocessSpec;
  private readonly ctx: PipelineContext;
  private readonly base: string;

  constructor(dir: string, dataset: Dataset, spec: PreprocessSpec) {
    this.dir = resolve(dir);
    this.dataset = dataset;
    this.spec = spec;
    this.ctx = { ignoreIndex: dataset.ignoreIndex };
    this.base = canonicalJson({ version: CACHE_FORMAT_VERSION, dataset: dataset.spec, preprocess: deterministicPart(spec) });
    makeDir(this.dir, 'cache folder');
  }

  /** The entry key of sample i: changes whenever the sample's source files, the dataset spec or the deterministic preprocessing change. */
  key(i: number): string {
    const sources = this.dataset.sources(i).map((path) => {
      const s = statSync(path);
      return [path, s.size, s.mtimeMs];
    });
    return createHash('sha256').update(this.base).update(canonicalJson({ name: this.dataset.name(i), sources })).digest('hex');
  }

  /** The file an entry lives in. */
  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }

  /** Sample i after the deterministic stage: from the cache when a sound entry exists, else decoded, prepared and stored. */
  async get(i: number): Promise<PreparedSample> {
    const key = this.key(i);
    const path = this.pathOf(key);
    const cached = await this.read(path, key);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.misses++;
    const prepared = prepare(await this.dataset.get(i), this.spec, this.ctx);
    makeDir(join(this.dir, key.slice(0, 2)), 'cache folder');
    await writeFileAtomic(path, encodeEntry(key, prepared));
    this.stats.writes++;
    return prepared;
  }

  private async read(path: string, key: string): Promise<PreparedSample | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return undefined;
    }
    const entry = decodeEntry(bytes, key);
    if (!entry) {
      this.stats.corrupt++;
      await unlink(path).catch(() => undefined);
    }
    return entry;
  }
}

type Dtype = 'uint8' | 'uint16' | 'int32' | 'float32';

interface EntryHeader {
  key: string;
  name: string;
  image: { width: number; height: number; channels: number; dtype: Dtype; bytes: number };
  label?: { width: number; height: number; dtype: Dtype; bytes: number };
  classIndex?: number;
}

function dtypeOf(a: ArrayBufferView): Dtype {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  return 'float32';
}

/** magic u32 | version u32 | header length u32 | header JSON | pad to 8 | image | label | CRC-32 of all before. */
export function encodeEntry(key: string, s: PreparedSample): Buffer {
  const header: EntryHeader = {
    key,
    name: s.name,
    image: { width: s.image.width, height: s.image.height, channels: s.image.channels, dtype: dtypeOf(s.image.data), bytes: s.image.data.byteLength },
  };
  if (s.label) header.label = { width: s.label.width, height: s.label.height, dtype: dtypeOf(s.label.data), bytes: s.label.data.byteLength };
  if (s.classIndex !== undefined) header.classIndex = s.classIndex;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(12 + json.length);
  const total = start + align8(header.image.bytes) + (header.label ? align8(header.label.bytes) : 0) + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(CACHE_FORMAT_VERSION, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  out.set(bytesOf(s.image.data), start);
  if (s.label) out.set(bytesOf(s.label.data), start + align8(header.image.bytes));
  out.writeUInt32LE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** The entry held in bytes, or undefined when they are damaged or belong to another key. */
export function decodeEntry(bytes: Uint8Array, key: string): PreparedSample | undefined {
  try {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== CACHE_FORMAT_VERSION) return undefined;
    if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) return undefined;
    const jsonLength = buf.readUInt32LE(8);
    const header = JSON.parse(buf.toString('utf8', 12, 12 + jsonLength)) as EntryHeader;
    if (header.key !== key) return undefined;
    const start = align8(12 + jsonLength);
    const h = header.image;
    const expected = start + align8(h.bytes) + (header.label ? align8(header.label.bytes) : 0) + 4;
    if (expected !== buf.length) return undefined;
    const image: ChwImage = { width: h.width, height: h.height, channels: h.channels, data: typed(buf, start, h.bytes, h.dtype) as ChwImage['data'] };
    if (image.data.length !== h.width * h.height * h.channels) return undefined;
    const out: PreparedSample = { name: header.name, image };
    if (header.label) {
      const l = header.label;
      const label: LabelMap<LabelArray> = { width: l.width, height: l.height, data: typed(buf, start + align8(h.bytes), l.bytes, l.dtype) as LabelArray };
      if (label.data.length !== l.width * l.height) return undefined;
      out.label = label;
    }
    if (header.classIndex !== undefined) out.classIndex = header.classIndex;
    return out;
  } catch {
    return undefined;
  }
}

// A fresh, aligned copy: the file buffer's offsets need not suit 4-byte element types.
function typed(buf: Buffer, offset: number, bytes: number, dtype: Dtype): ArrayBufferView {
  const copy = new Uint8Array(bytes);
  copy.set(buf.subarray(offset, offset + bytes));
  switch (dtype) {
    case 'uint8':
      return copy;
    case 'uint16':
      return new Uint16Array(copy.buffer);
    case 'int32':
      return new Int32Array(copy.buffer);
    case 'float32':
      return new Float32Array(copy.buffer);
    default:
      throw new Error(`cache entry: unknown dtype ${String(dtype)}`);
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
