import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeros } from '../../src/torch/index.js';
import { encodePng } from '../../src/image/png.js';
import { readLabelImage } from '../../src/image/files.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { CAE, testImage, writeTinyCheckpoint } from '../infer/make-checkpoints.js';
import { assertOneLineError, cli, tempDir, trainTinyRun } from './helpers.js';

// One trained checkpoint for the whole file: a U-Net after one epoch on 32x32 synthetic scenes.
const shared = mkdtempSync(join(tmpdir(), 'pixelwise-predict-'));
const trained = join(shared, 'run', 'checkpoints', 'last.safetensors');

before(async () => {
  await trainTinyRun(join(shared, 'run'), { valSplit: null });
});
after(() => rmSync(shared, { recursive: true, force: true }));

function writeImage(path: string, width: number, height: number, channels: 1 | 3 = 3): string {
  writeFileSync(path, encodePng(testImage(width, height, channels)));
  return path;
}

test('predict writes full-resolution labels, overlay and panel for files and folders, one line per image', async (t) => {
  const dir = tempDir(t, 'predict');
  mkdirSync(join(dir, 'imgs'));
  writeImage(join(dir, 'imgs', 'b.png'), 45, 37);
  writeImage(join(dir, 'imgs', 'a.png'), 19, 50, 1);
  const single = writeImage(join(dir, 'single.png'), 70, 33);
  const out = join(dir, 'out');
  const r = await cli(['predict', '--checkpoint', trained, join(dir, 'imgs'), single, '--out', out, '--alpha', '0.3']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4, r.stdout);
  assert.match(lines[0]!, /a\.png {2}50x19 \(HxW\) {2}classes: .+ {2}\d+\.\d\d s$/);
  assert.match(lines[1]!, /b\.png {2}37x45 \(HxW\)/);
  assert.match(lines[3]!, /wrote 9 file\(s\) for 3 image\(s\)/);
  assert.equal(readdirSync(out).length, 9);
  for (const [name, w, h] of [['a', 19, 50], ['b', 45, 37], ['single', 70, 33]] as const) {
    const labels = readLabelImage(join(out, `${name}.labels.png`));
    assert.deepEqual([labels.width, labels.height], [w, h], name);
    assert.ok(labels.palette, 'a palette PNG');
    assert.ok(labels.data.every((v) => v < 4), 'indices of the four synthetic classes');
  }

  const tiled = await cli(['predict', '-c', trained, single, '-o', join(dir, 'tiled'), '--tile', '32', '--overlap', '8', '--save', 'labels', '-q']);
  assert.equal(tiled.code, 0, tiled.stderr);
  assert.equal(tiled.stdout, '');
  assert.deepEqual(readdirSync(join(dir, 'tiled')), ['single.labels.png']);
});

test('bad input: one-line errors, non-zero exit, nothing left in --out', async (t) => {
  const dir = tempDir(t, 'predict-bad');
  const image = writeImage(join(dir, 'ok.png'), 20, 20);
  const out = join(dir, 'out');
  const plain = join(dir, 'plain.safetensors');
  const w = zeros([2]);
  saveSafetensors(plain, { w });
  w.dispose();
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'not an image');
  const fake = join(dir, 'fake.png');
  writeFileSync(fake, 'not a png either');
  mkdirSync(join(dir, 'empty'));
  const cae = writeTinyCheckpoint(join(dir, 'cae.safetensors'), CAE);
  const small = writeImage(join(dir, 'small.png'), 20, 20, 1);

  const cases: [string[], RegExp][] = [
    [['-c', join(dir, 'missing.safetensors'), image], /checkpoint .*missing\.safetensors does not exist/],
    [['-c', plain, image], /plain\.safetensors holds weights only, not a pixelwise checkpoint \(no pixelwise metadata\)/],
    [['-c', trained, join(dir, 'nope.png')], /input .*nope\.png does not exist/],
    [['-c', trained, notes], /notes\.txt is not an image file \(expected \.png/],
    [['-c', trained, fake], /fake\.png/],
    [['-c', trained, join(dir, 'empty')], /folder .*empty holds no images/],
    [['-c', cae, small], /small\.png: 20x20 \(HxW\) is smaller than the 28x28 input the cae model takes; .*padding cannot help/],
    [['-c', trained, image, '--save', 'prob'], /output 'prob' needs a one-output \(binary, sigmoid\) model/],
  ];
  // Side by side: each run spends most of its time loading libtorch.
  const results = await Promise.all(cases.map(([args], i) => cli(['predict', ...args, '--out', `${out}${i}`])));
  results.forEach((r, i) => {
    const line = assertOneLineError(r, 1, 'predict');
    assert.match(line, cases[i]![1]);
    assert.equal(existsSync(`${out}${i}`), false, `no --out folder after: ${line}`);
  });

  const [usage, noImages, overlap] = await Promise.all([
    cli(['predict', '-c', trained, image, '--out', out, '--tile', '0']),
    cli(['predict', '-c', trained, '--out', out]),
    cli(['predict', '-c', trained, image, '--out', out, '--tile', '32', '--overlap', '32']),
  ]);
  assert.match(assertOneLineError(usage, 2, 'predict'), /--tile expects an integer >= 1, got '0'/);
  assert.match(assertOneLineError(noImages, 2, 'predict'), /expected one or more images/);
  assert.match(assertOneLineError(overlap, 2, 'predict'), /--overlap expects less than --tile 32, got '32'/);
  assert.equal(existsSync(out), false);

  // An existing --out keeps what was there; a good image written before a broken one is removed again.
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'x');
  const broken = encodePng(testImage(20, 20));
  writeFileSync(join(dir, 'z.png'), broken.subarray(0, broken.length - 30));
  const r = await cli(['predict', '-c', trained, image, join(dir, 'z.png'), '--out', out]);
  assert.match(assertOneLineError(r, 1, 'predict'), /z\.png/);
  assert.deepEqual(readdirSync(out), ['keep.txt']);
});
