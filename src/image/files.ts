// Reading and writing image files. PNG goes through the PNG codec (exact, synchronous, so it
// works the same on any thread); JPEG, WebP, TIFF, GIF and the rest through sharp (async).
import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomicSync } from '../io/atomic.js';
import { decodePng, encodePng, isPng, type DecodedPng, type PngEncodeOptions } from './png.js';
import { toChannels } from './convert.js';
import type { RawImage, StoredLabels } from './types.js';
import { checkImagePixels, maxImagePixels } from './limits.js';

export interface ReadImageOptions {
  /** Convert to this many channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA); default: as stored. */
  channels?: RawImage['channels'];
}

function convertChannels(image: RawImage, channels: RawImage['channels'] | undefined, name: string): RawImage {
  return channels === undefined ? image : toChannels(image, channels, name);
}

/** File extensions read as images (by sharp, PNG by our codec): one list for datasets and prediction. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp', '.gif'];

/**
 * Reads an image file as 8-bit pixels, converted to `options.channels` when given.
 * PNG is decoded by our codec; other formats by sharp. EXIF orientation is not applied (as
 * in PIL and torchvision's defaults), so pixels match the stored width and height.
 * @example
 *   const photo = await readImage('street.jpg', { channels: 3 }); // RawImage, 8-bit RGB
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<RawImage> {
  return decodeImage(await readFile(path), { ...options, name: path });
}

/** Synchronous readImage for PNG files (our codec); other formats need the async readImage. */
export function readImageSync(path: string, options: ReadImageOptions = {}): RawImage {
  const bytes = readFileSync(path);
  if (!isPng(bytes)) throw new Error(`${path}: ${notPng(bytes)}; readImageSync reads only PNG files (readImage reads the others)`);
  return convertChannels(pngToImage(decodePng(bytes, path, { maxPixels: maxImagePixels() })), options.channels, path);
}

/**
 * Decodes an encoded image held in memory (PNG by our codec, anything else by sharp).
 * @example
 *   const image = await decodeImage(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export async function decodeImage(bytes: Uint8Array, options: ReadImageOptions & { name?: string } = {}): Promise<RawImage> {
  const name = options.name ?? 'image data';
  if (bytes.length === 0) throw new Error(`${name}: empty file (0 bytes), expected an image`);
  const image = isPng(bytes) ? pngToImage(decodePng(bytes, name, { maxPixels: maxImagePixels() })) : await decodeWithSharp(bytes, name);
  return convertChannels(image, options.channels, name);
}

async function decodeWithSharp(bytes: Uint8Array, name: string): Promise<RawImage> {
  const max = maxImagePixels();
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  const pipeline = sharp(bytes, { limitInputPixels: max === Infinity ? false : max });
  try {
    meta = await pipeline.metadata();
  } catch (e) {
    throw new Error(`${name}: cannot decode image (sharp: ${(e as Error).message})`);
  }
  // From the header, before anything is decoded.
  if (meta.width && meta.height) checkImagePixels(meta.width, meta.height, name, max);
  try {
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const image: RawImage = {
      width: info.width,
      height: info.height,
      channels: info.channels as RawImage['channels'],
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
    // sharp hands gray sources back as RGB(A) with R = G = B; keep them gray as stored.
    const gray = meta.space === 'b-w' || meta.space === 'grey16';
    if (gray && (image.channels === 3 || image.channels === 4)) {
      return pickChannels(image, image.channels === 3 ? [0] : [0, 3]);
    }
    return image;
  } catch (e) {
    throw new Error(`${name}: cannot decode image (sharp: ${(e as Error).message})`);
  }
}

/**
 * Reads a segmentation label map exactly as stored (PNG only, synchronous): palette indices
 * with the palette attached, raw gray values, or RGB colours (3 channels). Alpha is dropped.
 * @example
 *   const labels = readLabelImage('2007_000032.png'); // VOC palette PNG: indices 0..20 and 255, palette attached
 */
export function readLabelImage(path: string): StoredLabels {
  const bytes = readFileSync(path);
  if (!isPng(bytes)) {
    const plain = bytes.length === 0 || (bytes[0] === 0xff && bytes[1] === 0xd8);
    throw new Error(`${path}: ${notPng(bytes, true)}${plain ? '' : '; label maps are read as PNG (readLabelImageAsync also reads TIFF, BMP, WebP)'}`);
  }
  return pngToLabel(decodePng(bytes, path, { maxPixels: maxImagePixels() }));
}

/** What a file that should be a PNG is instead, for error messages. */
function notPng(bytes: Uint8Array, labels = false): string {
  if (bytes.length === 0) return 'empty file (0 bytes), expected a PNG';
  const head = Buffer.from(bytes.subarray(0, 12));
  if (head[0] === 0xff && head[1] === 0xd8) {
    return `a JPEG file, not a PNG (whatever its name)${labels ? '; label maps must be lossless: JPEG blurs class boundaries into other values' : ''}`;
  }
  if (head.toString('latin1', 0, 3) === 'GIF') return 'a GIF file, not a PNG';
  if (head.toString('latin1', 0, 2) === 'BM') return 'a BMP file, not a PNG';
  if (head.toString('latin1', 0, 4) === 'II*\0' || head.toString('latin1', 0, 4) === 'MM\0*') return 'a TIFF file, not a PNG';
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'a WebP file, not a PNG';
  return `not a PNG file (it starts with bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`;
}

