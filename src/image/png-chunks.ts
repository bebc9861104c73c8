// The PNG container as pixelwise checks it before any pixel is decoded: signature, chunk
// lengths and CRCs, the header (so a pixel limit refuses a huge image before anything is
// allocated), palette and transparency. pngjs decodes the pixels afterwards; it reports none of
// these problems by file and value, and applies tRNS and palettes in ways labels cannot use.
import * as zlib from 'node:zlib';
import { checkImagePixels } from './limits.js';

export type PngColorType = 0 | 2 | 3 | 4 | 6;
export type PngBitDepth = 1 | 2 | 4 | 8 | 16;

/** What the IHDR chunk declares. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: PngBitDepth;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: PngColorType;
  /** Samples per pixel: 1 gray or palette index, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  interlaced: boolean;
}

/** A checked PNG file: its header, palette, tRNS and the compressed image data. */
export interface PngChunks {
  header: PngHeader;
  palette?: Uint8Array;
  transparency?: number[];
  idat: Uint8Array[];
}

export const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
export const CHANNELS: Record<PngColorType, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<PngColorType, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_CHUNK = 0x7fffffff;

type Fail = (what: string) => never;

export function failFor(name: string): Fail {
  return (what) => {
    throw new Error(`${name}: ${what}`);
  };
}

/** Whether bytes start with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * The header of a PNG from its first 33 bytes (signature + IHDR), checked; `maxPixels` refuses
 * images larger than that many pixels. Errors name `name` (a path) and the offending value.
 */
export function readPngHeader(bytes: Uint8Array, name = 'PNG data', maxPixels = Infinity): PngHeader {
  const fail = failFor(name);
  if (!isPng(bytes)) {
    fail(`not a PNG file: bad signature (expected bytes 89 50 4E 47 0D 0A 1A 0A, got ${hex(bytes.subarray(0, 8))})`);
  }
  if (bytes.length < 33) fail(`truncated: ${bytes.length} bytes, too short for the IHDR chunk`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR') fail(`first chunk is ${JSON.stringify(type)}, expected IHDR`);
  if (view.getUint32(8) !== 13) fail(`IHDR length ${view.getUint32(8)}, expected 13`);
  const stored = view.getUint32(29);
  const actual = crc32(bytes.subarray(12, 29));
  if (stored !== actual) fail(`CRC mismatch in chunk IHDR at byte 8 (stored ${hex32(stored)}, computed ${hex32(actual)}): the file is corrupt`);
  const h = bytes.subarray(16, 29);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colorType] = [h[8]!, h[9]!];
  if (width === 0 || height === 0 || width > MAX_CHUNK || height > MAX_CHUNK) fail(`invalid size ${height}x${width} (HxW)`);
  if (!(colorType in ALLOWED_DEPTHS)) fail(`unsupported colour type ${colorType} (expected 0, 2, 3, 4 or 6)`);
  const allowed = ALLOWED_DEPTHS[colorType as PngColorType];
  if (!allowed.includes(bitDepth)) fail(`bit depth ${bitDepth} is not allowed for colour type ${colorType} (allowed: ${allowed.join(', ')})`);
  if (h[10] !== 0) fail(`unsupported compression method ${h[10]} (expected 0)`);
  if (h[11] !== 0) fail(`unsupported filter method ${h[11]} (expected 0)`);
  if (h[12]! > 1) fail(`unsupported interlace method ${h[12]} (expected 0 or 1)`);
  checkImagePixels(width, height, name, maxPixels);
  const channels = CHANNELS[colorType as PngColorType];
  return { width, height, bitDepth: bitDepth as PngBitDepth, colorType: colorType as PngColorType, channels, interlaced: h[12] === 1 };
}

/** Walks every chunk (lengths, CRCs, critical chunks, PLTE, tRNS) after checking the header. */
export function readPngChunks(bytes: Uint8Array, name = 'PNG data', maxPixels = Infinity): PngChunks {
  const fail = failFor(name);
  if (isPng(bytes) && bytes.length < 33) fail(pngTail(bytes.length, 8));
  const header = readPngHeader(bytes, name, maxPixels);
  // Bound the output before inflating: a hostile header must not allocate gigabytes.
  const { width, height, channels } = header;
  if (width * height * channels > 2 ** 31) fail(`image ${height}x${width} (HxW) is too large to decode`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PngChunks = { header, idat: [] };
  for (let pos = 8, ended = false; !ended; ) {
    if (pos + 12 > bytes.length) fail(pngTail(bytes.length, pos));
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`corrupt chunk type ${JSON.stringify(type)} at byte ${pos}`);
    if (length > MAX_CHUNK) fail(`chunk ${type} at byte ${pos} declares length ${length}, above the PNG limit 2^31-1`);
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) fail(`truncated chunk ${type} at byte ${pos}: needs ${length + 12} bytes, only ${bytes.length - pos} left`);
    const stored = view.getUint32(end);
    const actual = crc32(bytes.subarray(pos + 4, end));
    if (stored !== actual) fail(`CRC mismatch in chunk ${type} at byte ${pos} (stored ${hex32(stored)}, computed ${hex32(actual)}): the file is corrupt`);
    const data = bytes.subarray(pos + 8, end);
    if (type === 'IHDR' && pos !== 8) fail('more than one IHDR chunk');
    else if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0 || length > 768) fail(`PLTE length ${length} is not 3 x (1..256) entries`);
      // A PLTE in RGB images is only a display suggestion; labels need it for type 3 alone.
      if (header.colorType === 3) out.palette = data.slice();
    } else if (type === 'tRNS') out.transparency = parseTransparency(data, header.colorType, fail);
    else if (type === 'IDAT') out.idat.push(data);
    else if (type === 'IEND') ended = true;
    // Bit 5 of the first letter clear (uppercase) marks a chunk a decoder must understand.
    else if (type !== 'IHDR' && (bytes[pos + 4]! & 0x20) === 0) fail(`unsupported critical chunk ${type}`);
    pos = end + 4;
  }
  if (header.colorType === 3 && !out.palette) fail('palette image (colour type 3) has no PLTE chunk');
  if (out.idat.length === 0) fail('no IDAT chunk: the file holds no image data');
  return out;
}

function pngTail(length: number, pos: number): string {
  return pos === length ? 'truncated: the file ends before the IEND chunk' : `truncated: incomplete chunk header at byte ${pos} of ${length}`;
}

function parseTransparency(chunk: Uint8Array, colorType: PngColorType, fail: Fail): number[] | undefined {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  switch (colorType) {
    case 3:
      if (chunk.length > 256) fail(`tRNS has ${chunk.length} alpha entries, more than 256`);
      return Array.from(chunk);
    case 0:
      if (chunk.length !== 2) fail(`tRNS length ${chunk.length} for a gray image, expected 2`);
      return [view.getUint16(0)];
    case 2:
      if (chunk.length !== 6) fail(`tRNS length ${chunk.length} for an RGB image, expected 6`);
      return [view.getUint16(0), view.getUint16(2), view.getUint16(4)];
    default:
      // Images with an alpha channel must not carry tRNS; libpng ignores it, so do we.
      return undefined;
  }
}

/** One chunk as bytes: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The 13 IHDR bytes for a header (no interlacing). */
export function ihdrBytes(width: number, height: number, bitDepth: number, colorType: PngColorType): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return ihdr;
}

// zlib.crc32 exists from Node 20.15; older 20.x get the table version.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG and gzip use) of bytes, continuing from `previous`. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (nativeCrc32) return nativeCrc32(bytes, previous) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~previous;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ') || '(nothing)';
}

function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}
