import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLabelImage } from '../../src/image/files.js';
import { predict, type Prediction } from '../../src/infer/predict.js';
import type { PredictorClasses } from '../../src/infer/predictor.js';
import { labelsPng, overlayImage, predictionLegend, predictionPanel, probabilityImage, reconstructionPanel } from '../../src/infer/render.js';
import { matshowLegend } from '../../src/viz/legend.js';
import { vocPalette } from '../../src/image/palette.js';
import { BINARY, UNET, tempDir, testImage, tinyPredictor } from './make-checkpoints.js';

function fakePrediction(width: number, height: number, numClasses: number): Prediction {
  const n = width * height;
  const labels = numClasses <= 256 ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7) % numClasses;
  return {
    width,
    height,
    labels,
    probabilities: new Float32Array(n),
    planes: numClasses,
    classesPresent: [...new Set(labels)].sort((a, b) => a - b),
    modelWidth: width,
    modelHeight: height,
  };
}

const classesOf = (n: number): PredictorClasses => ({
  names: Array.from({ length: n }, (_, i) => `class${i}`),
  palette: vocPalette(n).map((c) => [c[0], c[1], c[2]]),
  ignoreIndex: null,
});

test('the labels PNG is a palette image that reads back as the exact class indices', (t) => {
  const dir = tempDir(t);
  const p = tinyPredictor(UNET);
  try {
    const pred = predict(p, testImage(41, 29));
    const path = join(dir, 'x.labels.png');
    writeFileSync(path, labelsPng(pred, p.classes));
    const back = readLabelImage(path);
    assert.equal((back.channels === 3), false);
    assert.deepEqual([back.width, back.height], [41, 29]);
    assert.deepEqual(Array.from(back.data), Array.from(pred.labels));
    assert.deepEqual(Array.from(back.palette!.subarray(0, 9)), p.classes.palette.flat());
  } finally {
    p.dispose();
  }
  // Two classes (1-bit), and more than 256 (16-bit gray, no palette possible).
  for (const n of [2, 21, 300]) {
    const pred = fakePrediction(13, 5, n);
    const path = join(dir, `n${n}.png`);
    writeFileSync(path, labelsPng(pred, classesOf(n)));
    assert.deepEqual(Array.from(readLabelImage(path).data), Array.from(pred.labels), `${n} classes`);
  }
});

test('the probability map is 8-bit gray of the foreground probability', () => {
  const p = tinyPredictor(BINARY);
  try {
    const pred = predict(p, testImage(17, 9, 1));
    const image = probabilityImage(pred);
    assert.deepEqual([image.width, image.height, image.channels], [17, 9, 1]);
    for (let i = 0; i < image.data.length; i++) assert.equal(image.data[i], Math.round(pred.probabilities[i]! * 255));
    assert.throws(() => probabilityImage(fakePrediction(2, 2, 3)), /needs a one-output \(binary\) model; this prediction has 3 class planes/);
  } finally {
    p.dispose();
  }
});

test('the overlay blends class colours over the image at alpha', () => {
  const image = testImage(6, 4);
  const pred = fakePrediction(6, 4, 3);
  const classes = classesOf(3);
  assert.deepEqual(overlayImage(image, pred, classes, 0).data, image.data);
  const full = overlayImage(image, pred, classes, 1);
  for (let i = 0; i < 24; i++) assert.deepEqual(Array.from(full.data.subarray(3 * i, 3 * i + 3)), classes.palette[pred.labels[i]!]);
  const half = overlayImage(image, pred, classes, 0.5);
  const c = classes.palette[pred.labels[5]!]!;
  assert.equal(half.data[15], Math.round(image.data[15]! * 0.5 + c[0] * 0.5));
});

test('panels put the input beside the prediction (or reconstruction) with a legend', () => {
  const image = testImage(40, 30);
  const panel = predictionPanel(image, fakePrediction(40, 30, 3), classesOf(3), 'x');
  assert.equal(panel.channels, 3);
  assert.ok(panel.width > 2 * 256 && panel.height > 192, `${panel.width}x${panel.height}`);
  const big = predictionPanel(testImage(900, 600), fakePrediction(900, 600, 3), classesOf(3));
  assert.ok(big.width < 1400, 'large images are shown at display size');
  const recon = reconstructionPanel(testImage(28, 28, 1), testImage(28, 28, 1));
  assert.ok(recon.width > 2 * 256);
});

test('the prediction legend names classes by their true ids (CamVid: 3 road, 5 tree), not their place among those present', () => {
  const names = ['sky', 'building', 'pole', 'road', 'pavement', 'tree'];
  const classes: PredictorClasses = { names, palette: vocPalette(6).map((c) => [c[0], c[1], c[2]]), ignoreIndex: null };
  const labels = Uint8Array.from({ length: 12 }, (_, i) => (i < 6 ? 3 : 5));
  const prediction: Prediction = { ...fakePrediction(4, 3, 6), labels, classesPresent: [3, 5] };
  assert.deepEqual(predictionLegend(prediction, classes), [
    { text: '3 road', color: [...vocPalette(6)[3]!] },
    { text: '5 tree', color: [...vocPalette(6)[5]!] },
  ]);
  // The tutorials' discrete_matshow keeps its 0..k-1 numbering where it is asked for.
  assert.deepEqual(matshowLegend({ width: 4, height: 3, data: labels }, { names }).texts, ['0 road', '1 tree']);
  // The panel draws that legend: its colour-bar swatches are the classes' own palette colours.
  const panel = predictionPanel(testImage(4, 3), prediction, classes);
  const has = (rgb: readonly number[]): boolean => {
    for (let i = 0; i < panel.data.length; i += 3) if (panel.data[i] === rgb[0] && panel.data[i + 1] === rgb[1] && panel.data[i + 2] === rgb[2]) return true;
    return false;
  };
  assert.ok(has(vocPalette(6)[3]!) && has(vocPalette(6)[5]!));
});
