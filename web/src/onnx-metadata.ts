// ModelProto.metadata_props (field 14: StringStringEntryProto { key = 1, value = 2 }) read from a
// .onnx file's bytes in the browser with protobufjs' wire reader: the top-level fields are walked
// and all others skipped by their length, so the weights are never touched (the Node side does
// the same in src/onnx/proto.ts, with the schema).
import { Reader } from 'protobufjs/minimal.js';

/** The key/value pairs of an ONNX model's metadata_props. */
export function readMetadataProps(bytes: Uint8Array): Map<string, string> {
  const props = new Map<string, string>();
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 14 || (tag & 7) !== 2) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = reader.uint32() + reader.pos;
    let key = '';
    let value = '';
    while (reader.pos < end) {
      const t = reader.uint32();
      if (t === (1 << 3) + 2) key = reader.string();
      else if (t === (2 << 3) + 2) value = reader.string();
      else reader.skipType(t & 7);
    }
    props.set(key, value);
  }
  return props;
}
