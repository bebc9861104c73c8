import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryStats,
  DEFAULT_SWEEP,
  foregroundDice,
  foregroundIoU,
  tgsKernelScore,
  TGS_IOU_THRESHOLDS,
  tgsImagePrecision,
  tgsMeanPrecision,
  thresholdSweep,
} from '../../src/metrics/binary.js';
import { memory, tensor, tidy } from '../../src/torch/index.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

interface SweepRow {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  iou: number;
  dice: number;
}
interface Binary {
  probs: FixtureTensor;
  targets: FixtureTensor;
  sweep: SweepRow[];
  bestThreshold: number;
  tgsIoU: (number | null)[];
  tgsPerImage: number[];
  tgsMeanPrecision: number;
  seedScore: number[];
  pixelAccuracy: number[];
}
const fx = loadFixture<{ binary: Binary }>('metrics').binary;
const at = (t: number): SweepRow => fx.sweep.find((r) => r.threshold === t)!;

test('foreground counts, IoU and Dice at 0.5 match numpy', () => {
  tidy(() => {
    const probs = fromFixture(fx.probs);
    const targets = fromFixture(fx.targets);
    const s = binaryStats(probs, targets);
    const ref = at(0.5);
    assert.deepEqual({ tp: s.tp, fp: s.fp, fn: s.fn, tn: s.tn }, { tp: ref.tp, fp: ref.fp, fn: ref.fn, tn: ref.tn });
    assertClose([s.iou, s.dice], [ref.iou, ref.dice], { atol: 1e-12 });
    // float32 probabilities, bool targets and a [N,1,H,W] output give the same answer.
    const [n, h, w] = fx.probs.shape as [number, number, number];
    assert.equal(foregroundIoU(probs.float().reshape([n, 1, h, w]), targets.bool(), 0.5), ref.iou);
    assert.equal(foregroundDice(Float32Array.from(fx.probs.data), fx.targets.data, 0.5), ref.dice);
  });
});

test('threshold sweep matches numpy at every threshold and picks the best IoU', () => {
  tidy(() => {
    const sweep = thresholdSweep(fromFixture(fx.probs), fromFixture(fx.targets));
    assert.deepEqual(sweep.thresholds, [...DEFAULT_SWEEP]);
    assertClose(sweep.iou, fx.sweep.map((r) => r.iou), { atol: 1e-12 });
    assertClose(sweep.dice, fx.sweep.map((r) => r.dice), { atol: 1e-12 });
    assert.equal(sweep.best?.threshold, fx.bestThreshold);
    assert.equal(sweep.best?.iou, Math.max(...sweep.iou));
  });
  const empty = thresholdSweep([0.1, 0.2], [0, 0], [0.5]);
  assert.ok(Number.isNaN(empty.iou[0]!));
  assert.equal(empty.best, null, 'no foreground anywhere: no best threshold');
});

test('TGS mean precision matches numpy, including empty masks and IoU exactly on a threshold', () => {
  const before = memory().liveTensors;
  const probs = fromFixture(fx.probs);
  const targets = fromFixture(fx.targets);
  const score = tgsMeanPrecision(probs, targets, 0.5);
  assert.deepEqual(score.perImage, fx.tgsPerImage);
  assertClose(score.iou, fx.tgsIoU.map((v) => (v === null ? NaN : v)), { atol: 1e-12 });
  assert.ok(Math.abs(score.meanPrecision - fx.tgsMeanPrecision) < 1e-12);
  // The same images as a list of flat arrays.
  const per = fx.probs.data.length / fx.probs.shape[0]!;
  const images = (d: number[]): number[][] => Array.from({ length: fx.probs.shape[0]! }, (_, i) => d.slice(i * per, (i + 1) * per));
  assert.deepEqual(tgsMeanPrecision(images(fx.probs.data), images(fx.targets.data)).perImage, fx.tgsPerImage);
  probs.dispose();
  targets.dispose();
  assert.equal(memory().liveTensors, before);
});

test('TGS per-image precision: both empty scores 1, on-threshold IoU does not count', () => {
  assert.equal(TGS_IOU_THRESHOLDS.length, 10);
  assert.equal(TGS_IOU_THRESHOLDS[4], 0.7);
  assert.equal(tgsImagePrecision(0, 0), 1);
  assert.equal(tgsImagePrecision(0, 5), 0);
  assert.equal(tgsImagePrecision(7, 10), 0.4); // 0.7 exceeds 0.5..0.65 only
  assert.equal(tgsImagePrecision(10, 10), 1);
});

test('tgsKernelScore reproduces the TGS kernel\'s _calculate_scoring: it is pixel accuracy, not IoU', () => {
  const n = fx.probs.shape[0]!;
  const per = fx.probs.data.length / n;
  for (let i = 0; i < n; i++) {
    const truth = fx.targets.data.slice(i * per, (i + 1) * per);
    const pred = fx.probs.data.slice(i * per, (i + 1) * per).map((p) => (p > 0.5 ? 1 : 0));
    assert.ok(Math.abs(tgsKernelScore(truth, pred) - fx.seedScore[i]!) < 1e-12, `image ${i}`);
    assert.ok(Math.abs(tgsKernelScore(truth, pred) - fx.pixelAccuracy[i]!) < 1e-12, `image ${i} equals pixel accuracy`);
  }
  // One foreground pixel predicted wrong among 99 background ones: IoU 0, the kernel's score 0.99.
  const truth = new Array(100).fill(0);
  truth[0] = 1;
  assert.equal(tgsKernelScore(truth, new Array(100).fill(0)), 0.99);
  assert.equal(foregroundIoU(new Array(100).fill(0), truth), 0);
  assert.equal(tgsKernelScore([], []), 0);
});

test('bad inputs are clear errors', () => {
  assert.throws(() => binaryStats([0.1, 0.9], [0, 2]), /targets hold 2; expected binary masks/);
  assert.throws(() => binaryStats([0.1, 0.9], [0, 1, 1]), /shape \[2\] do not match targets of shape \[3\]/);
  assert.throws(() => binaryStats([0.1], [0], NaN), /threshold must be a number/);
  assert.throws(() => thresholdSweep([0.1], [0], []), /at least one threshold/);
  assert.throws(() => tgsMeanPrecision([[0.1]], [[0], [1]]), /1 probability maps but 2 target masks/);
  assert.throws(() => tgsMeanPrecision(tensor([0.5]), [[1]] as never), /both be tensors/);
});
