import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  decodeImage,
  imageSize,
  readImage,
  readImageSync,
  readLabelImage,
  readLabelImageAsync,
  writePng,
} from '../../src/image/files.js';
import { toChannels, toGray, toRgb } from '../../src/image/convert.js';
import { decodePng } from '../../src/image/png.js';
import type { RawImage } from '../../src/image/types.js';

const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const codecs = JSON.parse(readFileSync(fixtureDir + 'codecs.json', 'utf8')) as {
  png: { file: string; colorType: number; bitDepth: number }[];
  luma: { rgb: number[]; gray: number[] };
};
const fixture = (file: string) => fixtureDir + 'codecs/' + file;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pixelwise-image-'));
}

function image(width: number, height: number, channels: RawImage['channels'], f: (i: number) => number): RawImage {
  return { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, (_, i) => f(i)) };
}

test('readImage of every PNG fixture matches sharp (palettes expanded, tRNS as alpha, 16-bit to 8)', async () => {
  for (const { file } of codecs.png) {
    const ours = await readImage(fixture(file));
    const { data, info } = await sharp(fixture(file)).raw().toBuffer({ resolveWithObject: true });
    // sharp always answers in RGB(A); bring ours to its layout.
    const same = toChannels(ours, info.channels as RawImage['channels']);
    assert.equal(ours.width, info.width, file);
    assert.deepEqual(Array.from(same.data), Array.from(data), file);
  }
});

test('readImage keeps the stored channel count unless asked', async () => {
  assert.equal((await readImage(fixture('pil-gray8.png'))).channels, 1);
  assert.equal((await readImage(fixture('pil-graya8.png'))).channels, 2);
  assert.equal((await readImage(fixture('pil-palette4.png'))).channels, 3);
  assert.equal((await readImage(fixture('pil-palette-trns.png'))).channels, 4);
  assert.equal((await readImage(fixture('pil-gray8-trns.png'))).channels, 2);
  const gray1 = await readImage(fixture('pil-gray1.png'));
  assert.ok(gray1.data.every((v) => v === 0 || v === 255), '1-bit gray stretches to 0/255');
  const rgb = await readImage(fixture('pil-gray8.png'), { channels: 3 });
  assert.equal(rgb.channels, 3);
  const gray = readImageSync(fixture('pil-gray8.png'));
  for (let i = 0; i < gray.data.length; i++) assert.deepEqual(Array.from(rgb.data.subarray(3 * i, 3 * i + 3)), [gray.data[i], gray.data[i], gray.data[i]]);
});

