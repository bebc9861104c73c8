// Our own PNG codec: segmentation labels must come back exactly (palette indices, raw gray
// values), and image libraries such as sharp turn palettes into colours.
import * as zlib from 'node:zlib';
import type { RawImage } from './types.js';

export type PngColorType = 0 | 2 | 3 | 4 | 6;
export type PngBitDepth = 1 | 2 | 4 | 8 | 16;

/** A decoded PNG: samples exactly as stored, nothing converted. */
export interface DecodedPng {
  width: number;
  height: number;
  /** Samples per pixel: 1 gray or palette index, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  bitDepth: PngBitDepth;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: PngColorType;
  interlaced: boolean;
  /**
   * One element per sample, row-major and interleaved: data[(y * width + x) * channels + c].
   * Raw values: depths below 8 are not rescaled (a 1-bit image holds 0 and 1, a 4-bit one
   * 0..15) and 16-bit images come as a Uint16Array of 0..65535.
   */
  data: Uint8Array | Uint16Array;
  /** Colour type 3 only: the PLTE chunk as RGB triples (length = 3 * entries). */
  palette?: Uint8Array;
  /**
   * The tRNS chunk. Palette images: one alpha per palette entry (may be shorter than the
   * palette; missing entries are opaque). Gray: [key]; RGB: [r, g, b] — the colour drawn fully
   * transparent, in the image's raw sample scale.
   */
  transparency?: number[];
}

/** Pixels encodePng accepts: 8-bit RawImage, or 16-bit samples in a Uint16Array. */
export interface PngPixels {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint16Array;
}

/** A palette as flat RGB triples [r0, g0, b0, r1, ...] or as a list of [r, g, b] colours. */
export type PaletteLike = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

export interface PngEncodeOptions {
  /** Writes an indexed PNG (colour type 3): the image must have 1 channel of indices into it. */
  palette?: PaletteLike;
  /** Alpha per palette entry (a tRNS chunk), e.g. to make class 0 transparent in an overlay. */
  paletteAlpha?: ArrayLike<number>;
  /** zlib level 0..9; default 6, as libpng and PIL (on photos 9 saved under 1% and took 3x longer). */
  level?: number;
}

const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
const CHANNELS: Record<PngColorType, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<PngColorType, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
// Adam7 passes as [x0, y0, dx, dy].
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const MAX_CHUNK = 0x7fffffff;

