// Keras HDF5 weights through h5wasm (HDF5's C library compiled to wasm, inside the npm
// package). Weights-only files (`save_weights`, the keras-applications downloads) keep the
// layers in the root attribute `layer_names` and each layer's weights in its group's
// `weight_names` (Keras 1: `block1_conv1_W_1:0`; Keras 2: `block1_conv1/kernel:0`); whole-model
// files (`model.save`) hold the same under `model_weights/` plus the model's JSON config.
// Long attribute lists are split by Keras into `layer_names0`, `layer_names1`, ...
// Tensor names are dataset paths below the weights group: `<layer>/<weight name>`.
import type { DType } from '../../torch/dtype.js';
import { contiguousOffset, readSuperblock, referenceAddress } from './hdf5-layout.js';
import { type ByteSource, fileSource } from './source.js';
import { bytesToData, fail, ITEM_SIZE, numelOf, weightTensor, widened, type WeightData, type WeightFile, type WeightLayer, type WeightTensor } from './types.js';

type H5 = typeof import('h5wasm/node');
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let h5: Promise<H5> | undefined;
async function h5wasm(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5;
}

function attrText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
}

function attrList(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => attrText(x) ?? String(x));
  const single = attrText(v);
  if (single !== undefined) return [single];
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length === 0) return []; // Keras writes an empty float array for no weights
  return [String(v)];
}

/** An attribute Keras may have split into name0, name1, ... */
function keraslist(group: H5Group, name: string): string[] | undefined {
  const attrs = group.attrs;
  if (name in attrs) return attrList(attrs[name]!.value);
  if (!(`${name}0` in attrs)) return undefined;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in attrs; i++) out.push(...attrList(attrs[`${name}${i}`]!.value));
  return out;
}

function datasetDtype(d: H5Dataset, path: string, name: string): DType {
  const m = d.metadata;
  if (!m.littleEndian && m.size > 1) fail(path, `dataset '${name}' is big-endian (expected little-endian numbers)`);
  if (m.type === 1) {
    if (m.size === 4) return 'float32';
    if (m.size === 8) return 'float64';
    if (m.size === 2) return 'float16';
  } else if (m.type === 0) {
    const t = ({ 1: m.signed ? 'int8' : 'uint8', 2: 'int16', 4: 'int32', 8: 'int64' } as Record<number, DType>)[m.size];
    if (t && (m.signed || m.size === 1)) return t;
  }
  return fail(path, `dataset '${name}' has an HDF5 type (class ${m.type}, ${m.size} bytes) that is not a float or signed integer`);
}

function toData(value: unknown, dtype: DType, count: number, path: string, name: string): WeightData {
  const ok =
    (dtype === 'float32' && value instanceof Float32Array) ||
    (dtype === 'float64' && value instanceof Float64Array) ||
    (dtype === 'int64' && value instanceof BigInt64Array) ||
    (dtype === 'int32' && value instanceof Int32Array) ||
    (dtype === 'int16' && value instanceof Int16Array) ||
    (dtype === 'int8' && value instanceof Int8Array) ||
    (dtype === 'uint8' && value instanceof Uint8Array);
  if (dtype === 'float16' && value instanceof Uint16Array) {
    const out = new Float32Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const h = value[i]!;
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      const s = h & 0x8000 ? -1 : 1;
      out[i] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
    }
    return out;
  }
  if (dtype === 'float16' && value instanceof Float32Array) return value;
  if (!ok) fail(path, `dataset '${name}' read as ${(value as object)?.constructor?.name ?? typeof value}, expected ${dtype} numbers`);
  const data = value as WeightData;
  if (data.length !== count) fail(path, `dataset '${name}' holds ${data.length} values, its shape ${count}`);
  return data;
}

function layerTypes(config: unknown): Record<string, string> {
  const types: Record<string, string> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const cfg = o.config as Record<string, unknown> | undefined;
      if (typeof o.class_name === 'string' && cfg && typeof cfg.name === 'string') types[cfg.name] = o.class_name;
      for (const v of Object.values(o)) visit(v);
    }
  };
  visit(config);
  return types;
}

/** h5wasm's own errors, as one line naming the file. */
function guard(path: string, what: string, fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (message.startsWith(path)) throw err;
    return fail(path, `HDF5 error while ${what} (corrupt or truncated file?): ${message.split('\n')[0]}`);
  }
}

/** Whether contiguous datasets are read straight from the file (the tests turn it off to run the same files through h5wasm). */
export const HDF5_DIRECT = { enabled: true };

