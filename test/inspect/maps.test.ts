import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, noGrad, randn, tidy } from '../../src/torch/index.js';
import { conv2d } from '../../src/nn/functional.js';
import { ConvTranspose2d } from '../../src/nn/layers/conv.js';
import { writePng } from '../../src/image/files.js';
import { vgg16 } from '../../src/models/vgg.js';
import { UNet } from '../../src/models/unet.js';
import { ConvAutoencoder } from '../../src/models/autoencoder.js';
import type { ZooModel } from '../../src/models/contract.js';
import { layerActivation } from '../../src/inspect/activations.js';
import { captureActivations } from '../../src/models/summary.js';
import { layerKernels } from '../../src/inspect/filters.js';
import { listLayers } from '../../src/inspect/layers.js';
import { createPredictor } from '../../src/infer/predictor.js';
import { modelInput } from '../../src/infer/predict.js';
import { predictImage } from '../../src/inspect/prediction.js';
import { readMask } from '../../src/inspect/mask.js';
import { thresholdSweep } from '../../src/metrics/binary.js';
import { panelSheet } from '../../src/inspect/panels.js';

test('a conv layer followed by an inplace ReLU is captured before the ReLU overwrites it', () => {
  const model = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 4, fullyConvolutional: true, fc6Padding: 'same' }) as unknown as ZooModel;
  const x = randn([1, 3, 32, 32]);
  const a = layerActivation(model, x, 'features.0');
  assert.deepEqual(a.shape, [2, 32, 32]);
  const conv = model.getSubmodule('features.0') as unknown as { weight: never; bias: never };
  const expected = tidy(() => conv2d(x, conv.weight, conv.bias, { padding: 1 }).data() as Float32Array);
  assert.ok(Math.min(...a.data) < 0, 'negative values survive');
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - a.data[i]!));
  assert.ok(worst < 1e-5, `max difference ${worst}`);
  assert.throws(() => layerActivation(model, x, 'features.99'), /no layer 'features.99' in vgg16; layers .*features.0, features.1/);
  // An unknown name among good ones leaves no hook behind (a stray one would keep a copy per forward).
  const before = memory().liveTensors;
  assert.throws(() => captureActivations(model, x, ['features.0', 'features.99']));
  noGrad(() => model.forward(x)).dispose();
  assert.equal(memory().liveTensors, before, 'no tensors kept by leftover hooks');
  x.dispose();
  model.dispose();
});

test('layerKernels gives (out, in, kh, kw) for convolutions and swaps transposed-convolution weights into it', () => {
  const model = new UNet({ numClasses: 2, inChannels: 1, depth: 1, baseWidth: 3, batchNorm: false });
  const k = layerKernels(model as unknown as ZooModel, 'decoder.0.up');
  const up = model.getSubmodule('decoder.0.up') as ConvTranspose2d;
  assert.deepEqual(up.weight.shape, [6, 3, 2, 2]);
  assert.deepEqual(k.shape, [3, 6, 2, 2]);
  const w = up.weight.data() as Float32Array;
  // kernel (o, i) of the swapped layout is weight (i, o).
  for (const [o, i] of [[0, 0], [2, 5], [1, 3]] as const) {
    assert.deepEqual(Array.from(k.data.subarray((o * 6 + i) * 4, (o * 6 + i + 1) * 4)), Array.from(w.subarray((i * 3 + o) * 4, (i * 3 + o + 1) * 4)));
  }
  assert.throws(() => layerKernels(model as unknown as ZooModel, 'encoder.0.relu1'), /\(ReLU\) has no convolution kernels; layers with filters: encoder.0.conv1, encoder.0.conv2, bottleneck.conv1/);
  const rows = listLayers(model as unknown as ZooModel);
  assert.equal(rows[0]!.name, 'encoder.0.conv1');
  assert.equal(rows.at(-1)!.name, 'head');
  assert.equal(rows.reduce((n, r) => n + r.params, 0), model.parameters().reduce((n, p) => n + p.numel, 0));
  model.dispose();
});

