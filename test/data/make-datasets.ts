// Tiny datasets of every format, written on the fly into temp folders for the tests. Labels
// follow known patterns so tests can check values exactly.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { encodePng } from '../../src/image/png.js';
import { writeNpy } from '../../src/data/npy.js';
import { vocPalette } from '../../src/image/palette.js';

/** A fresh temp folder; remove it with cleanup(). */
export function tempDir(tag = 'data'): string {
  return mkdtempSync(join(tmpdir(), `pixelwise-${tag}-`));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The label of pixel (x, y) of sample k: stripes that use every class in 0..n-1. */
export function patternLabel(k: number, x: number, y: number, n: number): number {
  return (x + 2 * y + k) % n;
}

/** An RGB image whose red channel encodes the pattern label (for checking image/label alignment). */
export function patternImage(k: number, w: number, h: number, n: number, channels: 1 | 3 = 3): Uint8Array {
  const out = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      out[i] = patternLabel(k, x, y, n) * 10;
      if (channels === 3) {
        out[i + 1] = x;
        out[i + 2] = y + 100;
      }
    }
  }
  return out;
}

function labelPixels(k: number, w: number, h: number, n: number, map: (v: number) => number = (v) => v): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, i) => map(patternLabel(k, i % w, Math.floor(i / w), n)));
}

export interface FolderOptions {
  count?: number;
  width?: number;
  height?: number;
  numClasses?: number;
  /** How masks are stored. */
  masks?: 'index' | 'palette' | 'binary' | 'color';
  split?: string;
  classesJson?: unknown;
}

const COLORS: [number, number, number][] = [
  [0, 0, 0], [200, 0, 0], [0, 200, 0], [0, 0, 200], [200, 200, 0], [0, 200, 200],
];

/** images/ + masks/ (optionally under a split folder); returns the folder holding them. */
export function makeFolder(root: string, o: FolderOptions = {}): string {
  const { count = 3, width = 6, height = 4, masks = 'index', numClasses = masks === 'binary' ? 2 : 3 } = o;
  const base = o.split ? join(root, o.split) : root;
  mkdirSync(join(base, 'images'), { recursive: true });
  mkdirSync(join(base, 'masks'), { recursive: true });
  for (let k = 0; k < count; k++) {
    const stem = `img_${k}`;
    writeFileSync(join(base, 'images', `${stem}.png`), encodePng({ width, height, channels: 3, data: patternImage(k, width, height, numClasses) }));
    let png: Buffer;
    if (masks === 'index') png = encodePng({ width, height, channels: 1, data: labelPixels(k, width, height, numClasses) });
    else if (masks === 'palette') png = encodePng({ width, height, channels: 1, data: labelPixels(k, width, height, numClasses) }, { palette: vocPalette(numClasses) });
    else if (masks === 'binary') png = encodePng({ width, height, channels: 1, data: labelPixels(k, width, height, 2, (v) => v * 255) });
    else {
      const idx = labelPixels(k, width, height, numClasses);
      const rgb = new Uint8Array(width * height * 3);
      idx.forEach((v, i) => rgb.set(COLORS[v]!, 3 * i));
      png = encodePng({ width, height, channels: 3, data: rgb });
    }
    writeFileSync(join(base, 'masks', `${stem}.png`), png);
  }
  if (o.classesJson !== undefined) writeFileSync(join(base, 'classes.json'), JSON.stringify(o.classesJson));
  return base;
}

/** The colours makeFolder uses for 'color' masks. */
export function folderColors(n: number): [number, number, number][] {
  return COLORS.slice(0, n);
}

/** CamVid in SegNet's layout; labels cycle through 0..11 (11 = void). */
export function makeCamvid(root: string, counts: Record<string, number> = { train: 3, val: 2 }, width = 8, height = 5): void {
  for (const [split, count] of Object.entries(counts)) {
    mkdirSync(join(root, split), { recursive: true });
    mkdirSync(join(root, `${split}annot`), { recursive: true });
    for (let k = 0; k < count; k++) {
      const name = `0001TP_${split}_${String(k).padStart(3, '0')}.png`;
      writeFileSync(join(root, split, name), encodePng({ width, height, channels: 3, data: patternImage(k, width, height, 12) }));
      writeFileSync(join(root, `${split}annot`, name), encodePng({ width, height, channels: 1, data: labelPixels(k, width, height, 12) }));
    }
  }
}

