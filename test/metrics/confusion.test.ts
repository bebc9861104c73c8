import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/metrics/confusion.js';
import { memory, tensor, tidy } from '../../src/torch/index.js';
import { fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

interface Multiclass {
  numClasses: number;
  ignoreIndex: number;
  classNames: string[];
  labels: FixtureTensor;
  preds: FixtureTensor;
  hist: number[][];
}
const fx = loadFixture<{ multiclass: Multiclass }>('metrics').multiclass;

test('summed over images, the matrix equals score.py fast_hist (ignore label dropped)', () => {
  const cm = new ConfusionMatrix(fx.numClasses, { ignoreIndex: fx.ignoreIndex, classNames: fx.classNames });
  tidy(() => {
    const labels = fromFixture(fx.labels);
    const preds = fromFixture(fx.preds);
    // One image at a time, as an eval loop would, with mixed dtypes (uint8 truth, int64 pred).
    for (let i = 0; i < labels.shape[0]!; i++) cm.update(preds.select(0, i), labels.select(0, i));
  });
  assert.deepEqual(cm.toArray(), fx.hist);
  assert.equal(cm.numImages, fx.labels.shape[0]);
  assert.equal(cm.total, fx.hist.flat().reduce((a, b) => a + b, 0));
});

test('a whole batch at once gives the same matrix, and plain arrays match tensors', () => {
  const batch = new ConfusionMatrix(fx.numClasses, { ignoreIndex: fx.ignoreIndex });
  tidy(() => batch.update(fromFixture(fx.preds).to('int32'), fromFixture(fx.labels)));
  assert.deepEqual(batch.toArray(), fx.hist);
  assert.equal(batch.numImages, 3);

  const arrays = new ConfusionMatrix(fx.numClasses, { ignoreIndex: fx.ignoreIndex });
  arrays.update(new Int32Array(fx.preds.data), new Uint8Array(fx.labels.data), { images: 3 });
  assert.deepEqual(arrays.toArray(), fx.hist);
  assert.equal(arrays.numImages, 3);
});

test('update leaves no native tensors behind', () => {
  const cm = new ConfusionMatrix(4);
  const p = tensor([0, 1, 2, 255, 3], { dtype: 'uint8' });
  const t = tensor([0, 1, 2, 255, 3], { dtype: 'uint8' });
  const badPred = tensor([0, 9], { dtype: 'int64' });
  const badTarget = tensor([0, 1], { dtype: 'int64' });
  const before = memory().liveTensors;
  cm.update(p, t);
  assert.throws(() => cm.update(badPred, badTarget), /class 9/);
  assert.equal(memory().liveTensors, before, 'a failing update frees its temporaries too');
  assert.equal(cm.total, 4);
  for (const x of [p, t, badPred, badTarget]) x.dispose();
});

test('out-of-range values are errors naming the value; ignore pixels may hold anything', () => {
  const cm = new ConfusionMatrix(3);
  assert.throws(() => cm.update(new Int32Array([0, 3]), new Int32Array([0, 1])), /prediction holds class 3; expected 0\.\.2/);
  assert.throws(() => cm.update(new Int32Array([0, 1]), new Int32Array([0, -2])), /target holds class -2.*ignore label 255/);
  assert.throws(() => cm.update(new Int32Array([0, 1]), new Int32Array([0, 1, 1])), /shape \[2\] differs from target shape \[3\]/);
  assert.throws(() => cm.update(tensor([0.5, 1]), tensor([0, 1], { dtype: 'int64' })), /dtype float32; expected integer/);
  assert.throws(() => cm.update([0, 1.5], [0, 1]), /holds 1\.5/);
  assert.equal(cm.total, 0, 'failed updates add nothing');
  cm.update([0, 255, 2], [0, 255, 255]);
  assert.deepEqual(cm.toArray(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
  const noIgnore = new ConfusionMatrix(3, { ignoreIndex: null });
  assert.throws(() => noIgnore.update([0], [255]), /target holds class 255; expected 0\.\.2$/);
});

test('constructor rejects bad settings', () => {
  assert.throws(() => new ConfusionMatrix(0), /positive integer, got 0/);
  assert.throws(() => new ConfusionMatrix(3, { ignoreIndex: 1 }), /ignoreIndex 1 must be an integer outside/);
  assert.throws(() => new ConfusionMatrix(2, { classNames: ['a'] }), /1 classNames for 2 classes/);
  assert.throws(() => new ConfusionMatrix(2, { classNames: ['a', 'a'] }), /'a' appears twice/);
});

test('counts beyond 2^31 stay exact through fromJSON, merge and toJSON', () => {
  const big = 3_000_000_000;
  const a = ConfusionMatrix.fromJSON({ matrix: [[big, 1], [2, big]], numImages: 5, classNames: ['bg', 'fg'] });
  const b = ConfusionMatrix.fromJSON({ matrix: [[big, 0], [0, 7]], numImages: 2 });
  a.merge(b);
  assert.equal(a.get(0, 0), 2 * big);
  assert.equal(a.total, 2 * big + big + 10);
  const json = JSON.parse(JSON.stringify(a));
  assert.deepEqual(json, {
    numClasses: 2,
    ignoreIndex: 255,
    classNames: ['bg', 'fg'],
    numImages: 7,
    matrix: [[2 * big, 1], [2, big + 7]],
  });
  assert.deepEqual(ConfusionMatrix.fromJSON(json).toArray(), json.matrix);
  assert.throws(() => a.merge(new ConfusionMatrix(3)), /3 classes cannot merge into 2/);
  a.reset();
  assert.equal(a.total, 0);
  assert.equal(a.numImages, 0);
});