/** Whether bytes start with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/** Decodes a PNG file's bytes; `name` (a path) goes into every error message. */
export function decodePng(bytes: Uint8Array, name = 'PNG data'): DecodedPng {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  if (!isPng(bytes)) {
    fail(`not a PNG file: bad signature (expected bytes 89 50 4E 47 0D 0A 1A 0A, got ${hex(bytes.subarray(0, 8))})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: { width: number; height: number; bitDepth: PngBitDepth; colorType: PngColorType; interlaced: boolean } | undefined;
  let palette: Uint8Array | undefined;
  let transparency: number[] | undefined;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) {
      fail(pos === bytes.length ? 'truncated: the file ends before the IEND chunk' : `truncated: incomplete chunk header at byte ${pos} of ${bytes.length}`);
    }
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`corrupt chunk type ${JSON.stringify(type)} at byte ${pos}`);
    if (length > MAX_CHUNK) fail(`chunk ${type} at byte ${pos} declares length ${length}, above the PNG limit 2^31-1`);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) {
      fail(`truncated chunk ${type} at byte ${pos}: needs ${length + 12} bytes, only ${bytes.length - pos} left`);
    }
    const stored = view.getUint32(dataEnd);
    const actual = crc32(bytes.subarray(pos + 4, dataEnd));
    if (stored !== actual) {
      fail(`CRC mismatch in chunk ${type} at byte ${pos} (stored ${hex32(stored)}, computed ${hex32(actual)}): the file is corrupt`);
    }
    const chunk = bytes.subarray(dataStart, dataEnd);
    if (!header && type !== 'IHDR') fail(`first chunk is ${type}, expected IHDR`);
    switch (type) {
      case 'IHDR':
        if (header) fail('more than one IHDR chunk');
        header = parseHeader(chunk, fail);
        break;
      case 'PLTE':
        if (length === 0 || length % 3 !== 0 || length > 768) fail(`PLTE length ${length} is not 3 x (1..256) entries`);
        // A PLTE in RGB images is only a display suggestion; labels need it for type 3 alone.
        if (header!.colorType === 3) palette = chunk.slice();
        break;
      case 'tRNS':
        transparency = parseTransparency(chunk, header!, fail);
        break;
      case 'IDAT':
        idat.push(chunk);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // Bit 5 of the first letter clear (uppercase) marks a chunk a decoder must understand.
        if ((bytes[pos + 4]! & 0x20) === 0) fail(`unsupported critical chunk ${type}`);
    }
    pos = dataEnd + 4;
  }
  const { width, height, bitDepth, colorType, interlaced } = header!;
  if (colorType === 3 && !palette) fail('palette image (colour type 3) has no PLTE chunk');
  if (idat.length === 0) fail('no IDAT chunk: the file holds no image data');
  const channels = CHANNELS[colorType];
  const passes = interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * channels * bitDepth) / 8));
  }
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch (e) {
    return fail(`corrupt image data (zlib: ${(e as Error).message})`);
  }
  if (raw.length < expected) fail(`truncated image data: ${raw.length} bytes after inflating, expected ${expected}`);

  const samples = width * height * channels;
  const data = bitDepth === 16 ? new Uint16Array(samples) : new Uint8Array(samples);
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * channels * bitDepth) / 8);
    unfilter(raw, offset, ph, rowBytes, bpp, fail);
    unpack(raw, offset, rowBytes, pw, ph, channels, bitDepth, data, width, x0, y0, dx, dy);
    offset += ph * (rowBytes + 1);
  }
  const result: DecodedPng = { width, height, channels, bitDepth, colorType, interlaced, data };
  if (palette) result.palette = palette;
  if (transparency) result.transparency = transparency;
  return result;
}

function parseHeader(chunk: Uint8Array, fail: (what: string) => never) {
  if (chunk.length !== 13) fail(`IHDR length ${chunk.length}, expected 13`);
  const view = new DataView(chunk.buffer, chunk.byteOffset, 13);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const bitDepth = chunk[8]!;
  const colorType = chunk[9]!;
  if (width === 0 || height === 0 || width > MAX_CHUNK || height > MAX_CHUNK) fail(`invalid size ${width}x${height}`);
  if (!(colorType in ALLOWED_DEPTHS)) fail(`unsupported colour type ${colorType} (expected 0, 2, 3, 4 or 6)`);
  if (!ALLOWED_DEPTHS[colorType as PngColorType].includes(bitDepth)) {
    fail(`bit depth ${bitDepth} is not allowed for colour type ${colorType} (allowed: ${ALLOWED_DEPTHS[colorType as PngColorType].join(', ')})`);
  }
  if (chunk[10] !== 0) fail(`unsupported compression method ${chunk[10]} (expected 0)`);
  if (chunk[11] !== 0) fail(`unsupported filter method ${chunk[11]} (expected 0)`);
  if (chunk[12]! > 1) fail(`unsupported interlace method ${chunk[12]} (expected 0 or 1)`);
  // Bound the output before inflating: a hostile header must not allocate gigabytes.
  if (width * height * CHANNELS[colorType as PngColorType] > 2 ** 31) fail(`image ${width}x${height} is too large to decode`);
  return {
    width,
    height,
    bitDepth: bitDepth as PngBitDepth,
    colorType: colorType as PngColorType,
    interlaced: chunk[12] === 1,
  };
}

function parseTransparency(
  chunk: Uint8Array,
  header: { colorType: PngColorType },
  fail: (what: string) => never,
): number[] | undefined {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  switch (header.colorType) {
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

// Undoes the per-row filters in place; row r's filter byte sits at start + r * (rowBytes + 1).
function unfilter(
  buf: Uint8Array,
  start: number,
  rows: number,
  rowBytes: number,
  bpp: number,
  fail: (what: string) => never,
): void {
  const stride = rowBytes + 1;
  for (let r = 0; r < rows; r++) {
    const f = start + r * stride;
    const p = f + 1;
    const q = p - stride;
    const filter = buf[f]!;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) buf[p + i] = buf[p + i]! + buf[p + i - bpp]!;
        break;
      case 2:
        if (r > 0) for (let i = 0; i < rowBytes; i++) buf[p + i] = buf[p + i]! + buf[q + i]!;
        break;
      case 3:
        if (r === 0) {
          for (let i = bpp; i < rowBytes; i++) buf[p + i] = buf[p + i]! + (buf[p + i - bpp]! >> 1);
        } else {
          for (let i = 0; i < bpp; i++) buf[p + i] = buf[p + i]! + (buf[q + i]! >> 1);
          for (let i = bpp; i < rowBytes; i++) buf[p + i] = buf[p + i]! + ((buf[p + i - bpp]! + buf[q + i]!) >> 1);
        }
        break;
      case 4:
        if (r === 0) {
          // With no row above, Paeth always predicts the left neighbour.
          for (let i = bpp; i < rowBytes; i++) buf[p + i] = buf[p + i]! + buf[p + i - bpp]!;
        } else {
          for (let i = 0; i < bpp; i++) buf[p + i] = buf[p + i]! + buf[q + i]!;
          for (let i = bpp; i < rowBytes; i++) {
            buf[p + i] = buf[p + i]! + paeth(buf[p + i - bpp]!, buf[q + i]!, buf[q + i - bpp]!);
          }
        }
        break;
      default:
        fail(`unknown filter type ${filter} on row ${r} (expected 0..4): the image data is corrupt`);
    }
  }
}

// The Paeth predictor: whichever of left (a), up (b), upper-left (c) is closest to a + b - c.
// Branch-free: on photos the choice is unpredictable and branches made decoding ~3x slower.
function paeth(a: number, b: number, c: number): number {
  const pa = abs(b - c);
  const pb = abs(a - c);
  const pc = abs(a + b - 2 * c);
  const notA = ((pb - pa) | (pc - pa)) >> 31; // -1 unless pa <= pb and pa <= pc
  const notB = (pc - pb) >> 31; // -1 unless pb <= pc
  const bOrC = b ^ ((b ^ c) & notB);
  return a ^ ((a ^ bOrC) & notA);
}

function abs(v: number): number {
  const sign = v >> 31;
  return (v ^ sign) - sign;
}

// Copies one (pass of an) image's unfiltered rows into the full-size sample array.
function unpack(
  buf: Uint8Array,
  start: number,
  rowBytes: number,
  pw: number,
  ph: number,
  channels: number,
  bitDepth: number,
  out: Uint8Array | Uint16Array,
  width: number,
  x0: number,
  y0: number,
  dx: number,
  dy: number,
): void {
  const stride = rowBytes + 1;
  if (bitDepth === 8 && dx === 1 && dy === 1) {
    for (let r = 0; r < ph; r++) out.set(buf.subarray(start + r * stride + 1, start + r * stride + 1 + rowBytes), r * rowBytes);
    return;
  }
  for (let r = 0; r < ph; r++) {
    const p = start + r * stride + 1;
    const rowOut = ((y0 + r * dy) * width + x0) * channels;
    const step = dx * channels;
    if (bitDepth === 8) {
      for (let x = 0; x < pw; x++) for (let c = 0; c < channels; c++) out[rowOut + x * step + c] = buf[p + x * channels + c]!;
    } else if (bitDepth === 16) {
      for (let x = 0; x < pw; x++) {
        for (let c = 0; c < channels; c++) {
          const b = p + 2 * (x * channels + c);
          out[rowOut + x * step + c] = (buf[b]! << 8) | buf[b + 1]!;
        }
      }
    } else {
      // Sub-byte depths only exist with one channel; samples are packed from the high bits.
      const mask = (1 << bitDepth) - 1;
      for (let x = 0; x < pw; x++) {
        const bit = x * bitDepth;
        out[rowOut + x * step] = (buf[p + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask;
      }
    }
  }
}

/**
 * Encodes 8-bit gray / gray+alpha / RGB / RGBA (16-bit when data is a Uint16Array), or an
 * indexed PNG when `palette` is given with 1-channel index data (bit depth 1/2/4/8 chosen
 * from the palette size). `name` goes into error messages.
 */
export function encodePng(image: RawImage | PngPixels, options: PngEncodeOptions = {}, name = 'PNG image'): Buffer {
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_CHUNK || height > MAX_CHUNK) {
    fail(`invalid size ${width}x${height} (expected positive integers)`);
  }
  if (![1, 2, 3, 4].includes(channels)) fail(`channels ${channels} not supported (expected 1, 2, 3 or 4)`);
  if (!(data instanceof Uint8Array) && !(data instanceof Uint16Array)) fail('data must be a Uint8Array (8-bit) or Uint16Array (16-bit)');
  if (data.length !== width * height * channels) {
    fail(`data has ${data.length} samples, expected ${width}x${height}x${channels} = ${width * height * channels}`);
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) fail(`zlib level ${level} not in 0..9`);

  let colorType: PngColorType;
  let bitDepth: number;
  let packed: Uint8Array;
  let plte: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  if (options.palette !== undefined) {
    if (channels !== 1) fail(`a palette needs 1-channel index data, got ${channels} channels`);
    if (data instanceof Uint16Array) fail('a palette image needs 8-bit indices (Uint8Array), got a Uint16Array');
    plte = paletteBytes(options.palette, fail);
    const entries = plte.length / 3;
    for (let i = 0; i < data.length; i++) {
      if (data[i]! >= entries) fail(`index ${data[i]} at pixel (${i % width}, ${Math.floor(i / width)}) is outside the ${entries}-entry palette`);
    }
    if (options.paletteAlpha !== undefined) {
      const alpha = options.paletteAlpha;
      if (alpha.length > entries) fail(`paletteAlpha has ${alpha.length} entries, the palette only ${entries}`);
      trns = Uint8Array.from(alpha, (a, i) => (Number.isInteger(a) && a >= 0 && a <= 255 ? a : fail(`paletteAlpha[${i}] = ${a} is not an integer in 0..255`)));
    }
    colorType = 3;
    bitDepth = entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;
    packed = bitDepth === 8 ? (data as Uint8Array) : packBits(data as Uint8Array, width, height, bitDepth);
  } else {
    if (options.paletteAlpha !== undefined) fail('paletteAlpha given without a palette');
    colorType = ([0, 0, 4, 2, 6] as const)[channels];
    bitDepth = data instanceof Uint16Array ? 16 : 8;
    packed = data instanceof Uint16Array ? bigEndian16(data) : data;
  }

  const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  // The PNG spec's advice: no filtering for palette and sub-byte images, adaptive otherwise.
  const filtered = filterRows(packed, height, rowBytes, bpp, colorType !== 3 && bitDepth >= 8);
  const compressed = zlib.deflateSync(filtered, { level });

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const parts: Uint8Array[] = [SIGNATURE, ...chunk('IHDR', ihdr)];
  if (plte) parts.push(...chunk('PLTE', plte));
  if (trns) parts.push(...chunk('tRNS', trns));
  parts.push(...chunk('IDAT', compressed), ...chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

function paletteBytes(palette: PaletteLike, fail: (what: string) => never): Uint8Array {
  const flat: number[] = [];
  const first = palette.length > 0 ? palette[0] : undefined;
  if (typeof first === 'object' && first !== null) {
    for (let i = 0; i < palette.length; i++) {
      const c = palette[i] as ArrayLike<number>;
      if (c.length !== 3 && c.length !== 4) fail(`palette colour ${i} has ${c.length} components, expected [r, g, b]`);
      flat.push(c[0]!, c[1]!, c[2]!);
    }
  } else {
    if (palette.length % 3 !== 0) fail(`flat palette length ${palette.length} is not a multiple of 3 (RGB triples)`);
    for (let i = 0; i < palette.length; i++) flat.push(palette[i] as number);
  }
  if (flat.length === 0 || flat.length > 768) fail(`palette has ${flat.length / 3} colours, expected 1..256`);
  flat.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) fail(`palette colour ${Math.floor(i / 3)} has component ${v}, expected an integer in 0..255`);
  });
  return Uint8Array.from(flat);
}

function packBits(indices: Uint8Array, width: number, height: number, bitDepth: number): Uint8Array {
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      out[y * rowBytes + (bit >> 3)]! |= indices[y * width + x]! << (8 - bitDepth - (bit & 7));
    }
  }
  return out;
}

function bigEndian16(data: Uint16Array): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  for (let i = 0; i < data.length; i++) {
    out[2 * i] = data[i]! >> 8;
    out[2 * i + 1] = data[i]! & 255;
  }
  return out;
}

// Filters every row; when adaptive, picks per row the filter with the smallest sum of
// |filtered byte| read as signed (libpng's heuristic), else filter 0 everywhere.
function filterRows(src: Uint8Array, height: number, rowBytes: number, bpp: number, adaptive: boolean): Uint8Array {
  const out = new Uint8Array(height * (rowBytes + 1));
  const zeros = new Uint8Array(rowBytes);
  const sub = new Uint8Array(rowBytes);
  const up = new Uint8Array(rowBytes);
  const avg = new Uint8Array(rowBytes);
  const pth = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const cur = src.subarray(y * rowBytes, (y + 1) * rowBytes);
    const o = y * (rowBytes + 1);
    if (!adaptive) {
      out.set(cur, o + 1);
      continue;
    }
    // The row above the first is all zeros, as the decoder assumes.
    const prev = y > 0 ? src.subarray((y - 1) * rowBytes, y * rowBytes) : zeros;
    // All five candidates and their scores in one pass (a separate scoring pass was 2x slower).
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let i = 0; i < rowBytes; i++) {
      const x = cur[i]!;
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const d1 = x - a;
      const d2 = x - b;
      const d3 = x - ((a + b) >> 1);
      const d4 = x - paeth(a, b, c);
      sub[i] = d1;
      up[i] = d2;
      avg[i] = d3;
      pth[i] = d4;
      s0 += signedMagnitude(x);
      s1 += signedMagnitude(d1);
      s2 += signedMagnitude(d2);
      s3 += signedMagnitude(d3);
      s4 += signedMagnitude(d4);
    }
    let best = cur;
    let filter = 0;
    let min = s0;
    if (s1 < min) [min, best, filter] = [s1, sub, 1];
    if (s2 < min) [min, best, filter] = [s2, up, 2];
    if (s3 < min) [min, best, filter] = [s3, avg, 3];
    if (s4 < min) [min, best, filter] = [s4, pth, 4];
    out[o] = filter;
    out.set(best, o + 1);
  }
  return out;
}

// |byte read as int8|, branch-free: photo data makes the sign unpredictable.
function signedMagnitude(byte: number): number {
  return abs((byte << 24) >> 24);
}

function chunk(type: string, data: Uint8Array): Uint8Array[] {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc32(data, crc32(head.subarray(4))));
  return [head, data, tail];
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
