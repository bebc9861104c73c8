// The TensorFlow messages a checkpoint reader needs, with upstream field numbers:
// tensorflow/core/framework/{types,tensor_shape,tensor_slice,tensor,versions}.proto,
// tensorflow/core/protobuf/tensor_bundle.proto (V2 .index values) and
// tensorflow/core/util/saved_tensor_slice.proto (V1 checkpoint values). The fixture script
// (scripts/fixtures/weights_tf.py) compiles this same text with protoc to write its files.
export const TF_PROTO = `
syntax = "proto3";
package tensorflow;

enum DataType {
  DT_INVALID = 0; DT_FLOAT = 1; DT_DOUBLE = 2; DT_INT32 = 3; DT_UINT8 = 4; DT_INT16 = 5; DT_INT8 = 6;
  DT_STRING = 7; DT_COMPLEX64 = 8; DT_INT64 = 9; DT_BOOL = 10; DT_QINT8 = 11; DT_QUINT8 = 12;
  DT_QINT32 = 13; DT_BFLOAT16 = 14; DT_QINT16 = 15; DT_QUINT16 = 16; DT_UINT16 = 17; DT_COMPLEX128 = 18;
  DT_HALF = 19; DT_RESOURCE = 20; DT_VARIANT = 21; DT_UINT32 = 22; DT_UINT64 = 23;
  DT_FLOAT_REF = 101; DT_DOUBLE_REF = 102; DT_INT32_REF = 103; DT_UINT8_REF = 104; DT_INT16_REF = 105;
  DT_INT8_REF = 106; DT_STRING_REF = 107; DT_INT64_REF = 109; DT_BOOL_REF = 110; DT_BFLOAT16_REF = 114;
  DT_HALF_REF = 119;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorSliceProto {
  message Extent {
    int64 start = 1;
    oneof has_length {
      int64 length = 2;
    }
  }
  repeated Extent extent = 1;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
  repeated int32 bad_consumers = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
}

message BundleHeaderProto {
  int32 num_shards = 1;
  enum Endianness {
    LITTLE = 0;
    BIG = 1;
  }
  Endianness endianness = 2;
  VersionDef version = 3;
}

message BundleEntryProto {
  DataType dtype = 1;
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}

message SavedSliceMeta {
  string name = 1;
  TensorShapeProto shape = 2;
  DataType type = 3;
  repeated TensorSliceProto slice = 4;
}

message SavedTensorSliceMeta {
  repeated SavedSliceMeta tensor = 1;
  VersionDef versions = 2;
}

message SavedSlice {
  string name = 1;
  TensorSliceProto slice = 2;
  TensorProto data = 3;
}

message SavedTensorSlices {
  SavedTensorSliceMeta meta = 1;
  SavedSlice data = 2;
}
`;
