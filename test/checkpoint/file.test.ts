import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memory, tensor } from '../../src/torch/index.js';
import {
  disposeCheckpoint,
  loadCheckpoint,
  loadCheckpointWithTraining,
  readCheckpointConfig,
  saveCheckpoint,
  type CheckpointConfig,
} from '../../src/checkpoint/file.js';
import { checkLayers } from '../../scripts/check-layers.js';

const config: CheckpointConfig = { model: { name: 'unet', options: { depth: 1 } }, classes: { names: ['a', 'b'], ignoreIndex: null } };

test('loading for prediction reads config and weights only; training reads the optimizer and train_state too', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'last.safetensors');
  const weights = new Map([['head.weight', tensor([1, 2, 3])]]);
  const optimizer = new Map([['state.0.exp_avg', tensor([4, 5, 6])]]);
  saveCheckpoint(path, { config, weights, optimizer, trainState: { step: 7, rng: 'AA==' } });
  for (const x of [...weights.values(), ...optimizer.values()]) x.dispose();

  assert.deepEqual(readCheckpointConfig(path), config);
  const before = memory().liveTensors;
  const plain = loadCheckpoint(path);
  assert.deepEqual([...plain.weights.keys()], ['head.weight']);
  assert.equal(memory().liveTensors - before, 1, 'the optimizer tensors are not even created');
  assert.deepEqual(plain.config, config);
  disposeCheckpoint(plain);

  const full = loadCheckpointWithTraining(path);
  assert.deepEqual([...full.weights.keys()], ['head.weight']);
  assert.deepEqual([...full.optimizer!.keys()], ['state.0.exp_avg']);
  assert.deepEqual(full.trainState, { step: 7, rng: 'AA==' });
  disposeCheckpoint(full);
  assert.equal(memory().liveTensors, before);
});

test('the checkpoint layer and prediction import nothing of the optimizers and schedules', () => {
  const { edges } = checkLayers(fileURLToPath(new URL('../../../src/', import.meta.url)));
  const offending = edges.filter((e) => (e.from === 'checkpoint' || e.from === 'infer') && (e.to === 'optim' || e.to === 'train'));
  assert.deepEqual(offending, []);
});