/**
 * readLabelImage for any format: PNG through our codec, others (TIFF, BMP, …) through sharp
 * as 8-bit gray or RGB. JPEG is refused: its compression invents values between classes.
 */
export async function readLabelImageAsync(path: string): Promise<StoredLabels> {
  const bytes = await readFile(path);
  if (isPng(bytes)) return pngToLabel(decodePng(bytes, path, { maxPixels: maxImagePixels() }));
  if (bytes.length === 0 || (bytes[0] === 0xff && bytes[1] === 0xd8)) throw new Error(`${path}: ${notPng(bytes, true)}`);
  const image = await decodeWithSharp(bytes, path);
  return toChannels(image, image.channels >= 3 ? 3 : 1, path);
}

/** A decoded PNG as a label map as stored: indices or raw gray values, or RGB colours (alpha dropped). */
export function pngToLabel(png: DecodedPng): StoredLabels {
  const { width, height, colorType, data, palette } = png;
  if (colorType === 0 || colorType === 3) {
    const label: StoredLabels = { width, height, channels: 1, data };
    if (palette) label.palette = palette;
    return label;
  }
  const keep = colorType === 4 ? [0] : [0, 1, 2];
  const out = data instanceof Uint16Array ? new Uint16Array(width * height * keep.length) : new Uint8Array(width * height * keep.length);
  const stride = png.channels;
  for (let i = 0, o = 0; i < data.length; i += stride) for (const c of keep) out[o++] = data[i + c]!;
  return { width, height, channels: keep.length === 1 ? 1 : 3, data: out };
}

/**
 * A decoded PNG as 8-bit pixels for viewing or training: palettes expanded to RGB (RGBA with
 * tRNS), gray / RGB colour keys (tRNS) turned into an alpha channel, depths below 8 stretched
 * to 0..255, 16-bit reduced to its high byte (as libpng, libvips and PIL do).
 */
export function pngToImage(png: DecodedPng): RawImage {
  const { width, height, bitDepth, colorType, data, palette, transparency } = png;
  const n = width * height;
  if (colorType === 3) {
    const alpha = transparency;
    const channels = alpha ? 4 : 3;
    const out = new Uint8Array(n * channels);
    const entries = palette!.length / 3;
    for (let i = 0; i < n; i++) {
      const idx = data[i]!;
      const o = i * channels;
      // Out-of-range indices become opaque black, as in libpng.
      if (idx < entries) {
        out[o] = palette![3 * idx]!;
        out[o + 1] = palette![3 * idx + 1]!;
        out[o + 2] = palette![3 * idx + 2]!;
      }
      if (alpha) out[o + 3] = idx < alpha.length ? alpha[idx]! : 255;
    }
    return { width, height, channels, data: out };
  }
  const samples = to8Bit(data, bitDepth);
  if (!transparency || (colorType !== 0 && colorType !== 2)) return { width, height, channels: png.channels, data: samples };
  const ch = png.channels;
  const out = new Uint8Array(n * (ch + 1));
  for (let i = 0; i < n; i++) {
    let transparent = true;
    for (let c = 0; c < ch; c++) {
      out[i * (ch + 1) + c] = samples[i * ch + c]!;
      if (data[i * ch + c] !== transparency[c]) transparent = false;
    }
    out[i * (ch + 1) + ch] = transparent ? 0 : 255;
  }
  return { width, height, channels: (ch + 1) as 2 | 4, data: out };
}

function to8Bit(data: Uint8Array | Uint16Array, bitDepth: number): Uint8Array {
  if (bitDepth === 8) return data as Uint8Array;
  const out = new Uint8Array(data.length);
  if (bitDepth === 16) {
    for (let i = 0; i < data.length; i++) out[i] = data[i]! >> 8;
  } else {
    const scale = 255 / ((1 << bitDepth) - 1); // 255, 85 or 17: exact
    for (let i = 0; i < data.length; i++) out[i] = data[i]! * scale;
  }
  return out;
}

/**
 * Writes a PNG atomically (temp file + rename); `palette` makes an indexed PNG of 1-channel indices.
 * @example
 *   writePng('labels.png', { width, height, channels: 1, data: classIndices }, { palette: vocPalette(21) });
 */
export function writePng(path: string, image: RawImage<Uint8Array | Uint16Array>, options: PngEncodeOptions = {}): void {
  writeFileAtomicSync(path, encodePng(image, options, path));
}

/** Width and height from the file header only (PNG: the IHDR; others: sharp's metadata). */
export async function imageSize(path: string): Promise<{ width: number; height: number }> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(24);
    const { bytesRead } = await file.read(head, 0, 24, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (isPng(head)) {
    if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${path}: truncated PNG, no IHDR chunk at byte 8`);
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length === 0) throw new Error(`${path}: empty file (0 bytes), expected an image`);
  const meta = await sharp(path)
    .metadata()
    .catch((e: Error) => {
      throw new Error(`${path}: cannot read image header (sharp: ${e.message})`);
    });
  if (!meta.width || !meta.height) throw new Error(`${path}: image header has no size`);
  return { width: meta.width, height: meta.height };
}

function pickChannels(image: RawImage, picks: number[]): RawImage {
  const n = image.width * image.height;
  const out = new Uint8Array(n * picks.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < picks.length; c++) out[i * picks.length + c] = image.data[i * image.channels + picks[c]!]!;
  return { width: image.width, height: image.height, channels: picks.length as RawImage['channels'], data: out };
}
