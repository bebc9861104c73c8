// Caffe .caffemodel: a NetParameter protocol buffer. Layers are V2 `layer` (field 100, string
// types) or legacy V1 `layers` (field 2, enum types; a V0 layer may sit inside as field 1).
// Each layer's blobs are its tensors: `<layer>/<index>` (0 weights, 1 bias). A blob's shape
// is BlobShape when present, else the legacy 4-d (num, channels, height, width) exactly as
// stored - Caffe's own loader also matches legacy blobs to a layer by element count.
import type protobuf from 'protobufjs';
import { CAFFE_PROTO } from './caffe-proto.js';
import { decodeFields, type FieldSpan, loadProto, packedBytes, scanFields } from './proto-lazy.js';
import type { ByteSource } from './source.js';
import { bytesToData, fail, numelOf, weightTensor, type WeightFile, type WeightLayer, type WeightTensor } from './types.js';

let types: { layer: protobuf.Type; v1: protobuf.Type; v0: protobuf.Type; blob: protobuf.Type; net: protobuf.Type } | undefined;
function protoTypes() {
  if (!types) {
    const root = loadProto(CAFFE_PROTO);
    types = {
      net: root.lookupType('caffe.NetParameter'),
      layer: root.lookupType('caffe.LayerParameter'),
      v1: root.lookupType('caffe.V1LayerParameter'),
      v0: root.lookupType('caffe.V0LayerParameter'),
      blob: root.lookupType('caffe.BlobProto'),
    };
  }
  return types;
}

// V1 enum names -> the V2 type strings (Caffe's UpgradeV1LayerType).
const V1_TYPES: Record<string, string> = {
  ABSVAL: 'AbsVal', ACCURACY: 'Accuracy', ARGMAX: 'ArgMax', BNLL: 'BNLL', CONCAT: 'Concat',
  CONTRASTIVE_LOSS: 'ContrastiveLoss', CONVOLUTION: 'Convolution', DATA: 'Data', DECONVOLUTION: 'Deconvolution',
  DROPOUT: 'Dropout', DUMMY_DATA: 'DummyData', EUCLIDEAN_LOSS: 'EuclideanLoss', ELTWISE: 'Eltwise', EXP: 'Exp',
  FLATTEN: 'Flatten', HDF5_DATA: 'HDF5Data', HDF5_OUTPUT: 'HDF5Output', HINGE_LOSS: 'HingeLoss', IM2COL: 'Im2col',
  IMAGE_DATA: 'ImageData', INFOGAIN_LOSS: 'InfogainLoss', INNER_PRODUCT: 'InnerProduct', LRN: 'LRN',
  MEMORY_DATA: 'MemoryData', MULTINOMIAL_LOGISTIC_LOSS: 'MultinomialLogisticLoss', MVN: 'MVN', POOLING: 'Pooling',
  POWER: 'Power', RELU: 'ReLU', SIGMOID: 'Sigmoid', SIGMOID_CROSS_ENTROPY_LOSS: 'SigmoidCrossEntropyLoss',
  SILENCE: 'Silence', SOFTMAX: 'Softmax', SOFTMAX_LOSS: 'SoftmaxWithLoss', SPLIT: 'Split', SLICE: 'Slice',
  TANH: 'TanH', WINDOW_DATA: 'WindowData', THRESHOLD: 'Threshold',
};

const BIG_BLOB_FIELDS = new Set([5, 6, 8, 9]); // data, diff, double_data, double_diff

