// TensorFlow checkpoints. V2 (tf.train.Saver since 2017, TF2): `<prefix>.index`, a table
// whose "" entry is a BundleHeaderProto and every other key a tensor's BundleEntryProto
// (dtype, shape, shard, offset, size, masked crc32c), with the raw little-endian bytes in
// `<prefix>.data-NNNNN-of-NNNNN`. V1 (the 2016 TF-slim releases such as vgg_16.ckpt): one
// table whose "" entry lists every tensor (SavedTensorSliceMeta) and whose other entries, keyed
// by an ordered-code encoding of (name, slice), hold SavedSlice values with the numbers in a
// TensorProto. No TensorFlow-written file was available to test these readers (TensorFlow is
// not packaged in Debian); the fixtures come from a script that writes the format by its
// definition (scripts/fixtures/weights_tf.py).
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import protobuf from 'protobufjs';
import type { DType } from '../../torch/dtype.js';
import { decodeFields, loadProto, scanFields } from './proto-lazy.js';
import { type ByteSource, fileSource, memorySource } from './source.js';
import { crc32c } from '@node-rs/crc32';
import { Crc32cCombiner, maskCrc, maskedCrc32c, maskedCrc32cOf, Table } from './table.js';
import { TF_PROTO } from './tf-proto.js';
import { bytesToData, fail, ITEM_SIZE, numelOf, swapBytes, weightTensor, widened, type WeightData, type WeightFile, type WeightTensor } from './types.js';

let root: protobuf.Root | undefined;
function tfType(name: string): protobuf.Type {
  root ??= loadProto(TF_PROTO);
  return root.lookupType(`tensorflow.${name}`);
}

const TF_DTYPES: Record<string, DType> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_UINT8: 'uint8',
  DT_INT16: 'int16',
  DT_INT8: 'int8',
  DT_INT64: 'int64',
  DT_BOOL: 'bool',
  DT_BFLOAT16: 'bfloat16',
  DT_HALF: 'float16',
};

function tfDtype(name: string): DType | undefined {
  return TF_DTYPES[name.replace(/_REF$/, '')];
}

interface ShapeProto {
  dim?: { size?: number }[];
}
interface SliceProto {
  extent?: { start?: number; length?: number }[];
}
const shapeOf = (s: ShapeProto | undefined): number[] => (s?.dim ?? []).map((d) => Number(d.size ?? 0));

/** The checkpoint files a path names: the prefix itself, `prefix.index` or a `.data-*` shard. */
export function tfBundlePrefix(path: string): string | undefined {
  if (path.endsWith('.index')) return path.slice(0, -'.index'.length);
  const m = /^(.*)\.data-\d{5}-of-\d{5}$/.exec(path);
  if (m) return m[1];
  if (!existsSync(path) && existsSync(`${path}.index`)) return path;
  return undefined;
}

