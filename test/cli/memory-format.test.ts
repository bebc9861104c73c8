// --memory-format on train, eval, predict and demo: auto runs channels-last on the CPU, says so,
// and config.json records it next to the precision; a resume may change it; eval --json reports
// it and scores the same either way; bad values are one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { readLabelImage } from '../../src/image/files.js';
import { testImage } from '../infer/make-checkpoints.js';
import { assertOneLineError, cli, cliAll, tempDir } from './helpers.js';

const S = ['--format', 'synthetic', '--count', '8', '--model', 'unet', '--depth', '2', '--base-width', '4', '--size', '32x32', '--batch-size', '4', '--epochs', '1', '--threads', '1', '--workers', '0', '--precision', 'fp32'];
const environmentOf = (run: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { environment: Record<string, unknown> }).environment;

test('train: auto runs channels-last on the CPU and records it; contiguous on request; a resume may switch; eval and predict agree across layouts', async (t) => {
  const dir = tempDir(t, 'memory-format');
  const [auto, contiguous] = await cliAll([
    ['train', ...S, '--out', join(dir, 'auto')],
    ['train', ...S, '--memory-format', 'contiguous', '--out', join(dir, 'contiguous'), '-q'],
  ]);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stderr, /^memory format: channels-last \(auto: fp32 on the CPU\)$/m);
  assert.match(auto.stderr, /^runs on {2}cpu, 1 thread, fp32, channels-last$/m);
  assert.equal(environmentOf(join(dir, 'auto')).memoryFormat, 'channels-last');
  assert.equal(environmentOf(join(dir, 'auto')).precision, 'fp32');
  assert.equal(contiguous.code, 0, contiguous.stderr);
  assert.doesNotMatch(contiguous.stderr, /^memory format:/m, '-q: no note');
  assert.equal(environmentOf(join(dir, 'contiguous')).memoryFormat, 'contiguous');

  const resumed = await cli(['train', '--resume', join(dir, 'auto'), '--epochs', '2', '--memory-format', 'contiguous', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(environmentOf(join(dir, 'auto')).memoryFormat, 'contiguous');

  const ckpt = join(dir, 'auto', 'checkpoints', 'last.safetensors');
  const image = join(dir, 'scene.png');
  writeFileSync(image, encodePng(testImage(48, 40)));
  const evalArgs = ['eval', '--checkpoint', ckpt, '--format', 'synthetic', '--count', '8', '--threads', '1', '--precision', 'fp32', '--json', '-q'];
  const predictArgs = (f: string): string[] => ['predict', '-c', ckpt, image, '--out', join(dir, f), '--save', 'labels', '--threads', '1', '--precision', 'fp32', '--memory-format', f];
  const [eCl, eC, pCl, pC] = await cliAll([
    [...evalArgs, '--memory-format', 'channels-last'],
    [...evalArgs, '--memory-format', 'contiguous'],
    predictArgs('channels-last'),
    predictArgs('contiguous'),
  ]);
  for (const r of [eCl, eC, pCl, pC]) assert.equal(r!.code, 0, r!.stderr);
  const [a, b] = [eCl, eC].map((r) => JSON.parse(r!.stdout) as { memoryFormat: string; meanIoU: number; pixelAccuracy: number });
  assert.equal(a!.memoryFormat, 'channels-last');
  assert.equal(b!.memoryFormat, 'contiguous');
  assert.ok(Math.abs(a!.meanIoU - b!.meanIoU) < 1e-6 && Math.abs(a!.pixelAccuracy - b!.pixelAccuracy) < 1e-6, `${a!.meanIoU} vs ${b!.meanIoU}`);
  assert.match(pCl!.stdout, /; precision: fp32; memory format: channels-last$/m);
  const [l1, l2] = ['channels-last', 'contiguous'].map((f) => readLabelImage(join(dir, f, 'scene.labels.png')).data);
  let same = 0;
  for (let i = 0; i < l1!.length; i++) if (l1![i] === l2![i]) same++;
  assert.ok(same >= l1!.length - 2, `labels agree on ${same} of ${l1!.length} pixels`);
});

test('--memory-format: bad values and onnx are one-line usage errors, before any work', async (t) => {
  const dir = tempDir(t, 'memory-format');
  const [train, evaluate, predict, demo] = await cliAll([
    ['train', ...S, '--memory-format', 'nhwc', '--out', join(dir, 'run')],
    ['eval', '--checkpoint', join(dir, 'none.safetensors'), '--format', 'synthetic', '--memory-format', 'channels_last'],
    ['predict', '--engine', 'onnx', '-c', join(dir, 'm.onnx'), join(dir, 'x.png'), '--out', join(dir, 'p'), '--memory-format', 'channels-last'],
    ['demo', '--out', join(dir, 'demo'), '--memory-format', 'cl'],
  ]);
  assert.match(assertOneLineError(train!, 2, 'train'), /--memory-format expects one of auto, channels-last, contiguous, got 'nhwc'/);
  assert.match(assertOneLineError(evaluate!, 2, 'eval'), /--memory-format expects one of auto, channels-last, contiguous, got 'channels_last'/);
  assert.match(assertOneLineError(predict!, 2, 'predict'), /--memory-format applies to --engine libtorch/);
  assert.match(assertOneLineError(demo!, 2, 'demo'), /--memory-format expects one of auto, channels-last, contiguous, got 'cl'/);
});
