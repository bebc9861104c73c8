import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, noGrad, tidy } from '../../src/torch/index.js';
import { modelInput, predict, reconstruct, type Prediction } from '../../src/infer/predict.js';
import { createPredictor } from '../../src/infer/predictor.js';
import { planInput, windowPadding } from '../../src/infer/geometry.js';
import { BINARY, CAE, FCN8S, FCN8S_SAME, UNET, testImage, tinyConfig, tinyModel, tinyPredictor } from './make-checkpoints.js';

const ODD_SIZES: [number, number][] = [[37, 45], [5, 3], [64, 48], [1, 17]];

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function countOnes(labels: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) n += labels[i] === 1 ? 1 : 0;
  return n;
}

function checkShape(pred: Prediction, width: number, height: number, classes: number): void {
  assert.equal(pred.width, width);
  assert.equal(pred.height, height);
  assert.equal(pred.labels.length, width * height);
  assert.equal(pred.probabilities.length, pred.planes * width * height);
  for (const v of pred.labels) assert.ok(v < classes);
}

for (const spec of [UNET, FCN8S, FCN8S_SAME]) {
  const label = `${spec.name}${spec.options.variant ? ` (${spec.options.variant})` : ''}`;
  test(`${label}: predictions at odd sizes have exactly the input size, probabilities summing to one`, () => {
    const p = tinyPredictor(spec);
    try {
      const before = memory().liveTensors;
      for (const [w, h] of ODD_SIZES) {
        const pred = predict(p, testImage(w, h));
        checkShape(pred, w, h, 3);
        assert.equal(pred.planes, 3);
        const n = w * h;
        for (let i = 0; i < n; i += 7) {
          const s = pred.probabilities[i]! + pred.probabilities[n + i]! + pred.probabilities[2 * n + i]!;
          assert.ok(Math.abs(s - 1) < 1e-5, `probabilities at ${i} sum to ${s}`);
        }
        // argmax of the returned probabilities is the label map.
        for (let i = 0; i < n; i++) {
          const ps = [0, 1, 2].map((c) => pred.probabilities[c * n + i]!);
          assert.equal(pred.labels[i], ps.indexOf(Math.max(...ps)));
        }
        assert.deepEqual(pred.classesPresent, [...new Set(pred.labels)].sort());
      }
      assert.equal(memory().liveTensors, before, 'no tensors leaked');
    } finally {
      p.dispose();
    }
  });
}

test('probabilities are the activated model output on the padded input, cut back at the padding offsets', () => {
  // 37 wide, 45 high. U-Net depth 2 pads to 40x48: 2 columns before, 1 after; 2 rows before, 1 after.
  // The canonical FCN takes the image as it is.
  for (const [spec, shape, top, left] of [[UNET, [1, 3, 48, 40], 2, 2], [FCN8S, [1, 3, 45, 37], 0, 0]] as const) {
    const p = tinyPredictor(spec);
    try {
      const image = testImage(37, 45);
      const pred = predict(p, image);
      const direct = noGrad(() =>
        tidy(() => {
          const x = modelInput(p, image);
          assert.deepEqual(x.shape, shape);
          return p.model.forward(x).softmax(1).narrow(2, top, 45).narrow(3, left, 37).data() as Float32Array;
        }),
      );
      assert.ok(maxDiff(pred.probabilities, direct) < 1e-6, `${spec.name}: max difference ${maxDiff(pred.probabilities, direct)}`);
    } finally {
      p.dispose();
    }
  }
});

test('padding reaches the input multiple, split evenly; the canonical FCN needs none', () => {
  const unet = tinyPredictor(UNET);
  const fcn = tinyPredictor(FCN8S);
  const same = tinyPredictor(FCN8S_SAME);
  try {
    assert.deepEqual(windowPadding(unet, 37, 3), { top: 1, bottom: 0, left: 2, right: 1 });
    assert.deepEqual(windowPadding(fcn, 37, 3), { top: 0, bottom: 0, left: 0, right: 0 });
    assert.deepEqual(windowPadding(same, 37, 3), { top: 15, bottom: 14, left: 14, right: 13 });
  } finally {
    unet.dispose();
    fcn.dispose();
    same.dispose();
  }
});

test('a model trained on resized images runs at the training size by default and returns full resolution', () => {
  const model = tinyModel(UNET);
  const p = createPredictor(model, tinyConfig({ ...UNET, preprocess: { normalize: 'unit', resize: { width: 32, height: 24 } } }, model));
  try {
    const image = testImage(70, 50);
    const train = predict(p, image);
    checkShape(train, 70, 50, 3);
    assert.deepEqual([train.modelWidth, train.modelHeight], [32, 24]);
    const native = predict(p, image, { scale: 'native' });
    checkShape(native, 70, 50, 3);
    assert.deepEqual([native.modelWidth, native.modelHeight], [70, 50]);
    assert.ok(maxDiff(train.probabilities, native.probabilities) > 1e-3, 'the two scales really differ');
    // At the training size itself nothing is resized: both scales agree exactly.
    const exact = testImage(32, 24);
    assert.deepEqual(predict(p, exact).probabilities, predict(p, exact, { scale: 'native' }).probabilities);
  } finally {
    p.dispose();
  }
});

test('channels are converted as trained: gray input for an RGB model and RGB input for a gray model', () => {
  const rgbModel = tinyPredictor(UNET);
  const grayModel = tinyPredictor(BINARY);
  try {
    const gray = testImage(20, 12, 1);
    const asRgb = { ...gray, channels: 3 as const, data: Uint8Array.from({ length: 20 * 12 * 3 }, (_, i) => gray.data[Math.floor(i / 3)]!) };
    assert.deepEqual(predict(rgbModel, gray).probabilities, predict(rgbModel, asRgb).probabilities);
    checkShape(predict(grayModel, testImage(20, 12, 3)), 20, 12, 2);
    const rgba = { width: 4, height: 4, channels: 4 as const, data: new Uint8Array(64).fill(200) };
    checkShape(predict(rgbModel, rgba), 4, 4, 3);
  } finally {
    rgbModel.dispose();
    grayModel.dispose();
  }
});