/** A V2 tensor bundle, from its prefix. */
export function readTfBundle(prefix: string): WeightFile {
  const indexPath = `${prefix}.index`;
  const index = fileSource(indexPath);
  let entries;
  try {
    entries = new Table(index).all();
  } finally {
    index.close();
  }
  const header = entries.find((e) => e.key.length === 0);
  if (!header) fail(indexPath, 'a table without the BundleHeaderProto entry (key "") of a TensorFlow V2 checkpoint');
  const src = memorySource(indexPath, header!.value);
  const head = decodeFields<{ num_shards?: number; endianness?: string; version?: { producer?: number } }>(tfType('BundleHeaderProto'), src, scanFields(src));
  const shards = head.num_shards ?? 1;
  const bigEndian = head.endianness === 'BIG';
  const opened = new Map<number, ByteSource>();
  const shard = (id: number): ByteSource => {
    let s = opened.get(id);
    if (!s) {
      const p = `${prefix}.data-${String(id).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}`;
      if (!existsSync(p)) fail(indexPath, `the data shard ${basename(p)} is missing beside the index`);
      s = fileSource(p);
      opened.set(id, s);
    }
    return s;
  };
  const tensors: WeightTensor[] = [];
  const dtypes: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  const entryType = tfType('BundleEntryProto');
  for (const e of entries) {
    if (e.key.length === 0) continue;
    const name = Buffer.from(e.key).toString('utf8');
    if (e.key[0] === 0) continue; // a slice of a partitioned tensor (ordered-code key): listed under its full name
    const es = memorySource(indexPath, e.value);
    const entry = decodeFields<{ dtype?: string; shape?: ShapeProto; shard_id?: number; offset?: number; size?: number; crc32c?: number; slices?: SliceProto[] }>(entryType, es, scanFields(es));
    const tfName = entry.dtype ?? 'DT_INVALID';
    const dtype = tfDtype(tfName);
    if (!dtype) {
      skipped[name] = `${tfName} is not a numeric tensor`;
      continue;
    }
    if (entry.slices && entry.slices.length > 0) {
      skipped[name] = `a partitioned variable in ${entry.slices.length} slices (not supported yet)`;
      continue;
    }
    const shape = shapeOf(entry.shape);
    const size = entry.size ?? 0;
    const offset = entry.offset ?? 0;
    if (size !== numelOf(shape) * ITEM_SIZE[dtype]) fail(indexPath, `tensor '${name}' of ${tfName} [${shape}] needs ${numelOf(shape) * ITEM_SIZE[dtype]} bytes, its entry says ${size}`);
    const shardId = entry.shard_id ?? 0;
    dtypes[name] = tfName;
    const corrupt = (path: string): never => fail(path, `crc32c mismatch in tensor '${name}' (bytes ${offset}..${offset + size}): the data file is corrupt`);
    // Partial reads check the crc32c from the ranges they read: each range's crc, combined in
    // file order once the ranges cover the tensor, is the tensor's (no second pass over 400 MB).
    // Ranges that overlap (a range read twice) fall back to streaming the tensor once more.
    let verified = entry.crc32c === undefined;
    let pieces: [start: number, bytes: number, crc: number][] = [];
    let covered = 0;
    const check = (source: ByteSource) => {
      pieces.sort((a, b) => a[0] - b[0]);
      const combined = new Crc32cCombiner();
      let end = 0;
      for (const [start, bytes, crc] of pieces) {
        if (start !== end) break;
        combined.append(crc, bytes);
        end = start + bytes;
      }
      const masked = end === size ? maskCrc(combined.crc) : maskedCrc32cOf(source, offset, size);
      pieces = [];
      if (masked !== entry.crc32c! >>> 0) corrupt(source.path);
      verified = true;
    };
    const range =
      !bigEndian && widened(dtype) === dtype
        ? (start: number, _count: number, scratch: Uint8Array) => {
            const source = shard(shardId);
            const bytes = source.readInto(offset + start * ITEM_SIZE[dtype], scratch);
            if (!verified) {
              pieces.push([start * ITEM_SIZE[dtype], bytes.byteLength, crc32c(bytes) >>> 0]);
              covered += bytes.byteLength;
              if (covered >= size) check(source);
            }
            return bytes;
          }
        : undefined;
    tensors.push(
      weightTensor(
        name,
        widened(dtype),
        tfName,
        shape,
        () => {
          const source = shard(shardId);
          const bytes = source.read(offset, size);
          if (entry.crc32c !== undefined && maskedCrc32c(bytes) !== entry.crc32c >>> 0) corrupt(source.path);
          if (bigEndian) swapBytes(bytes, ITEM_SIZE[dtype]);
          return bytesToData(bytes, dtype);
        },
        range,
        {
          // The values in place (mapped by a layout conversion), checked first in one streamed pass.
          fileSpan: range
            ? () => {
                const source = shard(shardId);
                if (!verified) {
                  if (maskedCrc32cOf(source, offset, size) !== entry.crc32c! >>> 0) corrupt(source.path);
                  verified = true;
                }
                return source.fileSpan!(offset)!;
              }
            : undefined,
        },
      ),
    );
  }
  return {
    path: prefix,
    format: 'tf-bundle',
    tensors: new Map(tensors.map((t) => [t.name, t])),
    metadata: { numShards: shards, dtypes, skipped },
    close: () => {
      for (const s of opened.values()) s.close();
    },
  };
}

