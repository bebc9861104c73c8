import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochPositions, trainingCurves } from '../../src/train/curves.js';
import type { EpochRecord } from '../../src/train/trainer.js';

const record = (epoch: number, step: number, complete: boolean, meanIoU: number | null = 0.5): EpochRecord => ({
  epoch, step, complete, trainLoss: 1 / epoch, valLoss: null, pixelAccuracy: null, meanAccuracy: null, meanIoU, fwIoU: null, perClassIoU: null, lr: 0.01, seconds: 1, elapsed: epoch, imagesPerSecond: 1,
});

test('a partial epoch sits at the fraction of its epoch that ran', () => {
  // 10 steps per epoch; epoch 3 stopped after 4 of its steps, then resumed and completed.
  const records = [record(1, 10, true), record(2, 20, true), record(3, 24, false), record(3, 30, true)];
  assert.deepEqual(epochPositions(records), [1, 2, 2.4, 3]);
  assert.deepEqual(epochPositions(records.slice(2, 3), 10), [2.4], 'steps per epoch given by the trainer');
  // A first epoch cut short with nothing to measure an epoch by stays at its number.
  assert.deepEqual(epochPositions([record(1, 3, false)]), [1]);
  const fig = trainingCurves(records, 'unet training');
  assert.deepEqual(fig.panels.map((p) => p.spec.lines![0]!.x && Array.from(p.spec.lines![0]!.x)), [[1, 2, 2.4, 3], [1, 2, 2.4, 3]]);
  assert.deepEqual(fig.panels[0]!.x.ticks, [1, 2, 3]);
});
