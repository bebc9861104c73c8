import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/file.js';
import { makeFolder, patternLabel } from '../data/make-datasets.js';
import { assertOneLineError, cli } from './helpers.js';

const NAMES = ['sky', 'road', 'car'];
const SIZE = 16;
let dir = '';
let data = '';
let checkpoint = '';

const trainArgs = ['--model', 'unet', '--base-width', '4', '--depth', '2', '--epochs', '1', '--batch-size', '4', '--threads', '1', '--workers', '0', '-q'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pixelwise-cli-eval-'));
  data = join(dir, 'data');
  const classesJson = { names: NAMES, ignoreIndex: 255 };
  makeFolder(data, { split: 'train', count: 4, width: SIZE, height: SIZE, numClasses: 3, classesJson });
  makeFolder(data, { split: 'val', count: 3, width: SIZE, height: SIZE, numClasses: 3, classesJson });
  // Four ignored pixels in one validation mask: left out of the matrix.
  const mask = Uint8Array.from({ length: SIZE * SIZE }, (_, p) => (p < 4 ? 255 : patternLabel(0, p % SIZE, Math.floor(p / SIZE), 3)));
  writeFileSync(join(data, 'val', 'masks', 'img_0.png'), encodePng({ width: SIZE, height: SIZE, channels: 1, data: mask }));
  const r = await cli(['train', '--format', 'folder', '--data', data, ...trainArgs, '--out', join(dir, 'run')]);
  assert.equal(r.code, 0, r.stderr);
  checkpoint = join(dir, 'run', 'checkpoints', 'best.safetensors');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('eval --json prints exactly one JSON object with the score.py metrics', async () => {
  const r = await cli(['eval', '--checkpoint', checkpoint, '--format', 'folder', '--data', data, '--split', 'val', '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').length, 1, 'one line on stdout');
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['pixelAccuracy', 'meanAccuracy', 'meanIoU', 'fwIoU', 'perClassIoU', 'perClassAccuracy', 'perClassDice', 'classPixels', 'confusionMatrix', 'numImages', 'convention']) {
    assert.ok(key in out, `key ${key}`);
  }
  for (const key of ['pixelAccuracy', 'meanAccuracy', 'meanIoU', 'fwIoU'] as const) {
    const v = out[key] as number;
    assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${key} = ${v}`);
  }
  const perClass = out.perClassIoU as Record<string, number | null>;
  assert.deepEqual(Object.keys(perClass), NAMES);
  for (const v of Object.values(perClass)) assert.ok(v === null || (v >= 0 && v <= 1));
  const m = out.confusionMatrix as number[][];
  assert.equal(m.length, 3);
  const total = m.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 3 * SIZE * SIZE - 4, 'every pixel counted once, the 4 ignored ones left out');
  assert.deepEqual(m.map((row) => row.reduce((a, b) => a + b, 0)), [0, 1, 2].map((c) => truthPixels(c)));
  // What the table shows is in the JSON too: per-class accuracy, Dice and pixel counts.
  assert.deepEqual(out.classPixels, Object.fromEntries(NAMES.map((name, c) => [name, truthPixels(c)])));
  const accuracy = out.perClassAccuracy as Record<string, number | null>;
  const dice = out.perClassDice as Record<string, number | null>;
  NAMES.forEach((name, c) => {
    const predicted = m.reduce((a, row) => a + row[c]!, 0);
    assert.ok(Math.abs(accuracy[name]! - m[c]![c]! / truthPixels(c)) < 1e-12, `accuracy of ${name}`);
    assert.ok(Math.abs(dice[name]! - (2 * m[c]![c]!) / (truthPixels(c) + predicted)) < 1e-12, `Dice of ${name}`);
  });
  const correct = m.reduce((s, row, i) => s + row[i]!, 0);
  assert.ok(Math.abs((out.pixelAccuracy as number) - correct / total) < 1e-12);
  assert.equal(out.numImages, 3);
  assert.match(out.convention as string, /score\.py.*ignore label 255 excluded/);
  assert.equal(out.binary, undefined, 'a softmax model has no binary details');
});

test('eval --full-resolution scores predictions at each label map\'s size; equal to the default where no resizing happens', async () => {
  const args = ['eval', '--checkpoint', checkpoint, '--format', 'folder', '--data', data, '--json', '--threads', '1'];
  const [plain, full] = await Promise.all([cli([...args, '--split', 'val']), cli([...args, '--split', 'val', '--full-resolution'])]);
  assert.equal(full.code, 0, full.stderr);
  const a = JSON.parse(plain.stdout) as { confusionMatrix: number[][]; resolution: string };
  const b = JSON.parse(full.stdout) as { confusionMatrix: number[][]; resolution: string };
  assert.deepEqual(b.confusionMatrix, a.confusionMatrix, '16x16 images: the same pixels, the same predictions');
  assert.deepEqual([a.resolution, b.resolution], ['training', 'full']);

  // 18x10 images are not multiples of U-Net's 4: the training-size path refuses them, prediction pads and crops.
  makeFolder(data, { split: 'odd', count: 2, width: 18, height: 10, numClasses: 3, classesJson: { names: NAMES, ignoreIndex: 255 } });
  assert.match(assertOneLineError(await cli([...args, '--split', 'odd']), 1, 'eval'), /multiples of 4/);
  const odd = await cli([...args, '--split', 'odd', '--full-resolution']);
  assert.equal(odd.code, 0, odd.stderr);
  const m = (JSON.parse(odd.stdout) as { confusionMatrix: number[][] }).confusionMatrix;
  assert.equal(m.flat().reduce((x, y) => x + y, 0), 2 * 18 * 10, 'every pixel of the stored label maps');
  assert.match(assertOneLineError(await cli([...args, '--full-resolution', '--batch-size', '4']), 2, 'eval'), /--batch-size does not apply with --full-resolution/);
});

/** Validation label pixels of class c (the pattern of makeFolder, minus the 4 ignored ones). */
function truthPixels(c: number): number {
  let n = 0;
  for (let k = 0; k < 3; k++) {
    for (let p = k === 0 ? 4 : 0; p < SIZE * SIZE; p++) if (patternLabel(k, p % SIZE, Math.floor(p / SIZE), 3) === c) n++;
  }
  return n;
}

test('eval prints a table (the convention is in --help and the JSON); the default split is val', async () => {
  const r = await cli(['eval', '-c', checkpoint, '--format', 'folder', '--data', data, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /split val/);
  assert.match(r.stdout, /mean IoU\s+\d+\.\d\d %/);
  assert.match(r.stdout, /^road\s/m);
  assert.doesNotMatch(r.stdout, /convention/);
  const help = await cli(['eval', '--help']);
  assert.match(help.stdout.replace(/\s+/g, ' '), /convention: FCN score\.py: one confusion matrix/);
});

test('a checkpoint trained on another class count is a one-line error naming both', async (t) => {
  const other = join(dir, 'binary');
  makeFolder(other, { count: 2, width: SIZE, height: SIZE, masks: 'binary' });
  t.after(() => rmSync(other, { recursive: true, force: true }));
  const r = await cli(['eval', '-c', checkpoint, '--format', 'folder', '--data', other, '--json']);
  const line = assertOneLineError(r, 1, 'eval');
  assert.ok(line.includes(checkpoint), line);
  assert.match(line, /3 classes \(sky, road, car\).* has 2 \(background, foreground\)/);
  assert.equal(r.stdout, '', 'nothing on stdout');
});

test('weights that do not fit, a model that cannot be rebuilt, a file that is no checkpoint: one-line errors', async () => {
  const source = loadCheckpoint(checkpoint);
  const wide = join(dir, 'wide.safetensors');
  const unknown = join(dir, 'unknown.safetensors');
  try {
    const options = { ...source.config.model.options, baseWidth: 8 };
    saveCheckpoint(wide, { config: { ...source.config, model: { name: 'unet', options } }, weights: source.weights });
    saveCheckpoint(unknown, { config: { ...source.config, model: { name: 'segnet', options: {} } }, weights: source.weights });
  } finally {
    disposeCheckpoint(source);
  }
  const base = ['--format', 'folder', '--data', data];
  let line = assertOneLineError(await cli(['eval', '-c', wide, ...base]), 1, 'eval');
  assert.ok(line.includes(wide) && /weights do not fit model unet/.test(line) && /shape mismatch/.test(line), line);
  line = assertOneLineError(await cli(['eval', '-c', unknown, ...base]), 1, 'eval');
  assert.ok(line.includes(unknown) && /cannot rebuild its model 'segnet'/.test(line), line);
  const notCheckpoint = join(data, 'val', 'images', 'img_1.png');
  line = assertOneLineError(await cli(['eval', '-c', notCheckpoint, ...base]), 1, 'eval');
  assert.ok(line.includes(notCheckpoint), line);
  line = assertOneLineError(await cli(['eval', '-c', join(dir, 'missing.safetensors'), ...base]), 1, 'eval');
  assert.match(line, /does not exist/);
});

test('eval usage mistakes exit with code 2', async () => {
  assertOneLineError(await cli(['eval', '--format', 'folder', '--data', data]), 2, 'eval');
  assertOneLineError(await cli(['eval', '-c', checkpoint, '--format', 'folder', '--data', data, '--threshold', '2']), 2, 'eval');
  assertOneLineError(await cli(['eval', '-c', checkpoint, '--format', 'folder', '--data', data, '--batch-size', 'x']), 2, 'eval');
});

test('a one-output (binary) model also gets foreground IoU/Dice, the sweep and the TGS score', async (t) => {
  const binary = join(dir, 'fg');
  t.after(() => rmSync(binary, { recursive: true, force: true }));
  makeFolder(binary, { split: 'train', count: 4, width: SIZE, height: SIZE, masks: 'binary' });
  makeFolder(binary, { split: 'val', count: 2, width: SIZE, height: SIZE, masks: 'binary' });
  const run = join(binary, 'run');
  const trained = await cli(['train', '--format', 'folder', '--data', binary, ...trainArgs, '--loss', 'bce', '--out', run]);
  assert.equal(trained.code, 0, trained.stderr);
  const ckpt = join(run, 'checkpoints', 'last.safetensors');
  const r = await cli(['eval', '-c', ckpt, '--format', 'folder', '--data', binary, '--threshold', '0.3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { confusionMatrix: number[][]; binary: Record<string, any> };
  assert.equal(out.confusionMatrix.flat().reduce((a, b) => a + b, 0), 2 * SIZE * SIZE);
  const b = out.binary;
  assert.equal(b.threshold, 0.3);
  const [[, fp], [fn, tp]] = out.confusionMatrix as [[number, number], [number, number]];
  assert.ok(Math.abs(b.foregroundIoU - tp / (tp + fp + fn)) < 1e-12, 'foreground IoU from the matrix at the threshold');
  assert.equal(b.sweep.thresholds.length, 19);
  assert.equal(b.sweep.iou.length, 19);
  assert.ok(b.tgsMeanPrecision >= 0 && b.tgsMeanPrecision <= 1);
  const table = await cli(['eval', '-c', ckpt, '--format', 'folder', '--data', binary]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /foreground IoU/);
  assert.match(table.stdout, /TGS mean precision/);
  assert.match(table.stdout, /threshold sweep/);
});
