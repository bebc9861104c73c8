import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, randn, tidy } from '../../src/torch/index.js';
import { bilinearUpsample } from '../../src/nn/bilinear.js';
import { vgg16 } from '../../src/models/vgg.js';
import { classifyImage, coarseLabels, resizeAndCenterCrop, scoreMap, upsampledLabels } from '../../src/inspect/classify.js';

function gradient(width: number, height: number): { width: number; height: number; channels: 3; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([(i % width) % 256, Math.floor(i / width) % 256, (i * 7) % 256], 3 * i);
  return { width, height, channels: 3, data };
}

test('resizeAndCenterCrop keeps the aspect ratio and cuts the centre', () => {
  // Shorter side already 256: no resampling, the crop is the exact centre.
  const image = gradient(300, 256);
  const crop = resizeAndCenterCrop(image, 224);
  assert.deepEqual([crop.width, crop.height, crop.channels], [224, 224, 3]);
  const [x0, y0] = [Math.floor((300 - 224) / 2), Math.floor((256 - 224) / 2)];
  for (const [x, y] of [[0, 0], [223, 223], [100, 17]] as const) {
    const s = 3 * ((y + y0) * 300 + x + x0), o = 3 * (y * 224 + x);
    assert.deepEqual([...crop.data.subarray(o, o + 3)], [...image.data.subarray(s, s + 3)], `(${x}, ${y})`);
  }
  assert.deepEqual([resizeAndCenterCrop(gradient(40, 90), 32).width, resizeAndCenterCrop(gradient(40, 90), 32).height], [32, 32]);
  assert.throws(() => resizeAndCenterCrop(image, 0), /crop size 0 must be a positive integer/);
});

test('upsampledLabels in chunks equals the argmax of the whole upsampled score map', () => {
  const before = memory().liveTensors;
  const scores = randn([1, 11, 3, 4]);
  const expected = tidy(() => bilinearUpsample(scores, 8).argmax(1).int().data() as Int32Array);
  for (const chunk of [1, 3, 11, undefined]) {
    const labels = upsampledLabels(scores, 8, { classesPerChunk: chunk });
    assert.deepEqual([labels.width, labels.height], [32, 24]);
    assert.deepEqual(Array.from(labels.data), Array.from(expected), `chunk ${chunk}`);
  }
  scores.dispose();
  assert.equal(memory().liveTensors, before);
});

test('a tiny VGG classifies (top-k, best first) and scores a coarse map of the right size', () => {
  const model = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 10 });
  const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
  const before = memory().liveTensors;
  const top = classifyImage(model, resizeAndCenterCrop(gradient(260, 230)), { k: 3, names });
  assert.equal(top.length, 3);
  assert.ok(top[0]!.probability >= top[1]!.probability && top[1]!.probability >= top[2]!.probability);
  assert.ok(top.reduce((s, c) => s + c.probability, 0) <= 1 + 1e-6);
  const valid = scoreMap(model, gradient(260, 230));
  assert.deepEqual(valid.shape, [1, 10, 1, 2]);
  const same = scoreMap(model, gradient(260, 230), { fc6Padding: 'same' });
  assert.deepEqual(same.shape, [1, 10, 7, 8]);
  const coarse = coarseLabels(same, names);
  assert.equal(coarse.labels.length, 56);
  assert.equal(coarse.classes.reduce((n, c) => n + c.pixels, 0), 56);
  valid.dispose();
  same.dispose();
  assert.equal(memory().liveTensors, before);
  assert.equal(model.fullyConvolutional, false, 'the model is left as it was');
  model.dispose();
});
