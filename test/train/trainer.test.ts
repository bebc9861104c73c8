import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareRun, prepareResume, type TrainRunOptions } from '../../src/train/run.js';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import { readJsonl } from '../../src/train/jsonl-log.js';
import { decodePng } from '../../src/image/png.js';
import { makeMnist } from '../data/make-datasets.js';

const tiny: Omit<TrainRunOptions, 'out'> = {
  data: { format: 'synthetic', count: 24, size: 32 },
  valSplit: 'val',
  model: 'unet',
  modelOptions: { baseWidth: 4, depth: 2, dropout: 0.3 },
  batchSize: 4,
  epochs: 2,
  threads: 1,
  workers: 0,
  augment: true,
};

function tempRun(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-train-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Largest absolute difference between the weights of two checkpoints. */
function weightDistance(a: string, b: string): number {
  const ca = loadTrainingCheckpoint(a);
  const cb = loadTrainingCheckpoint(b);
  try {
    let max = 0;
    for (const [key, t] of ca.weights) max = Math.max(max, t.sub(cb.weights.get(key)!).abs().max().item());
    return max;
  } finally {
    disposeCheckpoint(ca);
    disposeCheckpoint(cb);
  }
}

test('a run interrupted mid-epoch and resumed ends with exactly the weights of an uninterrupted run', async (t) => {
  const dir = tempRun(t);
  const straight = join(dir, 'straight');
  const resumed = join(dir, 'resumed');
  let run = await prepareRun({ ...tiny, out: straight });
  await run.trainer.run();
  await run.close();

  run = await prepareRun({ ...tiny, out: resumed });
  const optimizer = run.trainer.o.optimizer;
  const step = optimizer.step.bind(optimizer);
  let steps = 0;
  optimizer.step = () => {
    step();
    if (++steps === 4) run.trainer.requestStop(); // 6 steps per epoch: stop inside the first
  };
  const first = await run.trainer.run();
  await run.close();
  assert.equal(first.stoppedBy, 'interrupt');
  assert.equal(first.history.at(-1)!.complete, false);

  run = await prepareResume(resumed);
  const rest = await run.trainer.run();
  await run.close();
  assert.equal(rest.stoppedBy, 'epochs');
  assert.equal(weightDistance(join(straight, 'checkpoints/last.safetensors'), join(resumed, 'checkpoints/last.safetensors')), 0);
  const last = loadTrainingCheckpoint(join(resumed, 'checkpoints/last.safetensors'));
  assert.equal(last.trainState!.step, 12);
  disposeCheckpoint(last);
});

test('a run folder holds config, metrics.jsonl, curves and checkpoints', async (t) => {
  const out = join(tempRun(t), 'run');
  const run = await prepareRun({ ...tiny, out });
  const result = await run.trainer.run();
  await run.close();
  const { records } = readJsonl<Record<string, unknown>>(join(out, 'metrics.jsonl'));
  assert.equal(records.length, 2);
  for (const key of ['epoch', 'trainLoss', 'valLoss', 'meanIoU', 'pixelAccuracy', 'lr', 'seconds', 'imagesPerSecond']) {
    assert.ok(key in records[0]!, `metrics.jsonl lacks ${key}`);
  }
  assert.equal(result.history.length, 2);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model.name, 'unet');
  assert.deepEqual(config.classes.names, ['background', 'circle', 'square', 'triangle']);
  const png = decodePng(readFileSync(join(out, 'curves.png')));
  assert.ok(png.width > 100 && png.height > 100);
  assert.match(readFileSync(join(out, 'curves.svg'), 'utf8'), /<svg[^>]*>[\s\S]*val mIoU/);
  const best = loadTrainingCheckpoint(join(out, 'checkpoints/best.safetensors'));
  assert.equal(best.optimizer, null, 'best.safetensors holds weights only');
  assert.equal(best.config.model.name, 'unet');
  // The checkpoint stores the normalisation record, not a preset name.
  assert.deepEqual(best.config.preprocess?.normalize, { channelOrder: 'rgb', range: 1, mean: [0], std: [1] });
  disposeCheckpoint(best);
  const last = loadTrainingCheckpoint(join(out, 'checkpoints/last.safetensors'));
  assert.ok(last.optimizer && last.optimizer.size > 0, 'last.safetensors holds the optimizer state');
  disposeCheckpoint(last);
});

test('resuming drops metrics lines written after the checkpoint it continues from', async (t) => {
  const out = join(tempRun(t), 'run');
  let run = await prepareRun({ ...tiny, epochs: 1, out });
  await run.trainer.run();
  await run.close();
  // A line from work that was lost (e.g. a crash after logging, before saving).
  const metrics = join(out, 'metrics.jsonl');
  const { records } = readJsonl<{ step: number }>(metrics);
  const lost = { ...records[0], epoch: 2, step: 999 };
  const { appendFileSync } = await import('node:fs');
  appendFileSync(metrics, JSON.stringify(lost) + '\n');
  run = await prepareResume(out, { epochs: 2 });
  await run.trainer.run();
  await run.close();
  const steps = readJsonl<{ step: number }>(metrics).records.map((r) => r.step);
  assert.deepEqual(steps, [6, 12]);
});

test('a dataset without masks cannot train a segmentation model, and no run folder is left', async (t) => {
  const dir = tempRun(t);
  const out = join(dir, 'run');
  await assert.rejects(prepareRun({ ...tiny, data: { format: 'folder', root: join(dir, 'missing') }, out }), /missing: dataset folder not found/);
  assert.equal(existsSync(out), false);
  // Images without label maps (MNIST digits): refused before anything is written.
  makeMnist(join(dir, 'mnist'), { train: 2, test: 1 });
  await assert.rejects(prepareRun({ ...tiny, data: { format: 'mnist', root: join(dir, 'mnist'), split: 'train' }, out }), /has no label maps; a segmentation model needs masks/);
  assert.equal(existsSync(out), false);
});

test('an ignore index inside the class range is refused before training, naming the value', async (t) => {
  const out = join(tempRun(t), 'run');
  await assert.rejects(prepareRun({ ...tiny, ignoreIndex: 2, out }), /4 classes and ignoreIndex \(--ignore-index\) is 2.*outside 0\.\.3/);
  assert.equal(existsSync(out), false);
});

test('resuming a run that stopped at its --iterations takes no further step', async (t) => {
  const out = join(tempRun(t), 'run');
  let run = await prepareRun({ ...tiny, iterations: 4, out }); // 6 steps per epoch: stops inside epoch 1
  const first = await run.trainer.run();
  await run.close();
  assert.equal(first.stoppedBy, 'iterations');
  const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
  run = await prepareResume(out);
  const again = await run.trainer.run();
  await run.close();
  assert.equal(again.stoppedBy, 'iterations');
  const last = loadTrainingCheckpoint(join(out, 'checkpoints/last.safetensors'));
  assert.equal(last.trainState!.step, 4);
  disposeCheckpoint(last);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), before, 'no record added');

  // A new length in epochs replaces the one in iterations: on to the end of epoch 1.
  run = await prepareResume(out, { epochs: 1 });
  const extended = await run.trainer.run();
  await run.close();
  assert.equal(extended.stoppedBy, 'epochs');
  const end = loadTrainingCheckpoint(join(out, 'checkpoints/last.safetensors'));
  assert.equal(end.trainState!.step, 6);
  disposeCheckpoint(end);
});
