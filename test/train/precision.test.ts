// Training in bf16 mixed precision through the library (precision pinned): the loss falls, the
// weights and checkpoints stay float32, config.json records the precision, and the forward
// pass really ran in bfloat16 (the weights end up near, not equal to, an fp32 run's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareRun, type TrainRunOptions } from '../../src/train/run.js';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';

// 16 scenes, batch 4: 4 steps per epoch, 32 steps in all.
const tiny: Omit<TrainRunOptions, 'out'> = {
  data: { format: 'synthetic', count: 16, size: 32 },
  valSplit: null,
  model: 'unet',
  modelOptions: { baseWidth: 4, depth: 2 },
  batchSize: 4,
  epochs: 8,
  lr: 3e-3,
  threads: 1,
  workers: 0,
  schedule: 'none',
  log: () => undefined,
};

async function trainIn(out: string, precision: 'fp32' | 'bf16'): Promise<number[]> {
  const run = await prepareRun({ ...tiny, out, precision });
  try {
    assert.equal(run.summary.precision, precision);
    const { history } = await run.trainer.run();
    return history.map((r) => r.trainLoss);
  } finally {
    await run.close();
  }
}

test('a short bf16 training learns; weights, gradients and checkpoints stay float32; config.json says bf16', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-bf16-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bf16 = await trainIn(join(dir, 'bf16'), 'bf16');
  assert.equal(bf16.length, 8);
  assert.ok(bf16.every(Number.isFinite), `losses ${bf16}`);
  assert.ok(bf16.at(-1)! < 0.8 * bf16[0]!, `bf16 loss per epoch: ${bf16.map((l) => l.toFixed(3)).join(' ')}`);
  const config = JSON.parse(readFileSync(join(dir, 'bf16', 'config.json'), 'utf8')) as { environment: { precision: string }; training: Record<string, unknown> };
  assert.equal(config.environment.precision, 'bf16');
  assert.equal('precision' in config.training, false, 'a setting of the session, not of the run (a resume may change it)');

  const fp32 = await trainIn(join(dir, 'fp32'), 'fp32');
  const a = loadTrainingCheckpoint(join(dir, 'bf16', 'checkpoints', 'last.safetensors'));
  const b = loadTrainingCheckpoint(join(dir, 'fp32', 'checkpoints', 'last.safetensors'));
  try {
    let differ = 0;
    for (const [key, w] of a.weights) {
      assert.ok(w.dtype === 'float32' || w.dtype === 'int64', `${key} is ${w.dtype}`);
      if (w.dtype === 'float32' && w.sub(b.weights.get(key)!).abs().max().item() > 0) differ++;
    }
    for (const [key, s] of a.optimizer ?? []) if (s.dtype !== 'int64') assert.equal(s.dtype, 'float32', `optimizer state ${key}`);
    assert.ok(differ > 0, 'bf16 and fp32 runs from the same seed end with different weights: the forward ran in bfloat16');
  } finally {
    disposeCheckpoint(a);
    disposeCheckpoint(b);
  }
  // The same data and seed: bf16 learns about as well as fp32.
  assert.ok(Math.abs(bf16.at(-1)! - fp32.at(-1)!) < 0.25 * fp32[0]!, `final loss bf16 ${bf16.at(-1)} vs fp32 ${fp32.at(-1)}`);
});
