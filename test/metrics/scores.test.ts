import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/metrics/confusion.js';
import {
  fwIoU,
  formatTable,
  meanAccuracy,
  meanIoU,
  nanmean,
  perClassDice,
  perClassIoU,
  perClassPrecision,
  perClassRecall,
  pixelAccuracy,
  summarize,
} from '../../src/metrics/scores.js';
import { assertClose, loadFixture } from '../helpers.js';

interface Multiclass {
  classNames: string[];
  ignoreIndex: number;
  hist: number[][];
  pixelAccuracy: number;
  recall: (number | null)[];
  meanAccuracy: number;
  iou: (number | null)[];
  meanIoU: number;
  fwIoU: number;
  precision: (number | null)[];
  dice: (number | null)[];
}
const fx = loadFixture<{ multiclass: Multiclass }>('metrics').multiclass;
const nan = (xs: (number | null)[]): number[] => xs.map((x) => (x === null ? NaN : x));

test('scores match score.py label_accuracy_score, NaN where numpy has NaN', () => {
  const m = fx.hist;
  assertClose([pixelAccuracy(m), meanAccuracy(m), meanIoU(m), fwIoU(m)], [fx.pixelAccuracy, fx.meanAccuracy, fx.meanIoU, fx.fwIoU], {
    atol: 1e-12,
  });
  assertClose(perClassRecall(m), nan(fx.recall), { atol: 1e-12, message: 'recall' });
  assertClose(perClassIoU(m), nan(fx.iou), { atol: 1e-12, message: 'iou' });
  assertClose(perClassPrecision(m), nan(fx.precision), { atol: 1e-12, message: 'precision' });
  assertClose(perClassDice(m), nan(fx.dice), { atol: 1e-12, message: 'dice' });
  // The absent class is skipped by the means; the predicted-only class counts as IoU 0.
  assert.ok(Number.isNaN(perClassIoU(m)[4]!));
  assert.equal(perClassIoU(m)[5], 0);
  assert.ok(Math.abs(meanIoU(m) - nanmean(perClassIoU(m).slice(0, 4).concat([0]))) < 1e-15);
});

test('summarize gives the eval --json shape, null for undefined classes, and survives JSON', () => {
  const cm = ConfusionMatrix.fromJSON({ matrix: fx.hist, classNames: fx.classNames, ignoreIndex: fx.ignoreIndex, numImages: 3 });
  const s = summarize(cm);
  assert.deepEqual(Object.keys(s).sort(), [
    'classPixels',
    'confusionMatrix',
    'convention',
    'fwIoU',
    'meanAccuracy',
    'meanIoU',
    'numImages',
    'perClassAccuracy',
    'perClassDice',
    'perClassIoU',
    'pixelAccuracy',
  ]);
  // What the table shows, by name: accuracy (recall), Dice and the labelled pixels of each class.
  const truth = fx.hist.map((row) => row.reduce((a, b) => a + b, 0));
  fx.classNames.forEach((name, i) => {
    assert.equal(s.classPixels[name], truth[i]);
    const tp = fx.hist[i]![i]!;
    const predicted = fx.hist.reduce((a, row) => a + row[i]!, 0);
    assert.equal(s.perClassAccuracy[name], truth[i] ? tp / truth[i]! : null);
    assert.equal(s.perClassDice[name], truth[i]! + predicted ? (2 * tp) / (truth[i]! + predicted) : null);
  });
  assert.equal(s.numImages, 3);
  assert.deepEqual(Object.keys(s.perClassIoU), fx.classNames);
  assert.equal(s.perClassIoU['absent'], null);
  assert.equal(s.perClassIoU['predicted-only'], 0);
  assert.ok(Math.abs(s.perClassIoU['road']! - fx.iou[1]!) < 1e-12);
  assert.ok(Math.abs(s.meanIoU! - fx.meanIoU) < 1e-12);
  assert.deepEqual(s.confusionMatrix, fx.hist);
  assert.match(s.convention, /score\.py.*ignore label 255 excluded.*nanmean/);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});

test('an empty matrix gives nulls rather than NaN', () => {
  const s = summarize(new ConfusionMatrix(2, { classNames: ['bg', 'fg'] }));
  assert.equal(s.pixelAccuracy, null);
  assert.equal(s.meanIoU, null);
  assert.equal(s.fwIoU, null);
  assert.deepEqual(s.perClassIoU, { bg: null, fg: null });
});

test('formatTable aligns a row per class and prints n/a for undefined values', () => {
  const s = summarize(ConfusionMatrix.fromJSON({ matrix: fx.hist, classNames: fx.classNames, numImages: 3 }));
  const lines = formatTable(s).split('\n');
  assert.match(lines[0]!, /^pixel accuracy\s+\d+\.\d\d %$/);
  const miou = (100 * fx.meanIoU).toFixed(2).replace('.', '\\.');
  assert.ok(lines.some((l) => new RegExp(`^mean IoU\\s+${miou} %$`).test(l)), 'mean IoU in percent');
  const header = lines.findIndex((l) => l.startsWith('class'));
  const rows = lines.slice(header, header + 1 + fx.classNames.length);
  assert.equal(new Set(rows.map((r) => r.length)).size, 1, 'all rows the same width');
  assert.match(rows[5]!, /^absent\s+n\/a\s+n\/a\s+n\/a\s+0$/);
  assert.ok(!lines.some((l) => l.startsWith('convention')), 'the convention is in the JSON and eval --help, not after every table');
});

test('scores reject a non-square matrix', () => {
  assert.throws(() => pixelAccuracy([[1, 2], [3]]), /row 1 has 1 entries, expected 2/);
  assert.throws(() => summarize([[1]], { classNames: ['a', 'b'] }), /2 class names for 1 classes/);
});