/** Reads a Keras .h5 (weights-only or whole model). */
export async function readKeras(path: string): Promise<WeightFile> {
  const lib = await h5wasm();
  const raw = fileSource(path);
  let superblock: ReturnType<typeof readSuperblock>;
  let file: InstanceType<H5['File']>;
  try {
    superblock = readSuperblock(raw);
    // Said here, before h5wasm meets the cut file with an error of its own.
    if (superblock && superblock.eof > raw.size) fail(path, `truncated HDF5 file: its superblock says ${superblock.eof} bytes, the file has ${raw.size}`);
    file = guard(path, 'opening it', () => new lib.File(path, 'r')) as InstanceType<H5['File']>;
  } catch (err) {
    raw.close();
    throw err;
  }
  let ok = false;
  try {
    const rootNames = keraslist(file, 'layer_names');
    const mw = rootNames ? undefined : file.get('model_weights');
    const weights: H5Group | undefined = rootNames ? file : mw instanceof lib.Group ? mw : undefined;
    if (!weights) {
      const keras3 = file.get('layers') instanceof lib.Group;
      fail(path, keras3 ? 'a Keras 3 .weights.h5 (layers/<name>/vars) - expected the Keras 1/2 layout with layer_names' : 'an HDF5 file without Keras weights (expected a layer_names attribute at the root or in model_weights/)');
    }
    const layerNames = keraslist(weights!, 'layer_names') ?? [];
    const metadata: Record<string, unknown> = {};
    for (const key of ['keras_version', 'backend']) {
      const v = file.attrs[key]?.value ?? weights!.attrs[key]?.value;
      if (v !== undefined) metadata[key] = attrText(v) ?? v;
    }
    const configText = attrText(file.attrs['model_config']?.value);
    let types: Record<string, string> = {};
    if (configText) {
      try {
        metadata.modelConfig = JSON.parse(configText);
        types = layerTypes(metadata.modelConfig);
      } catch {
        metadata.modelConfig = configText;
      }
    }
    metadata.wholeModel = weights !== file;
    const layers: WeightLayer[] = [];
    const tensors: WeightTensor[] = [];
    for (const layer of layerNames) {
      const group = weights!.get(layer);
      if (!(group instanceof lib.Group)) fail(path, `layer '${layer}' is listed in layer_names but has no group`);
      const names: string[] = [];
      for (const w of keraslist(group as H5Group, 'weight_names') ?? []) {
        const d = (group as H5Group).get(w);
        const name = `${layer}/${w}`;
        if (!(d instanceof lib.Dataset)) fail(path, `weight '${name}' is listed in weight_names but has no dataset`);
        const ds = d as H5Dataset;
        const dtype = datasetDtype(ds, path, name);
        const shape = ds.shape ?? [];
        const direct = HDF5_DIRECT.enabled && superblock && shape.length > 0 && widened(dtype) === dtype ? directOffset(raw, superblock, ds, dtype, shape, path, name) : null;
        if (direct !== null) {
          // Contiguous and unfiltered: the values are the file's bytes at `direct`, read straight into the caller's buffer.
          const source = raw;
          const size = ITEM_SIZE[dtype];
          tensors.push(
            weightTensor(name, widened(dtype), `${dtype} (HDF5)`, shape, () => bytesToData(source.read(direct, numelOf(shape) * size), dtype), (start, count, scratch) => source.readInto(direct + start * size, scratch), { fileSpan: { path, offset: direct } }),
          );
          names.push(name);
          continue;
        }
        // Row ranges through HDF5 hyperslabs keep the wasm heap small for a 400 MB layer.
        const row = shape.length > 0 && shape[0]! > 0 ? numelOf(shape) / shape[0]! : 1;
        const range =
          shape.length > 0 && widened(dtype) === dtype
            ? (start: number, count: number) => {
                const rows = guard(path, `reading '${name}'`, () => ds.slice([[start / row, (start + count) / row]]));
                const data = toData(rows, dtype, count, path, name);
                return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
              }
            : undefined;
        // Strided rows in one hyperslab: a layout conversion gathers every kh*kw position of one input channel of a Dense kernel.
        const rowsStrided = range
          ? (start: number, step: number, rows: number) =>
              toData(guard(path, `reading '${name}'`, () => ds.slice([[start, start + (rows - 1) * step + 1, step]])), dtype, rows * row, path, name)
          : undefined;
        tensors.push(
          weightTensor(name, widened(dtype), `${dtype} (HDF5)`, shape, () => toData(guard(path, `reading '${name}'`, () => ds.value), dtype, numelOf(shape), path, name), range, { rowsOnly: true, rowsStrided }),
        );
        names.push(name);
      }
      layers.push({ name: layer, type: types[layer], tensors: names });
    }
    ok = true;
    return {
      path,
      format: 'keras-h5',
      tensors: new Map(tensors.map((t) => [t.name, t])),
      layers,
      metadata,
      close: () => {
        file.close();
        raw.close();
      },
    };
  } catch (err) {
    guard(path, 'reading its layout', () => {
      throw err;
    });
    throw err;
  } finally {
    if (!ok) {
      file.close();
      raw.close();
    }
  }
}

/**
 * The file offset of a dataset's values when they can be read straight from the file (one
 * contiguous, unfiltered run), else null. Its first few values are compared with h5wasm's
 * read of them (the run's size is the layout message's, checked against the shape), so a
 * header this parser misreads falls back to h5wasm instead of loading wrong values.
 */
function directOffset(raw: ByteSource, superblock: NonNullable<ReturnType<typeof readSuperblock>>, ds: H5Dataset, dtype: DType, shape: number[], path: string, name: string): number | null {
  if (ds.metadata.chunks) return null;
  const size = ITEM_SIZE[dtype];
  const numel = numelOf(shape);
  if (numel === 0) return null;
  const address = referenceAddress(ds.create_reference().ref_data);
  const offset = address === null ? null : contiguousOffset(raw, superblock, address, numel * size);
  if (offset === null) return null;
  // The first k values of the first row of the last dimension (each h5wasm read opens the dataset by path again: one, not more).
  const k = Math.min(16, shape[shape.length - 1]!);
  const ranges = shape.map((_, i): [number, number] => [0, i === shape.length - 1 ? k : 1]);
  const got = toData(guard(path, `reading '${name}'`, () => ds.slice(ranges)), dtype, k, path, name);
  if (!Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(raw.read(offset, k * size))) return null;
  return offset;
}