test('readImage decodes a JPEG written by sharp; gray JPEGs stay 1-channel', async () => {
  const dir = tempDir();
  try {
    const width = 16;
    const height = 8;
    const flat = image(width, height, 3, (i) => [200, 40, 90][i % 3]!);
    await sharp(flat.data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(dir, 'flat.jpg'));
    const img = await readImage(join(dir, 'flat.jpg'));
    assert.deepEqual([img.width, img.height, img.channels], [width, height, 3]);
    for (let i = 0; i < img.data.length; i++) assert.ok(Math.abs(img.data[i]! - flat.data[i]!) <= 4, `JPEG pixel ${i}: ${img.data[i]} vs ${flat.data[i]}`);
    const rgba = await readImage(join(dir, 'flat.jpg'), { channels: 4 });
    assert.equal(rgba.channels, 4);
    assert.ok(rgba.data.every((v, i) => i % 4 !== 3 || v === 255));

    const ramp = image(width, height, 1, (i) => i * 2);
    await sharp(ramp.data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toFile(join(dir, 'gray.jpg'));
    const gray = await readImage(join(dir, 'gray.jpg'));
    assert.equal(gray.channels, 1);
    for (let i = 0; i < gray.data.length; i++) assert.ok(Math.abs(gray.data[i]! - ramp.data[i]!) <= 2, `gray JPEG pixel ${i}`);

    assert.throws(() => readImageSync(join(dir, 'flat.jpg')), /flat\.jpg: a JPEG file, not a PNG.*readImageSync reads only PNG files/);
    assert.deepEqual(await imageSize(join(dir, 'flat.jpg')), { width, height });
    const fromBytes = await decodeImage(readFileSync(join(dir, 'flat.jpg')));
    assert.deepEqual(fromBytes.data, img.data);
    await assert.rejects(readLabelImageAsync(join(dir, 'flat.jpg')), /flat\.jpg: a JPEG file, not a PNG \(whatever its name\); label maps must be lossless/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readImage errors name the file', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'junk.jpg'), 'definitely not an image');
    await assert.rejects(readImage(join(dir, 'junk.jpg')), /junk\.jpg: cannot decode image/);
    const png = readFileSync(fixture('pil-rgb8.png'));
    writeFileSync(join(dir, 'cut.png'), png.subarray(0, png.length - 30));
    await assert.rejects(readImage(join(dir, 'cut.png')), /cut\.png: truncated chunk IDAT/);
    await assert.rejects(readImage(join(dir, 'missing.png')), /missing\.png/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readLabelImage gives palette indices, raw gray values and flags colour labels', () => {
  const voc = readLabelImage(fixture('pil-voc-label.png'));
  assert.equal((voc.channels === 3), false);
  assert.equal(voc.channels, 1);
  assert.deepEqual([...new Set(voc.data)].sort((a, b) => a - b), [0, 7, 15, 255]);
  assert.equal(voc.palette!.length, 768);

  const gray16 = readLabelImage(fixture('pil-gray16.png'));
  assert.ok(gray16.data instanceof Uint16Array);
  assert.deepEqual(gray16.data, decodePng(readFileSync(fixture('pil-gray16.png'))).data);
  assert.ok(gray16.data.some((v) => v > 255));

  const mask = readLabelImage(fixture('pil-gray1.png'));
  assert.deepEqual(new Set(mask.data), new Set([0, 1]));

  const rgba = readLabelImage(fixture('pil-rgba8.png'));
  const stored = decodePng(readFileSync(fixture('pil-rgba8.png'))).data;
  assert.deepEqual([(rgba.channels === 3), rgba.channels, rgba.data.length], [true, 3, rgba.width * rgba.height * 3]);
  assert.deepEqual(Array.from(rgba.data.subarray(0, 6)), [stored[0], stored[1], stored[2], stored[4], stored[5], stored[6]]);

  const ga = readLabelImage(fixture('pil-graya8.png'));
  assert.deepEqual([(ga.channels === 3), ga.channels], [false, 1]);
  assert.throws(() => readLabelImage(fixtureDir + 'codecs/u1.npy'), /u1\.npy: not a PNG file \(it starts with bytes 93 4e 55 4d 50 59 01 00\); label maps are read as PNG/);
});

test('readLabelImageAsync reads non-PNG label maps through sharp', async () => {
  const dir = tempDir();
  try {
    const labels = image(6, 4, 1, (i) => i % 5);
    // Explicit LZW: with sharp 0.35's default TIFF settings the stored values came back altered.
    await sharp(labels.data, { raw: { width: 6, height: 4, channels: 1 } }).toColourspace('b-w').tiff({ compression: 'lzw' }).toFile(join(dir, 'labels.tif'));
    const back = await readLabelImageAsync(join(dir, 'labels.tif'));
    assert.deepEqual([back.channels, (back.channels === 3)], [1, false]);
    assert.deepEqual(back.data, labels.data);
    const png = await readLabelImageAsync(fixture('pil-voc-label.png'));
    assert.deepEqual(png.data, readLabelImage(fixture('pil-voc-label.png')).data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writePng writes atomically, palette predictions read back as indices', async () => {
  const dir = tempDir();
  try {
    const pred = image(5, 3, 1, (i) => i % 3);
    const palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0]] as const;
    writePng(join(dir, 'pred.png'), pred, { palette });
    writePng(join(dir, 'pred.png'), pred, { palette }); // overwrite in place
    assert.deepEqual(readdirSync(dir), ['pred.png'], 'no temp files left behind');
    const back = readLabelImage(join(dir, 'pred.png'));
    assert.deepEqual(back.data, pred.data);
    assert.deepEqual(Array.from(back.palette!), palette.flat());
    assert.deepEqual(await imageSize(join(dir, 'pred.png')), { width: 5, height: 3 });
    assert.throws(() => writePng(join(dir, 'bad.png'), pred, { palette: [[0, 0, 0]] }), /bad\.png: index 1 at pixel \(1, 0\)/);
    assert.deepEqual(readdirSync(dir), ['pred.png'], 'a failed write leaves nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('toGray is bit-exact with PIL convert("L") (ITU-R 601-2 luma)', () => {
  const n = codecs.luma.gray.length;
  const rgb: RawImage = { width: n, height: 1, channels: 3, data: Uint8Array.from(codecs.luma.rgb) };
  assert.deepEqual(Array.from(toGray(rgb).data), codecs.luma.gray);
  const rgba = toChannels(rgb, 4);
  assert.deepEqual(Array.from(toGray(rgba).data), codecs.luma.gray, 'alpha is ignored');
});

test('toRgb / toChannels convert between 1-4 channels', () => {
  const gray = image(3, 2, 1, (i) => i * 40);
  const rgb = toRgb(gray);
  assert.deepEqual(Array.from(rgb.data), [0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120, 160, 160, 160, 200, 200, 200]);
  assert.deepEqual(toGray(rgb).data, gray.data, 'gray -> RGB -> gray is the identity');
  const ga = image(2, 1, 2, (i) => [10, 99, 20, 77][i]!);
  assert.deepEqual(Array.from(toChannels(ga, 4).data), [10, 10, 10, 99, 20, 20, 20, 77]);
  assert.deepEqual(Array.from(toChannels(ga, 1).data), [10, 20]);
  assert.deepEqual(Array.from(toChannels(gray, 2).data.subarray(0, 4)), [0, 255, 40, 255]);
  const rgba = image(1, 1, 4, (i) => [1, 2, 3, 4][i]!);
  assert.deepEqual(Array.from(toRgb(rgba).data), [1, 2, 3], 'alpha dropped, not composited');
  assert.equal(toRgb(rgb), rgb, 'no copy when nothing changes');
  assert.throws(() => toChannels(gray, 5 as never), /channels 5 not supported/);
});

test('imageSize reads the PNG header without decoding', async () => {
  assert.deepEqual(await imageSize(fixture('adam7-rgb8.png')), { width: 11, height: 9 });
  await assert.rejects(imageSize(fixture('nope.png')), /nope\.png/);
});
