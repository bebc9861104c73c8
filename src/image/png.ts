// PNG through pngjs, behind an adapter that keeps what segmentation labels need: palette
// indices and raw gray values exactly as stored (16-bit and interlaced files included), tRNS as
// data, and one-line errors naming the file. What pngjs cannot do is done here (DESIGN.md):
// the container checks and the pixel limit (png-chunks.ts), the image-data check, and indexed
// PNGs for label maps, which pngjs cannot write.
import * as zlib from 'node:zlib';
import pngjs from 'pngjs';
import {
  SIGNATURE, failFor, ihdrBytes, pngChunk, readPngChunks,
  type PngBitDepth, type PngChunks, type PngColorType,
} from './png-chunks.js';
import type { RawImage } from './types.js';

export { crc32, isPng, readPngHeader, type PngBitDepth, type PngColorType, type PngHeader } from './png-chunks.js';

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

export interface PngDecodeOptions {
  /** Refuse, from the header and before decoding, images of more than this many pixels. */
  maxPixels?: number;
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
  /**
   * Row filters of RGB / gray images: 'adaptive' (default) picks per row the one with the
   * smallest sum of |signed bytes| (libpng's heuristic); 'none' is 4-10x faster to write, for
   * PNGs that only live a moment (images embedded in an SVG being rasterised).
   */
  filter?: 'adaptive' | 'none';
}

// Adam7 passes as [x0, y0, dx, dy].
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
// Which of pngjs's RGBA samples each colour type stores.
const STORED: Record<PngColorType, readonly number[]> = { 0: [0], 2: [0, 1, 2], 3: [0], 4: [0, 3], 6: [0, 1, 2, 3] };

/** Decodes a PNG file's bytes; `name` (a path) goes into every error message. */
export function decodePng(bytes: Uint8Array, name = 'PNG data', options: PngDecodeOptions = {}): DecodedPng {
  const file = readPngChunks(bytes, name, options.maxPixels ?? Infinity);
  const idat = checkImageData(file, name);
  const { width, height, bitDepth, colorType, channels, interlaced } = file.header;
  // pngjs sees the pixels only: a palette image typed as gray keeps its indices, and without the
  // tRNS chunk it does not zero the pixels of the transparent colour.
  const ihdr = ihdrBytes(width, height, bitDepth, colorType === 3 ? 0 : colorType);
  ihdr[12] = interlaced ? 1 : 0;
  const plain = Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr), ...idat.map((d) => pngChunk('IDAT', d)), pngChunk('IEND', new Uint8Array(0))]);
  let rgba: Uint8Array | Uint16Array;
  try {
    rgba = pngjs.PNG.sync.read(plain, { skipRescale: true, checkCRC: false }).data as Uint8Array | Uint16Array;
  } catch (e) {
    throw new Error(`${name}: cannot decode the image data (pngjs: ${(e as Error).message})`);
  }
  const result: DecodedPng = { width, height, channels, bitDepth, colorType, interlaced, data: storedSamples(rgba, colorType, bitDepth) };
  if (file.palette) result.palette = file.palette;
  if (file.transparency) result.transparency = file.transparency;
  return result;
}

/**
 * Inflates the image data once to check it (pngjs decodes a truncated or corrupt stream without
 * a word) and returns the IDAT chunks pngjs should get.
 */
function checkImageData({ header, idat }: PngChunks, name: string): Uint8Array[] {
  const fail = failFor(name);
  const { width, height, channels, bitDepth } = header;
  const rows: [number, number][] = []; // [pass row index, bytes] of every stored row, in order
  for (const [x0, y0, dx, dy] of header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const)) {
    const pw = Math.ceil((width - x0) / dx), ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) for (let r = 0; r < ph; r++) rows.push([r, Math.ceil((pw * channels * bitDepth) / 8)]);
  }
  const expected = rows.reduce((sum, [, bytes]) => sum + 1 + bytes, 0);
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch (e) {
    return fail(`corrupt image data (zlib: ${(e as Error).message})`);
  }
  if (raw.length < expected) fail(`truncated image data: ${raw.length} bytes after inflating, expected ${expected}`);
  let offset = 0;
  for (const [r, bytes] of rows) {
    if (raw[offset]! > 4) fail(`unknown filter type ${raw[offset]} on row ${r} (expected 0..4): the image data is corrupt`);
    offset += 1 + bytes;
  }
  // Trailing bytes are ignored (libpng and PIL do) but pngjs would refuse them.
  return raw.length > expected ? [zlib.deflateSync(raw.subarray(0, expected), { level: 1 })] : idat;
}