function blobTensor(source: ByteSource, span: FieldSpan, name: string): WeightTensor {
  const path = source.path;
  const fields = scanFields(source, span.start, span.end, 'Caffe BlobProto');
  const small = decodeFields<{ shape?: { dim?: number[] }; num?: number; channels?: number; height?: number; width?: number }>(
    protoTypes().blob,
    source,
    fields.filter((f) => !BIG_BLOB_FIELDS.has(f.field)),
  );
  const shape = small.shape ? (small.shape.dim ?? []).map(Number) : [small.num ?? 0, small.channels ?? 0, small.height ?? 0, small.width ?? 0].map(Number);
  const numel = numelOf(shape);
  const floats = fields.filter((f) => f.field === 5);
  const doubles = fields.filter((f) => f.field === 8);
  const [spans, width] = floats.length > 0 ? ([floats, 4] as const) : ([doubles, 8] as const);
  const bytes = spans.reduce((n, s) => n + (s.end - s.start), 0);
  if (bytes !== numel * width) {
    fail(path, `blob '${name}' has shape [${shape}] (${numel} values) but holds ${bytes / width} ${width === 4 ? 'float' : 'double'} values${bytes === 0 ? ' (no data: a net definition rather than trained weights?)' : ''}`);
  }
  const dtype = width === 4 ? 'float32' : 'float64';
  const single = spans.length === 1 && spans[0]!.wire === 2 ? spans[0]! : undefined;
  const range = single && ((start: number, _count: number, scratch: Uint8Array) => source.readInto(single.start + start * width, scratch));
  return weightTensor(name, dtype, width === 4 ? 'float' : 'double', shape, () => bytesToData(packedBytes(source, spans, width), dtype), range);
}

/** Reads a .caffemodel (names, types, shapes now; the float data when each tensor is read). */
export function readCaffe(source: ByteSource): WeightFile {
  const { net, layer: v2, v1, v0 } = protoTypes();
  const top = scanFields(source, 0, source.size, 'Caffe NetParameter');
  const netInfo = decodeFields<{ name?: string }>(net, source, top.filter((f) => f.field !== 100 && f.field !== 2));
  const layers: WeightLayer[] = [];
  const tensors: WeightTensor[] = [];
  const params: Record<string, unknown> = {};
  const addLayer = (type: protobuf.Type, span: FieldSpan, blobField: number, version: string): void => {
    const fields = scanFields(source, span.start, span.end, `Caffe ${type.name}`);
    const info = decodeFields<Record<string, unknown>>(type, source, fields.filter((f) => f.field !== blobField && !(version === 'V1' && f.field === 1)));
    const nested = version === 'V1' ? fields.find((f) => f.field === 1 && f.wire === 2) : undefined;
    if (nested) return addLayer(v0, nested, 50, 'V0');
    const name = String(info.name ?? `layer${layers.length}`);
    const rawType = info.type as string | undefined;
    const layerType = version === 'V1' ? (V1_TYPES[rawType ?? ''] ?? rawType) : rawType;
    const names: string[] = [];
    for (const blob of fields.filter((f) => f.field === blobField)) {
      const tensorName = `${name}/${names.length}`;
      tensors.push(blobTensor(source, blob, tensorName));
      names.push(tensorName);
    }
    if (names.length === 0) return;
    layers.push({ name, type: layerType, tensors: names });
    const { name: _n, type: _t, blobs: _b, ...rest } = info;
    params[name] = rest;
  };
  let version: string | undefined;
  for (const f of top) {
    if (f.field === 100 && f.wire === 2) addLayer(v2, f, 7, (version = 'V2'));
    else if (f.field === 2 && f.wire === 2) addLayer(v1, f, 6, (version ??= 'V1'));
  }
  if (version === undefined) fail(source.path, 'a protocol buffer without Caffe layers (expected a NetParameter with `layer` or `layers`)');
  if (tensors.length === 0) fail(source.path, 'a Caffe net without weights (a .prototxt compiled to binary rather than a trained .caffemodel?)');
  return {
    path: source.path,
    format: 'caffe',
    tensors: new Map(tensors.map((t) => [t.name, t])),
    layers,
    metadata: { netName: netInfo.name ?? '', layerVersion: version, layerParams: params },
    close: () => source.close(),
  };
}

/** Whether the start of a file walks as a NetParameter (Caffe files have no magic bytes). */
export function looksLikeCaffe(source: ByteSource): boolean {
  try {
    const top = scanFields(source, 0, source.size, 'Caffe NetParameter');
    return top.some((f) => (f.field === 100 || f.field === 2) && f.wire === 2) && top.every((f) => [1, 2, 3, 4, 5, 6, 7, 8, 100].includes(f.field));
  } catch {
    return false;
  }
}