/** The key prefix of every slice of `name`: OrderedCode WriteNumIncreasing(0), WriteString(name). */
function sliceKeyPrefix(name: string): Uint8Array {
  const bytes: number[] = [0x00];
  for (const b of Buffer.from(name, 'utf8')) {
    if (b === 0x00) bytes.push(0x00, 0xff);
    else if (b === 0xff) bytes.push(0xff, 0x00);
    else bytes.push(b);
  }
  bytes.push(0x00, 0x01);
  return Uint8Array.from(bytes);
}

/** A TensorProto's numbers as little-endian bytes of `dtype`. */
function tensorProtoData(source: ByteSource, start: number, end: number, dtype: DType, numel: number, what: string): Uint8Array {
  const fields = scanFields(source, start, end, 'TensorProto');
  const content = fields.find((f) => f.field === 4);
  if (content) return source.read(content.start, content.end - content.start);
  const fixed = fields.filter((f) => f.field === (dtype === 'float64' ? 6 : 5));
  if ((dtype === 'float32' || dtype === 'float64') && fixed.length > 0) {
    const parts = fixed.map((f) => source.read(f.start, f.end - f.start));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
  // Varint-encoded values: int_val (int32 and narrower), int64_val, bool_val, half_val (16-bit patterns).
  const field = dtype === 'int64' ? 10 : dtype === 'bool' ? 11 : dtype === 'float16' || dtype === 'bfloat16' ? 13 : 7;
  const out = new Uint8Array(numel * ITEM_SIZE[dtype]);
  const view = new DataView(out.buffer);
  let i = 0;
  for (const f of fields.filter((x) => x.field === field)) {
    const reader = protobuf.Reader.create(source.read(f.start, f.end - f.start));
    const packed = f.wire === 2;
    if (packed && reader.len === 0) continue;
    do {
      if (i >= numel) fail(source.path, `${what}: more values than its ${numel} elements`);
      const at = i * ITEM_SIZE[dtype];
      if (dtype === 'int64') view.setBigInt64(at, BigInt(reader.int64().toString()), true);
      else {
        const v = reader.int32();
        if (ITEM_SIZE[dtype] === 4) view.setInt32(at, v, true);
        else if (ITEM_SIZE[dtype] === 2) view.setUint16(at, v & 0xffff, true);
        else view.setUint8(at, v & 0xff);
      }
      i++;
    } while (packed && reader.pos < reader.len);
  }
  if (i !== numel) fail(source.path, `${what}: ${i} values for ${numel} elements`);
  return out;
}

/** Copies a slice (start/length per dimension) into the full tensor's C-order bytes. */
function placeSlice(full: Uint8Array, shape: number[], slice: Uint8Array, starts: number[], lengths: number[], itemSize: number): void {
  const n = numelOf(lengths);
  const dims = shape.length;
  const fullStrides = new Array<number>(dims);
  for (let d = dims - 1, s = 1; d >= 0; d--) {
    fullStrides[d] = s;
    s *= shape[d]!;
  }
  const index = new Array<number>(dims).fill(0);
  const row = lengths[dims - 1] ?? 1;
  for (let i = 0; i < n; i += row) {
    let at = 0;
    for (let d = 0; d < dims; d++) at += (starts[d]! + index[d]!) * fullStrides[d]!;
    full.set(slice.subarray(i * itemSize, (i + row) * itemSize), at * itemSize);
    for (let d = dims - 2; d >= 0; d--) {
      if (++index[d]! < lengths[d]!) break;
      index[d] = 0;
    }
  }
}

/** A V1 checkpoint (one table file of SavedTensorSlices). */
export function readTfV1(source: ByteSource): WeightFile {
  const path = source.path;
  const table = new Table(source);
  const first = table.first();
  if (!first || first.key.length !== 0) fail(path, 'a table without the SavedTensorSliceMeta entry (key "") of a TensorFlow V1 checkpoint');
  const ms = memorySource(path, first!.value);
  const metaSpan = scanFields(ms).find((f) => f.field === 1 && f.wire === 2);
  if (!metaSpan) fail(path, 'the first entry holds no SavedTensorSliceMeta: not a TensorFlow V1 checkpoint');
  const meta = decodeFields<{ tensor?: { name?: string; shape?: ShapeProto; type?: string; slice?: SliceProto[] }[] }>(tfType('SavedTensorSliceMeta'), ms, scanFields(ms, metaSpan!.start, metaSpan!.end));
  const tensors: WeightTensor[] = [];
  const dtypes: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  const sliceType = tfType('TensorSliceProto');
  for (const t of meta.tensor ?? []) {
    const name = t.name ?? '';
    const tfName = t.type ?? 'DT_INVALID';
    const dtype = tfDtype(tfName);
    if (!dtype) {
      skipped[name] = `${tfName} is not a numeric tensor`;
      continue;
    }
    const shape = shapeOf(t.shape);
    dtypes[name] = tfName;
    tensors.push(
      weightTensor(name, widened(dtype), tfName, shape, (): WeightData => {
        const entries = table.withPrefix(sliceKeyPrefix(name));
        const size = ITEM_SIZE[dtype];
        let full: Uint8Array | undefined;
        let covered = 0;
        for (const e of entries) {
          const vs = memorySource(path, e.value);
          const dataSpan = scanFields(vs, 0, vs.size, 'SavedTensorSlices').find((f) => f.field === 2 && f.wire === 2);
          if (!dataSpan) continue;
          const fields = scanFields(vs, dataSpan.start, dataSpan.end, 'SavedSlice');
          const sliceSpan = fields.find((f) => f.field === 2);
          const tensorSpan = fields.find((f) => f.field === 3);
          if (!tensorSpan) fail(path, `slice of '${name}' without data`);
          const slice = sliceSpan ? decodeFields<SliceProto>(sliceType, vs, scanFields(vs, sliceSpan.start, sliceSpan.end)) : {};
          const extents = slice.extent ?? [];
          const starts = shape.map((_, d) => Number(extents[d]?.start ?? 0));
          const lengths = shape.map((s, d) => (extents[d]?.length === undefined ? s : Number(extents[d]!.length)));
          const count = numelOf(lengths);
          const bytes = tensorProtoData(vs, tensorSpan!.start, tensorSpan!.end, dtype, count, `tensor '${name}'`);
          if (bytes.byteLength !== count * size) fail(path, `tensor '${name}': a slice of [${lengths}] holds ${bytes.byteLength / size} values`);
          covered += count;
          if (entries.length === 1 && count === numelOf(shape)) return bytesToData(bytes, dtype);
          full ??= new Uint8Array(numelOf(shape) * size);
          placeSlice(full, shape, bytes, starts, lengths, size);
        }
        if (covered !== numelOf(shape)) fail(path, `tensor '${name}': its slices hold ${covered} of ${numelOf(shape)} values (missing entries: truncated file?)`);
        return bytesToData(full ?? new Uint8Array(0), dtype);
      }),
    );
  }
  return {
    path,
    format: 'tf-v1',
    tensors: new Map(tensors.map((t) => [t.name, t])),
    metadata: { dtypes, skipped },
    close: () => source.close(),
  };
}

/** Whether a table's first entry is a V1 SavedTensorSlices (field 1 a message) rather than a V2 header. */
export function isTfV1Table(source: ByteSource): boolean {
  const first = new Table(source).first();
  if (!first || first.key.length !== 0) return false;
  const fields = scanFields(memorySource(source.path, first.value));
  return fields.some((f) => f.field === 1 && f.wire === 2);
}
