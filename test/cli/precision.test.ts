// --precision on train, eval, predict and demo: auto follows the CPU's bf16 capability (AMX),
// says what it chose, and config.json records it; an explicit bf16 where bfloat16 is emulated
// runs with a one-line warning; bad values are one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuInfo } from '../../src/torch/index.js';
import { encodePng } from '../../src/image/png.js';
import { readLabelImage } from '../../src/image/files.js';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import { testImage } from '../infer/make-checkpoints.js';
import { assertOneLineError, cli, cliAll, tempDir } from './helpers.js';

const S = ['--format', 'synthetic', '--count', '8', '--model', 'unet', '--depth', '2', '--base-width', '4', '--size', '32x32', '--batch-size', '4', '--epochs', '1', '--threads', '1', '--workers', '0'];
// Independent of the rule's code: bf16 is worth it unasked only with AMX tiles here.
const autoHere = cpuInfo().features.amx_bf16 ? 'bf16' : 'fp32';
const emulated = cpuInfo().nativeBf16 === null;
const WARNING = /^warning: --precision bf16 on this CPU without native bfloat16 \(no AMX or AVX512-BF16\): it is emulated and will be slower than fp32$/m;
const environmentOf = (run: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { environment: Record<string, unknown> }).environment;

test('train: auto says what it chose and config.json records it; bf16 warns where emulated, trains, keeps float32 checkpoints', async (t) => {
  const dir = tempDir(t, 'precision');
  const [auto, bf16] = await cliAll([
    ['train', ...S, '--out', join(dir, 'auto')],
    ['train', ...S, '--precision', 'bf16', '--out', join(dir, 'bf16'), '-q'],
  ]);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stderr, new RegExp(`^precision: ${autoHere} \\(auto: .+\\)$`, 'm'));
  assert.match(auto.stderr, new RegExp(`^runs on {2}cpu, 1 thread, ${autoHere}, channels-last$`, 'm'));
  assert.doesNotMatch(auto.stderr, /^warning/m);
  assert.equal(environmentOf(join(dir, 'auto')).precision, autoHere);

  assert.equal(bf16.code, 0, bf16.stderr);
  if (emulated) assert.match(bf16.stderr, WARNING);
  else assert.doesNotMatch(bf16.stderr, /^warning/m);
  assert.doesNotMatch(bf16.stderr, /^precision:/m, '-q: no note, only the warning');
  assert.equal(environmentOf(join(dir, 'bf16')).precision, 'bf16');
  const ckpt = loadTrainingCheckpoint(join(dir, 'bf16', 'checkpoints', 'last.safetensors'));
  try {
    for (const [key, w] of ckpt.weights) assert.ok(w.dtype === 'float32' || w.dtype === 'int64', `${key} is ${w.dtype}`);
  } finally {
    disposeCheckpoint(ckpt);
  }

  // A resume may change the precision (a setting of the session); config.json says the latest.
  const resumed = await cli(['train', '--resume', join(dir, 'bf16'), '--epochs', '2', '--precision', 'fp32', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(environmentOf(join(dir, 'bf16')).precision, 'fp32');
});

test('eval and predict: --precision bf16 scores and segments like fp32; eval --json records it', async (t) => {
  const dir = tempDir(t, 'precision');
  const train = await cli(['train', ...S, '--epochs', '2', '--precision', 'fp32', '--out', join(dir, 'run'), '-q']);
  assert.equal(train.code, 0, train.stderr);
  const ckpt = join(dir, 'run', 'checkpoints', 'last.safetensors');
  const image = join(dir, 'scene.png');
  writeFileSync(image, encodePng(testImage(48, 40)));
  const evalArgs = ['eval', '--checkpoint', ckpt, '--format', 'synthetic', '--count', '8', '--threads', '1', '--json', '-q'];
  const [e32, e16, p32, p16] = await cliAll([
    [...evalArgs, '--precision', 'fp32'],
    [...evalArgs, '--precision', 'bf16'],
    ['predict', '-c', ckpt, image, '--out', join(dir, 'fp32'), '--save', 'labels', '--threads', '1', '--precision', 'fp32'],
    ['predict', '-c', ckpt, image, '--out', join(dir, 'bf16'), '--save', 'labels', '--threads', '1', '--precision', 'bf16'],
  ]);
  for (const r of [e32, e16, p32, p16]) assert.equal(r.code, 0, r.stderr);
  const [a, b] = [e32, e16].map((r) => JSON.parse(r.stdout) as { precision: string; meanIoU: number; pixelAccuracy: number });
  assert.equal(a!.precision, 'fp32');
  assert.equal(b!.precision, 'bf16');
  assert.ok(Math.abs(a!.pixelAccuracy - b!.pixelAccuracy) < 0.02, `pixel accuracy fp32 ${a!.pixelAccuracy} vs bf16 ${b!.pixelAccuracy}`);
  assert.match(p32.stdout, /^wrote 1 file\(s\) for 1 image\(s\) to .*; precision: fp32; memory format: channels-last \(auto: fp32 on the CPU\)$/m);
  assert.match(p16.stdout, /; precision: bf16 \(mixed, float32 weights; .+\)$/m);
  if (emulated) assert.match(p16.stderr, WARNING);
  const [l32, l16] = ['fp32', 'bf16'].map((p) => readLabelImage(join(dir, p, 'scene.labels.png')).data);
  let same = 0;
  for (let i = 0; i < l32!.length; i++) if (l32![i] === l16![i]) same++;
  assert.ok(same / l32!.length > 0.95, `labels agree on ${same} of ${l32!.length} pixels`);
});

test('--precision: bad values and onnx are one-line usage errors, before any work', async (t) => {
  const dir = tempDir(t, 'precision');
  const results = await cliAll([
    ['train', ...S, '--precision', 'fp16', '--out', join(dir, 'run')],
    ['eval', '--checkpoint', join(dir, 'none.safetensors'), '--format', 'synthetic', '--precision', 'half'],
    ['predict', '--engine', 'onnx', '-c', join(dir, 'm.onnx'), join(dir, 'x.png'), '--out', join(dir, 'p'), '--precision', 'bf16'],
    ['demo', '--out', join(dir, 'demo'), '--precision', 'bfloat16'],
  ]);
  const [train, evaluate, predict, demo] = results;
  assert.match(assertOneLineError(train!, 2, 'train'), /--precision expects one of auto, fp32, bf16, got 'fp16'/);
  assert.match(assertOneLineError(evaluate!, 2, 'eval'), /--precision expects one of auto, fp32, bf16, got 'half'/);
  assert.match(assertOneLineError(predict!, 2, 'predict'), /--precision applies to --engine libtorch/);
  assert.match(assertOneLineError(demo!, 2, 'demo'), /--precision expects one of auto, fp32, bf16, got 'bfloat16'/);
});

test('pixelwise env says what --precision auto picks here', async () => {
  const [text, json] = await cliAll([['env'], ['env', '--json']]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^precision +--precision auto gives ${autoHere} \\(auto: .+\\)$`, 'm'));
  assert.equal((JSON.parse(json.stdout) as { precisionAuto: string }).precisionAuto, autoHere);
});