function storedSamples(rgba: Uint8Array | Uint16Array, colorType: PngColorType, bitDepth: number): Uint8Array | Uint16Array {
  const n = rgba.length / 4;
  const k = STORED[colorType].length;
  const out = bitDepth === 16 ? new Uint16Array(n * k) : new Uint8Array(n * k);
  // One loop per layout: a generic loop over channel lists took as long as pngjs's decode.
  if (k === 4) out.set(rgba);
  else if (k === 1) for (let i = 0; i < n; i++) out[i] = rgba[4 * i]!;
  else if (k === 2) {
    for (let i = 0; i < n; i++) {
      out[2 * i] = rgba[4 * i]!;
      out[2 * i + 1] = rgba[4 * i + 3]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i]!;
      out[3 * i + 1] = rgba[4 * i + 1]!;
      out[3 * i + 2] = rgba[4 * i + 2]!;
    }
  }
  return out;
}

/**
 * Encodes 8-bit gray / gray+alpha / RGB / RGBA (16-bit when data is a Uint16Array), or an
 * indexed PNG when `palette` is given with 1-channel index data (bit depth 1/2/4/8 chosen
 * from the palette size). `name` goes into error messages.
 */
export function encodePng(image: RawImage<Uint8Array | Uint16Array>, options: PngEncodeOptions = {}, name = 'PNG image'): Buffer {
  const fail = failFor(name);
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    fail(`invalid size ${height}x${width} (HxW; expected positive integers)`);
  }
  if (![1, 2, 3, 4].includes(channels)) fail(`channels ${channels} not supported (expected 1, 2, 3 or 4)`);
  if (!(data instanceof Uint8Array) && !(data instanceof Uint16Array)) fail('data must be a Uint8Array (8-bit) or Uint16Array (16-bit)');
  if (data.length !== width * height * channels) {
    fail(`data has ${data.length} samples, expected ${height}x${width}x${channels} (HxWxC) = ${width * height * channels}`);
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) fail(`zlib level ${level} not in 0..9`);
  if (options.palette !== undefined) return encodeIndexed(image, options, level, name);
  if (options.paletteAlpha !== undefined) fail('paletteAlpha given without a palette');
  const colorType = ([0, 0, 4, 2, 6] as const)[channels];
  const bitDepth = data instanceof Uint16Array ? 16 : 8;
  // pngjs reads 16-bit samples through a Uint16Array over the whole underlying buffer.
  const own = bitDepth === 16 && (data.byteOffset !== 0 || data.buffer.byteLength !== data.byteLength) ? data.slice() : data;
  const png = { width, height, data: Buffer.from(own.buffer, own.byteOffset, own.byteLength) } as unknown as pngjs.PNG;
  if (options.filter !== undefined && options.filter !== 'adaptive' && options.filter !== 'none') fail(`filter ${String(options.filter)} is not 'adaptive' or 'none'`);
  return pngjs.PNG.sync.write(png, {
    colorType, inputColorType: colorType, inputHasAlpha: channels % 2 === 0, bitDepth, filterType: options.filter === 'none' ? 0 : -1,
    deflateLevel: level, deflateStrategy: zlib.constants.Z_DEFAULT_STRATEGY,
  });
}

// pngjs writes no indexed PNGs, so label maps are written here: indices packed to the smallest
// bit depth, rows unfiltered (the PNG spec's advice for palette images), zlib from Node.
function encodeIndexed(image: RawImage<Uint8Array | Uint16Array>, options: PngEncodeOptions, level: number, name: string): Buffer {
  const fail = failFor(name);
  const { width, height, channels, data } = image;
  if (channels !== 1) fail(`a palette needs 1-channel index data, got ${channels} channels`);
  if (data instanceof Uint16Array) fail('a palette image needs 8-bit indices (Uint8Array), got a Uint16Array');
  const plte = paletteBytes(options.palette!, fail);
  const entries = plte.length / 3;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= entries) fail(`index ${data[i]} at pixel (${i % width}, ${Math.floor(i / width)}) is outside the ${entries}-entry palette`);
  }
  let trns: Uint8Array | undefined;
  if (options.paletteAlpha !== undefined) {
    const alpha = options.paletteAlpha;
    if (alpha.length > entries) fail(`paletteAlpha has ${alpha.length} entries, the palette only ${entries}`);
    trns = Uint8Array.from(alpha, (a, i) => (Number.isInteger(a) && a >= 0 && a <= 255 ? a : fail(`paletteAlpha[${i}] = ${a} is not an integer in 0..255`)));
  }
  const bitDepth = entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const rows = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      rows[o + (bit >> 3)]! |= data[y * width + x]! << (8 - bitDepth - (bit & 7));
    }
  }
  const parts = [SIGNATURE, pngChunk('IHDR', ihdrBytes(width, height, bitDepth, 3 as PngColorType)), pngChunk('PLTE', plte)];
  if (trns) parts.push(pngChunk('tRNS', trns));
  parts.push(pngChunk('IDAT', zlib.deflateSync(rows, { level })), pngChunk('IEND', new Uint8Array(0)));
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