/** VOCdevkit/VOC2012 with JPEG photos, palette PNG labels (0..20 plus 255 borders) and split lists. */
export async function makeVoc(root: string, ids: Record<string, string[]> = { train: ['2007_000032', '2007_000039'], val: ['2007_000033'] }, width = 10, height = 7): Promise<string> {
  const dir = join(root, 'VOCdevkit', 'VOC2012');
  for (const sub of ['JPEGImages', 'SegmentationClass', join('ImageSets', 'Segmentation')]) mkdirSync(join(dir, sub), { recursive: true });
  let k = 0;
  for (const [split, list] of Object.entries(ids)) {
    writeFileSync(join(dir, 'ImageSets', 'Segmentation', `${split}.txt`), list.join('\n') + '\n');
    for (const id of list) {
      await sharp(Buffer.from(patternImage(k, width, height, 21)), { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 95 })
        .toFile(join(dir, 'JPEGImages', `${id}.jpg`));
      // Class pattern with a 255 "boundary" column at x = 0.
      const label = Uint8Array.from({ length: width * height }, (_, i) => (i % width === 0 ? 255 : patternLabel(k, i % width, Math.floor(i / width), 21)));
      writeFileSync(join(dir, 'SegmentationClass', `${id}.png`), encodePng({ width, height, channels: 1, data: label }, { palette: vocPalette(256) }));
      k++;
    }
  }
  return dir;
}

/** ADEChallengeData2016 with stored labels 0..150 (0 = other); image 1 of training is a gray JPEG. */
export async function makeAde20k(root: string, counts: Record<string, number> = { training: 2, validation: 1 }, width = 9, height = 6): Promise<void> {
  for (const [sub, count] of Object.entries(counts)) {
    mkdirSync(join(root, 'images', sub), { recursive: true });
    mkdirSync(join(root, 'annotations', sub), { recursive: true });
    for (let k = 0; k < count; k++) {
      const stem = `ADE_${sub === 'training' ? 'train' : 'val'}_${String(k + 1).padStart(8, '0')}`;
      const gray = sub === 'training' && k === 1;
      const channels = gray ? 1 : 3;
      await sharp(Buffer.from(patternImage(k, width, height, 151, channels)), { raw: { width, height, channels } })
        .jpeg({ quality: 95 })
        .toFile(join(root, 'images', sub, `${stem}.jpg`));
      writeFileSync(join(root, 'annotations', sub, `${stem}.png`), encodePng({ width, height, channels: 1, data: labelPixels(k, width, height, 151) }));
    }
  }
}

/** images.npy (N,H,W,3) uint8 + labels as index (N,H,W) and one-hot (N,H,W,K) float32 files. */
export function makeNpy(root: string, n = 5, width = 4, height = 3, classes = 3): { images: string; index: string; onehot: string } {
  mkdirSync(root, { recursive: true });
  const images = new Uint8Array(n * height * width * 3);
  const index = new Uint8Array(n * height * width);
  const onehot = new Float32Array(n * height * width * classes);
  for (let k = 0; k < n; k++) {
    images.set(patternImage(k, width, height, classes), k * height * width * 3);
    for (let p = 0; p < width * height; p++) {
      const v = patternLabel(k, p % width, Math.floor(p / width), classes);
      index[k * width * height + p] = v;
      onehot[(k * width * height + p) * classes + v] = 1;
    }
  }
  const paths = { images: join(root, 'images.npy'), index: join(root, 'labels.npy'), onehot: join(root, 'onehot.npy') };
  writeNpy(paths.images, { shape: [n, height, width, 3], dtype: 'uint8', data: images });
  writeNpy(paths.index, { shape: [n, height, width], dtype: 'uint8', data: index });
  writeNpy(paths.onehot, { shape: [n, height, width, classes], dtype: 'float32', data: onehot });
  return paths;
}

function idx(magic: number, shape: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head.writeUInt32BE(magic, 0);
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** MNIST IDX files: image k is filled with k * 10, its digit is k % 10. */
export function makeMnist(root: string, counts: { train: number; test: number } = { train: 4, test: 2 }, gzip = true): void {
  mkdirSync(root, { recursive: true });
  for (const [split, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
    const n = counts[split];
    const pixels = new Uint8Array(n * 28 * 28);
    for (let k = 0; k < n; k++) pixels.fill(k * 10, k * 784, (k + 1) * 784);
    const digits = Uint8Array.from({ length: n }, (_, k) => k % 10);
    const ext = gzip ? '.gz' : '';
    const pack = (b: Buffer) => (gzip ? gzipSync(b) : b);
    writeFileSync(join(root, `${prefix}-images-idx3-ubyte${ext}`), pack(idx(2051, [n, 28, 28], pixels)));
    writeFileSync(join(root, `${prefix}-labels-idx1-ubyte${ext}`), pack(idx(2049, [n], digits)));
  }
}
