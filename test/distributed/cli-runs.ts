// The training runs the distributed CLI tests compare (loopback and the multi-host check): a
// tiny U-Net without BatchNorm on 16 generated 16x16 scenes, and how two runs are compared.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import type { CliResult } from '../cli/helpers.js';

export const COMMON = [
  ...['--format', 'synthetic', '--count', '16', '--size', '16', '--model', 'unet', '--base-width', '4', '--depth', '2', '--no-batch-norm'],
  ...['--augment', '--workers', '0', '--seed', '3', '--lr', '0.005', '--schedule', 'step', '--step-size', '1', '--gamma', '0.7', '--dist-timeout', '20', '-q'],
];
export const BASE_LR = 0.005;

export interface EpochLine {
  epoch: number;
  step: number;
  trainLoss: number;
  valLoss: number;
  pixelAccuracy: number;
  meanIoU: number;
  lr: number;
}

export function metrics(run: string): EpochLine[] {
  return readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochLine);
}

export function lastCheckpoint(run: string): { weights: Map<string, Float32Array>; step: number; epoch: number; scheduler: number | null; globalBatch: unknown } {
  const c = loadTrainingCheckpoint(join(run, 'checkpoints', 'last.safetensors'));
  try {
    const weights = new Map([...c.weights].map(([k, t]) => [k, Float32Array.from(t.data() as Float32Array)]));
    const s = c.trainState!;
    return { weights, step: s.step, epoch: s.epoch, scheduler: s.scheduler?.lastEpoch ?? null, globalBatch: s.extra?.globalBatch };
  } finally {
    disposeCheckpoint(c);
  }
}

export function maxWeightDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  let d = 0;
  for (const [k, x] of a) x.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.get(k)![i]!))));
  return d;
}

export function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /error/i, what);
  return r;
}

/** The same training in two runs: per-epoch losses and scores, and the final weights. */
export function assertSameTraining(a: string, b: string, fromEpoch = 1): void {
  const [ma, mb] = [metrics(a), metrics(b)].map((m) => m.filter((r) => r.epoch >= fromEpoch));
  assert.equal(ma!.length, mb!.length);
  ma!.forEach((r, i) => {
    const s = mb![i]!;
    assert.equal(r.step, s.step, `epoch ${r.epoch}: step`);
    assert.ok(Math.abs(r.trainLoss - s.trainLoss) <= 1e-5, `epoch ${r.epoch}: train loss ${r.trainLoss} vs ${s.trainLoss}`);
    assert.ok(Math.abs(r.valLoss - s.valLoss) <= 1e-5, `epoch ${r.epoch}: val loss ${r.valLoss} vs ${s.valLoss}`);
    assert.ok(Math.abs(r.pixelAccuracy - s.pixelAccuracy) <= 1e-9 && Math.abs(r.meanIoU - s.meanIoU) <= 1e-9, `epoch ${r.epoch}: scores`);
    assert.equal(r.lr, s.lr, `epoch ${r.epoch}: lr`);
  });
  const d = maxWeightDiff(lastCheckpoint(a).weights, lastCheckpoint(b).weights);
  assert.ok(d <= 1e-5, `final weights differ by ${d}`);
}

