// ONNX's protobuf messages, encoded and decoded by protobufjs from the committed subset of
// onnx.proto (src/onnx/onnx.proto, shipped with the package and read once at first use).
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** TensorProto.DataType values pixelwise uses. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  doc_string?: string;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
}

export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: DimensionProto[] } } };
  doc_string?: string;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: { key: string; value: string }[];
}

/** Where the schema lies in the package: dist/src/onnx/proto.js -> src/onnx/onnx.proto. */
export const ONNX_PROTO_PATH = fileURLToPath(new URL('../../../src/onnx/onnx.proto', import.meta.url));

let root: protobuf.Root | null = null;

function schema(name = 'onnx.ModelProto'): protobuf.Type {
  // keepCase: the fields keep ONNX's snake_case names, as in the interfaces above.
  root ??= new protobuf.Root().loadSync(ONNX_PROTO_PATH, { keepCase: true });
  return root.lookupType(name);
}

/** The serialized bytes of an ONNX model (what a .onnx file holds). */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = schema();
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX model does not fit the schema: ${problem}`);
  return type.encode(model).finish();
}

/** A .onnx file's bytes as plain objects (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = schema();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, arrays: true, defaults: false }) as ModelProto;
}

/**
 * A .onnx file's metadata_props without decoding its graph: the top-level fields are walked and
 * every field other than metadata_props (14) skipped by its length, so the weights are never
 * copied or parsed.
 */
export function decodeMetadataProps(bytes: Uint8Array): { key: string; value: string }[] {
  const entry = schema('onnx.StringStringEntryProto');
  const reader = protobuf.Reader.create(bytes);
  const props: { key: string; value: string }[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 14 && (tag & 7) === 2) {
      const e = entry.toObject(entry.decode(reader, reader.uint32()), { defaults: true }) as { key: string; value: string };
      props.push({ key: e.key, value: e.value });
    } else {
      reader.skipType(tag & 7);
    }
  }
  return props;
}
