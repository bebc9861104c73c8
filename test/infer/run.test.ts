import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { readImage, readLabelImage } from '../../src/image/files.js';
import { collectImages } from '../../src/infer/inputs.js';
import { predictImages } from '../../src/infer/run.js';
import { BINARY, UNET, tempDir, testImage, writeTinyCheckpoint } from './make-checkpoints.js';

function writeImage(path: string, width: number, height: number, channels: 1 | 3 = 3): void {
  writeFileSync(path, encodePng(testImage(width, height, channels)));
}

test('collectImages expands folders (sorted, images only) and names outputs after the files', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'imgs'));
  for (const f of ['b.png', 'a.jpg', 'c.txt', '.hidden.png']) writeFileSync(join(dir, 'imgs', f), '');
  mkdirSync(join(dir, 'imgs', 'sub.png'));
  writeFileSync(join(dir, 'x.tif'), '');
  const found = collectImages([join(dir, 'imgs'), join(dir, 'x.tif')]);
  assert.deepEqual(found.map((f) => f.name), ['a', 'b', 'x']);
  assert.throws(() => collectImages([join(dir, 'missing')]), /input .*missing does not exist/);
  assert.throws(() => collectImages([join(dir, 'imgs', 'c.txt')]), /c\.txt is not an image file \(expected \.png, \.jpg/);
  mkdirSync(join(dir, 'empty'));
  assert.throws(() => collectImages([join(dir, 'empty')]), /folder .*empty holds no images/);
  writeFileSync(join(dir, 'a.png'), '');
  assert.throws(() => collectImages([join(dir, 'imgs'), join(dir, 'a.png')]), /inputs .*a\.jpg and .*a\.png would both write a\.\*/);
  assert.throws(() => collectImages([]), /no input images/);
});

test('predictImages writes labels, overlay and panel per image, at each image size', async (t) => {
  const dir = tempDir(t);
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET);
  writeImage(join(dir, 'odd.png'), 37, 23);
  writeImage(join(dir, 'gray.png'), 20, 31, 1);
  const out = join(dir, 'out', 'nested');
  const seen: string[] = [];
  const result = await predictImages({ checkpoint: ckpt, inputs: [join(dir, 'odd.png'), join(dir, 'gray.png')], out, onImage: (s) => seen.push(s.name) });
  assert.deepEqual(seen, ['odd', 'gray']);
  assert.deepEqual(readdirSync(out).sort(), [
    'gray.labels.png', 'gray.overlay.png', 'gray.panel.png', 'odd.labels.png', 'odd.overlay.png', 'odd.panel.png',
  ]);
  assert.equal(result.files.length, 6);
  const labels = readLabelImage(join(out, 'odd.labels.png'));
  assert.deepEqual([labels.width, labels.height], [37, 23]);
  const overlay = await readImage(join(out, 'gray.overlay.png'));
  assert.deepEqual([overlay.width, overlay.height, overlay.channels], [20, 31, 3]);
  assert.deepEqual(result.images[0]!.classesPresent.every((c) => UNET.names.includes(c)), true);
});

test('a binary model writes a probability map, and --save chooses the outputs', async (t) => {
  const dir = tempDir(t);
  const ckpt = writeTinyCheckpoint(join(dir, 'bin.safetensors'), BINARY);
  writeImage(join(dir, 'salt.png'), 25, 19, 1);
  const out = join(dir, 'out');
  await predictImages({ checkpoint: ckpt, inputs: [join(dir, 'salt.png')], out });
  assert.deepEqual(readdirSync(out).sort(), ['salt.labels.png', 'salt.overlay.png', 'salt.panel.png', 'salt.prob.png']);
  await predictImages({ checkpoint: ckpt, inputs: [join(dir, 'salt.png')], out: join(out, 'two'), save: ['prob', 'labels'], threshold: 1 });
  assert.deepEqual(readdirSync(join(out, 'two')).sort(), ['salt.labels.png', 'salt.prob.png']);
  assert.ok(readLabelImage(join(out, 'two', 'salt.labels.png')).data.every((v) => v === 0), 'threshold 1: no foreground');
  const unet = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET);
  await assert.rejects(predictImages({ checkpoint: unet, inputs: [join(dir, 'salt.png')], out: join(dir, 'x'), save: ['prob'] }), /output 'prob' needs a one-output \(binary, sigmoid\) model/);
  await assert.rejects(predictImages({ checkpoint: unet, inputs: [join(dir, 'salt.png')], out: join(dir, 'x'), threshold: 0.3 }), /a threshold applies to one-output \(binary\) models/);
  assert.equal(existsSync(join(dir, 'x')), false);
});

test('when an image fails mid-run, every file the run wrote is removed (and the folder it created)', async (t) => {
  const dir = tempDir(t);
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET);
  mkdirSync(join(dir, 'in'));
  writeImage(join(dir, 'in', 'a.png'), 16, 16);
  // A PNG whose header is fine but whose pixel data is cut off: found only when decoding.
  const broken = encodePng(testImage(16, 16));
  writeFileSync(join(dir, 'in', 'b.png'), broken.subarray(0, broken.length - 30));
  const out = join(dir, 'created');
  const done: string[] = [];
  const onImage = (s: { files: string[] }): void => void done.push(...s.files);
  await assert.rejects(predictImages({ checkpoint: ckpt, inputs: [join(dir, 'in')], out, onImage }), /b\.png/);
  assert.equal(done.length, 3, 'a.png was predicted and written before b.png failed');
  assert.equal(existsSync(out), false, 'the folder this run created is gone');

  const existing = join(dir, 'existing');
  mkdirSync(existing);
  writeFileSync(join(existing, 'keep.txt'), 'mine');
  await assert.rejects(predictImages({ checkpoint: ckpt, inputs: [join(dir, 'in')], out: existing }), /b\.png/);
  assert.deepEqual(readdirSync(existing), ['keep.txt'], 'only the files of this run were removed');

  // An earlier predict's files survive a failed later run that wrote the same names: predict
  // a.png into D, then a2/a.png plus a broken image into D; D keeps the first run's a.* files.
  const d = join(dir, 'D');
  await predictImages({ checkpoint: ckpt, inputs: [join(dir, 'in', 'a.png')], out: d });
  const first = Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f))]));
  assert.deepEqual(Object.keys(first).sort(), ['a.labels.png', 'a.overlay.png', 'a.panel.png']);
  mkdirSync(join(dir, 'a2'));
  writeImage(join(dir, 'a2', 'a.png'), 32, 16); // another picture under the same name
  await assert.rejects(predictImages({ checkpoint: ckpt, inputs: [join(dir, 'a2', 'a.png'), join(dir, 'in', 'b.png')], out: d }), /b\.png/);
  assert.deepEqual(readdirSync(d).sort(), Object.keys(first).sort(), 'no file added, none lost, no hidden copies left');
  for (const [f, bytes] of Object.entries(first)) assert.ok(readFileSync(join(d, f)).equals(bytes), `${f} holds the first run's content again`);
  // A run that succeeds replaces them and leaves no copies behind.
  await predictImages({ checkpoint: ckpt, inputs: [join(dir, 'a2', 'a.png')], out: d });
  assert.deepEqual(readdirSync(d).sort(), Object.keys(first).sort());
  assert.ok(!readFileSync(join(d, 'a.labels.png')).equals(first['a.labels.png']!), 'the second picture replaced the first');
});