test('a binary model gives one probability plane and labels by threshold', () => {
  const p = tinyPredictor(BINARY);
  try {
    const image = testImage(33, 21, 1);
    const pred = predict(p, image);
    checkShape(pred, 33, 21, 2);
    assert.equal(pred.planes, 1);
    for (let i = 0; i < pred.labels.length; i++) assert.equal(pred.labels[i], pred.probabilities[i]! > 0.5 ? 1 : 0);
    const sorted = Float32Array.from(pred.probabilities).sort();
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const atMedian = predict(p, image, { threshold: median });
    const foreground = countOnes(atMedian.labels);
    assert.ok(foreground > 0 && foreground < atMedian.labels.length, 'thresholding at the median splits the image');
    assert.deepEqual(atMedian.classesPresent, [0, 1]);
    assert.equal(countOnes(predict(p, image, { threshold: 1 }).labels), 0);
    assert.throws(() => predict(p, image, { threshold: 2 }), /threshold 2, expected a probability/);
  } finally {
    p.dispose();
  }
});

test('tiling with a tile at least the image size gives exactly the untiled result', () => {
  for (const spec of [UNET, FCN8S, BINARY]) {
    const p = tinyPredictor(spec);
    try {
      const image = testImage(45, 37, spec === BINARY ? 1 : 3);
      const whole = predict(p, image);
      const tiled = predict(p, image, { tile: 45, overlap: 8 });
      assert.deepEqual(tiled.probabilities, whole.probabilities, spec.name);
      assert.deepEqual(tiled.labels, whole.labels);
    } finally {
      p.dispose();
    }
  }
});

test('tiled and untiled predictions agree closely (U-Net: to 0.02; FCN, whose receptive field spans the image: mostly)', () => {
  const unet = tinyPredictor(UNET);
  try {
    const image = testImage(160, 128);
    const whole = predict(unet, image);
    const tiled = predict(unet, image, { tile: 96, overlap: 48 });
    checkShape(tiled, 160, 128, 3);
    assert.ok(maxDiff(tiled.probabilities, whole.probabilities) < 0.02, `max difference ${maxDiff(tiled.probabilities, whole.probabilities)}`);
    // Small windows with little overlap: still the same picture, but not exactly.
    const rough = predict(unet, image, { tile: 32, overlap: 4 });
    const agree = rough.labels.filter((v, i) => v === whole.labels[i]).length / rough.labels.length;
    assert.ok(agree > 0.7, `label agreement ${agree}`);
  } finally {
    unet.dispose();
  }
  const fcn = tinyPredictor(FCN8S);
  try {
    const image = testImage(256, 192);
    const whole = predict(fcn, image);
    const tiled = predict(fcn, image, { tile: 192, overlap: 96 });
    checkShape(tiled, 256, 192, 3);
    let sum = 0;
    for (let i = 0; i < whole.probabilities.length; i++) sum += Math.abs(whole.probabilities[i]! - tiled.probabilities[i]!);
    const agree = tiled.labels.filter((v, i) => v === whole.labels[i]).length / tiled.labels.length;
    assert.ok(sum / whole.probabilities.length < 0.05, `mean difference ${sum / whole.probabilities.length}`);
    assert.ok(agree > 0.9, `label agreement ${agree}`);
  } finally {
    fcn.dispose();
  }
});

test('an image too small for a fixed-size model is a clear error; the right size (or fit) reconstructs', () => {
  const p = tinyPredictor(CAE);
  try {
    assert.throws(
      () => planInput(p, 20, 20, { name: 'small.png' }),
      /^Error: small\.png: 20x20 \(HxW\) is smaller than the 28x28 input the cae model takes; its input size is fixed, so padding cannot help/,
    );
    assert.throws(() => reconstruct(p, testImage(40, 28, 1)), /28x40 \(HxW\) does not match the 28x28 input/);
    assert.throws(() => predict(p, testImage(28, 28, 1)), /reconstruction model .* use reconstruct\(\)/);
    const out = reconstruct(p, testImage(28, 28, 1));
    assert.deepEqual([out.width, out.height, out.channels], [28, 28, 1]);
    // fit: any image resized to the model's input, results back at the image's size.
    const plan = planInput(p, 40, 20, { fit: true });
    assert.deepEqual([plan.runWidth, plan.runHeight, plan.resized], [28, 28, true]);
    const x = modelInput(p, testImage(40, 20), { fit: true });
    assert.deepEqual(x.shape, [1, 1, 28, 28]);
    x.dispose();
    const fitted = reconstruct(p, testImage(40, 20, 1), { fit: true });
    assert.deepEqual([fitted.width, fitted.height, fitted.channels], [40, 20, 1]);
  } finally {
    p.dispose();
  }
});

test('bad options and images are one-line errors', () => {
  const p = tinyPredictor(UNET);
  try {
    assert.throws(() => predict(p, testImage(8, 8), { tile: 8, overlap: 8 }), /overlap 8, expected an integer from 0 to 7/);
    assert.throws(() => predict(p, { width: 4, height: 4, channels: 3, data: new Uint8Array(5) }, { name: 'x.png' }), /x\.png: image data has 5 values, expected 4x4x3/);
    assert.throws(() => predict(p, testImage(8, 8), { scale: 'big' as 'train' }), /scale 'big', expected 'train' or 'native'/);
  } finally {
    p.dispose();
  }
});
