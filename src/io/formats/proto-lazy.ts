// Protocol buffers too large to decode whole: a .caffemodel or a TF-slim V1 value holds
// hundreds of MB of packed floats. The wire format is walked by position (protobufjs' Reader
// for varints); protobufjs decodes every small field, and the big packed arrays stay byte
// ranges in the file, read when a tensor is asked for.
import protobuf from 'protobufjs';
import { type ByteSource, Cursor } from './source.js';
import { fail } from './types.js';

/** One field of a message as it sits in the source. */
export interface FieldSpan {
  field: number;
  wire: number;
  /** Where the tag starts (so the field can be handed to protobufjs as is). */
  tagStart: number;
  /** The value's bytes: the payload for length-delimited fields, the raw bytes otherwise. */
  start: number;
  end: number;
}

function varint(cursor: Cursor, what: string): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    const b = cursor.u8(what);
    if (shift < 49) result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
  return fail(cursor.source.path, `corrupt protocol buffer: a varint longer than 10 bytes at offset ${cursor.pos}`);
}

/** The fields of the message in source[start, end), checked against its bounds. */
export function scanFields(source: ByteSource, start = 0, end = source.size, what = 'protocol buffer'): FieldSpan[] {
  const cursor = new Cursor(source, start, end);
  const spans: FieldSpan[] = [];
  while (cursor.pos < end) {
    const tagStart = cursor.pos;
    const tag = varint(cursor, what);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) fail(source.path, `not a ${what}: field number 0 at offset ${tagStart}`);
    let valueStart = cursor.pos;
    switch (wire) {
      case 0:
        varint(cursor, what);
        break;
      case 1:
        cursor.skip(8, what);
        break;
      case 2: {
        const n = varint(cursor, what);
        valueStart = cursor.pos;
        if (n > end - cursor.pos) fail(source.path, `truncated ${what}: field ${field} at offset ${tagStart} declares ${n} bytes, ${end - cursor.pos} remain`);
        cursor.skip(n, what);
        break;
      }
      case 5:
        cursor.skip(4, what);
        break;
      default:
        fail(source.path, `not a ${what}: wire type ${wire} of field ${field} at offset ${tagStart}`);
    }
    spans.push({ field, wire, tagStart, start: valueStart, end: cursor.pos });
  }
  return spans;
}

/** Decodes the given fields (tag and value as stored) with protobufjs. */
export function decodeFields<T = Record<string, unknown>>(type: protobuf.Type, source: ByteSource, spans: readonly FieldSpan[]): T {
  const total = spans.reduce((n, s) => n + (s.end - s.tagStart), 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const s of spans) {
    bytes.set(source.read(s.tagStart, s.end - s.tagStart), at);
    at += s.end - s.tagStart;
  }
  try {
    return type.toObject(type.decode(bytes), { longs: Number, enums: String, defaults: false, arrays: true }) as T;
  } catch (err) {
    return fail(source.path, `corrupt ${type.name}: ${(err as Error).message}`);
  }
}

/** The values of a packed (or, in old writers, repeated unpacked) fixed-width field as bytes. */
export function packedBytes(source: ByteSource, spans: readonly FieldSpan[], width: 4 | 8): Uint8Array {
  if (spans.length === 1 && spans[0]!.wire === 2) return source.read(spans[0]!.start, spans[0]!.end - spans[0]!.start);
  const parts = spans.map((s) => {
    if (s.wire !== 2 && s.wire !== (width === 4 ? 5 : 1)) fail(source.path, `field ${s.field} has wire type ${s.wire}, expected packed or fixed${width * 8}`);
    return source.read(s.start, s.end - s.start);
  });
  return Buffer.concat(parts);
}

export function loadProto(text: string): protobuf.Root {
  return protobuf.parse(text, { keepCase: true }).root;
}