test('modelInput pads to the model multiple with the image where predict cuts it back out; predictImage maps at the image size', () => {
  const before = memory().liveTensors;
  const model = new UNet({ numClasses: 3, inChannels: 1, depth: 2, baseWidth: 2 }) as unknown as ZooModel;
  const classes = { names: ['a', 'b', 'c'], ignoreIndex: null };
  const predictor = createPredictor(model, { classes, preprocess: { normalize: 'unit', pad: { height: 9, width: 13, mode: 'reflect' } } });
  const image = { width: 10, height: 6, channels: 1 as const, data: Uint8Array.from({ length: 60 }, (_, i) => i * 4) };
  const input = modelInput(predictor, image);
  // 6x10 -> pad to 9x13 (2 before, 1 after, as numpy users split it) -> multiple of 4: 12x16 (2 more before, 1 after).
  assert.deepEqual(input.shape, [1, 1, 12, 16]);
  const back = tidy(() => input.narrow(2, 4, 6).narrow(3, 4, 10).contiguous());
  assert.deepEqual(Array.from(back.data() as Float32Array, (v) => Math.round(v * 255)), Array.from(image.data));
  back.dispose();
  input.dispose();
  const p = predictImage(predictor, image);
  assert.deepEqual([p.labels!.width, p.labels!.height, p.labels!.data.length], [10, 6, 60]);
  assert.equal(p.foreground, null, 'three classes: no foreground probability');
  predictor.dispose();
  assert.equal(memory().liveTensors, before);
});

test('an autoencoder input is resized to its image size and its reconstruction comes back as pixels', () => {
  const model = new ConvAutoencoder({ baseWidth: 2 }) as unknown as ZooModel;
  const predictor = createPredictor(model, { classes: { names: [], ignoreIndex: null }, preprocess: { normalize: 'unit' } });
  const image = { width: 56, height: 56, channels: 3 as const, data: new Uint8Array(56 * 56 * 3).fill(200) };
  const input = modelInput(predictor, image, { fit: true });
  assert.deepEqual(input.shape, [1, 1, 28, 28]);
  input.dispose();
  const p = predictImage(predictor, image);
  assert.equal(p.activation, 'identity');
  assert.deepEqual([p.reconstruction!.width, p.reconstruction!.height, p.reconstruction!.channels], [56, 56, 1]);
  predictor.dispose();
});

test('thresholdSweep scores each threshold by foreground IoU', () => {
  const truth = { width: 4, height: 1, data: [1, 1, 0, 0] };
  const prob = { width: 4, height: 1, data: [0.9, 0.4, 0.6, 0.1] };
  // t=0.05: {0,1,2,3} vs {0,1}: 2/4; t=0.5: {0,2}: 1/3; t=0.7: {0}: 1/2; t=0.95: {}: 0.
  assert.deepEqual(thresholdSweep(prob, truth, [0.05, 0.5, 0.7, 0.95]).iou, [0.5, 1 / 3, 0.5, 0]);
});

test('readMask turns 0/255 masks into 0/1, keeps class indices and checks the size', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-mask-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writePng(join(dir, 'bin.png'), { width: 3, height: 1, channels: 1, data: new Uint8Array([0, 255, 255]) });
  writePng(join(dir, 'idx.png'), { width: 3, height: 1, channels: 1, data: new Uint8Array([0, 2, 5]) });
  writePng(join(dir, 'rgb.png'), { width: 2, height: 1, channels: 3, data: new Uint8Array([0, 0, 0, 9, 9, 9]) });
  assert.deepEqual(Array.from((await readMask(join(dir, 'bin.png'))).data), [0, 1, 1]);
  assert.deepEqual(Array.from((await readMask(join(dir, 'idx.png'), { palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2]] })).data), [0, 2, 5]);
  assert.deepEqual(Array.from((await readMask(join(dir, 'idx.png'), { binary: true })).data), [0, 1, 1]);
  assert.deepEqual(Array.from((await readMask(join(dir, 'rgb.png'), { palette: [[0, 0, 0], [9, 9, 9]] })).data), [0, 1]);
  await assert.rejects(readMask(join(dir, 'rgb.png'), { palette: [[0, 0, 0]] }), /colour \(9, 9, 9\) at pixel \(1, 0\) is none of the 1 class colours/);
  await assert.rejects(readMask(join(dir, 'bin.png'), { width: 4, height: 1 }), /bin.png is 1x3 \(HxW\), expected 1x4 like the image/);
});

test('panelSheet draws panels at one size with a legend of the labels shown', () => {
  const labels = { width: 2, height: 2, data: [0, 1, 1, 3] };
  const image = { width: 2, height: 2, channels: 1 as const, data: new Uint8Array([0, 80, 160, 255]) };
  const bare = panelSheet([{ title: 'image', image }], { size: [40, 40] });
  const withLegend = panelSheet([{ title: 'image', image }, { title: 'mask', labels }], { size: [40, 40], names: ['bg', 'a', 'b', 'c'] });
  assert.ok(withLegend.width > bare.width + 40 + 30, `${withLegend.width} vs ${bare.width}`);
  assert.throws(() => panelSheet([]), /at least one panel/);
});
