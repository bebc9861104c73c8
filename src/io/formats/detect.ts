// Which reader a file needs, from its content (magic bytes, structure), never its extension.
import { existsSync, statSync } from 'node:fs';
import { looksLikeCaffe, readCaffe } from './caffe.js';
import { readKeras } from './keras.js';
import { readNpyWeights, readNpzWeights } from './numpy.js';
import { readTorchLegacy, readTorchZip } from './pytorch.js';
import { readSafetensorsWeights } from './safetensors.js';
import { type ByteSource, fileSource } from './source.js';
import { hasTableMagic } from './table.js';
import { isTfV1Table, readTfBundle, readTfV1, tfBundlePrefix } from './tensorflow.js';
import { fail, type WeightFile, type WeightFormat } from './types.js';
import { npyHeaderEnd, parseNpyPreamble } from './npy-header.js';
import { listZip } from './zip.js';

const EXPECTED =
  'expected a PyTorch .pth/.pt (torch.save zip or legacy), a Keras .h5, a Caffe .caffemodel, a TensorFlow checkpoint (prefix, .index or .data-*, or a V1 .ckpt), a NumPy .npy/.npz or a safetensors file';

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(head: Uint8Array, magic: readonly number[], at = 0): boolean {
  return magic.every((b, i) => head[at + i] === b);
}

function isSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = Buffer.from(head.buffer, head.byteOffset, 8).readBigUInt64LE(0);
  return n > 1n && n <= BigInt(size - 8) && head[8] === 0x7b; // '{'
}

async function zipFormat(path: string): Promise<WeightFormat> {
  const members = await listZip(path);
  if (members.some((m) => /^[^/]+\/data\.pkl$/.test(m.name))) return 'pytorch-zip';
  if (members.length > 0 && members.every((m) => m.name.endsWith('.npy'))) return 'npz';
  return fail(path, `a zip archive that is neither a torch.save file (<name>/data.pkl) nor an .npz (.npy members): it holds ${members.slice(0, 5).map((m) => m.name).join(', ')}`);
}

/** The format of the weights at `path` (a file, or a TensorFlow checkpoint prefix). */
export async function detectWeightFormat(path: string): Promise<WeightFormat> {
  const prefix = tfBundlePrefix(path);
  if (prefix !== undefined) {
    if (!existsSync(`${prefix}.index`)) fail(path, `a TensorFlow data shard without its index ${prefix}.index`);
    const index = fileSource(`${prefix}.index`);
    try {
      return hasTableMagic(index) && isTfV1Table(index) ? 'tf-v1' : 'tf-bundle';
    } finally {
      index.close();
    }
  }
  if (!existsSync(path)) fail(path, 'no such file (nor a TensorFlow checkpoint prefix with a .index beside it)');
  if (!statSync(path).isFile()) fail(path, `not a file; ${EXPECTED}`);
  const source = fileSource(path);
  try {
    return await detectSource(source);
  } finally {
    source.close();
  }
}

async function detectSource(source: ByteSource): Promise<WeightFormat> {
  const path = source.path;
  const head = source.read(0, Math.min(16, source.size));
  if (source.size === 0) fail(path, `an empty file; ${EXPECTED}`);
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return zipFormat(path);
  if (head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) {
    if (head[2] === 0x8a) return 'pytorch-legacy'; // torch.save's first pickle: the LONG1 magic number
    fail(path, `a Python pickle that is not a torch.save file (no magic number); ${EXPECTED}`);
  }
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) {
    const pre = parseNpyPreamble(source.read(0, Math.min(npyHeaderEnd(head, path), source.size)), path);
    return pre.descr === '|O' || pre.descr === 'O' ? 'npy-pickle' : 'npy';
  }
  if (startsWith(head, HDF5_MAGIC)) return 'keras-h5';
  if (isSafetensors(head, source.size)) return 'safetensors';
  if (hasTableMagic(source)) {
    if (isTfV1Table(source)) return 'tf-v1';
    fail(path, 'a TensorFlow V2 index under another name: pass the checkpoint prefix or its .index file');
  }
  // A NetParameter starts with its name (field 1), V1 layers (2), inputs (3, 4) or V2 layers (100).
  if ([0x0a, 0x12, 0x1a, 0x20, 0x22].includes(head[0]!) || (head[0] === 0xa2 && head[1] === 0x06)) {
    if (looksLikeCaffe(source)) return 'caffe';
    readCaffe(source); // names the defect (a truncated layer, a bad field)
  }
  const bytes = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(path, `unknown weight file format (first bytes ${bytes}); ${EXPECTED}`);
}

/**
 * Opens the weights at `path` in whatever format they are. Names, dtypes and shapes are read
 * now; each tensor's data when it is read. Call close() when done.
 */
export async function openWeights(path: string): Promise<WeightFile> {
  const format = await detectWeightFormat(path);
  switch (format) {
    case 'tf-bundle':
      return readTfBundle(tfBundlePrefix(path) ?? path);
    case 'keras-h5':
      return readKeras(path);
    default:
      break;
  }
  const prefix = tfBundlePrefix(path);
  const source = fileSource(prefix !== undefined ? `${prefix}.index` : path);
  try {
    switch (format) {
      case 'tf-v1':
        return readTfV1(source);
      case 'pytorch-zip':
        return await readTorchZip(source);
      case 'pytorch-legacy':
        return readTorchLegacy(source);
      case 'npy':
      case 'npy-pickle':
        return readNpyWeights(source);
      case 'npz':
        return await readNpzWeights(source);
      case 'safetensors':
        return readSafetensorsWeights(source);
      case 'caffe':
        return readCaffe(source);
    }
  } catch (err) {
    source.close();
    throw err;
  }
}
