// VGG16/19: torchvision layout and counts, goldens from an independent PyTorch implementation
// (scripts/fixtures/models_fcn.py), fully convolutional and features modes, seed-3 helpers.
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Conv2d, MaxPool2d } from '../../src/nn/index.js';
import { manualSeed, memory, noGrad, randn, tensor, tidy, withDefaultDevice, type Tensor } from '../../src/torch/index.js';
import { VGG, vgg16, vgg19, POOL_NAMES } from '../../src/models/vgg.js';
import { coarseSegmentation, topK } from '../../src/models/imagenet-predictions.js';
import { imagenetClasses } from '../../src/image/classes.js';
import { vggInput } from '../../src/models/preprocessing.js';
import { resolveNormalization } from '../../src/image/normalization.js';
import { normalizeTensor } from '../../src/image/normalize-tensor.js';
import { loadVggWeights } from '../../src/models/vgg-weights.js';
import { initFromVgg, fcn8s } from '../../src/models/fcn.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { assertClose } from '../helpers.js';
import { buildGolden, expected, formulaInput, golden, goldenCase } from './fcn-fixtures.js';

const tol = { atol: 1e-4, rtol: 1e-4 };
const count = (m: VGG): number => m.parameters().reduce((a, p) => a + p.numel, 0);

test('VGG16 / VGG19 parameter counts as published, built on meta without allocating', () => {
  const before = memory().nativeBytes;
  withDefaultDevice('meta', () => {
    const a = vgg16();
    const b = vgg19();
    const bn = vgg16({ batchNorm: true });
    assert.equal(count(a), 138_357_544);
    assert.equal(count(b), 143_667_240);
    assert.equal(count(bn), golden.parameterCounts.vgg16_bn!.total);
    assert.equal(a.parameters()[0]!.device, 'meta');
    for (const m of [a, b, bn]) m.dispose();
  });
  assert.ok(memory().nativeBytes - before < 1 << 20, 'no weights were allocated');
});

test("torchvision's parameter names and shapes (features.<i>, classifier.0/3/6)", () => {
  withDefaultDevice('meta', () => {
    const m = vgg16();
    const convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
    const keys = [...convs.flatMap((i) => [`features.${i}.weight`, `features.${i}.bias`])];
    keys.push(...[0, 3, 6].flatMap((i) => [`classifier.${i}.weight`, `classifier.${i}.bias`]));
    const sd = m.stateDict();
    assert.deepEqual([...sd.keys()], keys);
    assert.deepEqual(sd.get('features.28.weight')!.shape, [512, 512, 3, 3]);
    assert.deepEqual(sd.get('classifier.0.weight')!.shape, [4096, 25088]);
    assert.deepEqual(sd.get('classifier.6.weight')!.shape, [1000, 4096]);
    const v19 = vgg19({ batchNorm: true }).stateDict();
    assert.ok(v19.has('features.1.running_mean') && v19.has('features.49.weight') && v19.has('features.50.running_var') && !v19.has('features.51.weight'));
    assert.deepEqual(m.features.poolIndices, [4, 9, 16, 23, 30]);
    m.dispose();
  });
});

for (const name of ['vgg16', 'vgg19', 'vgg16_bn']) {
  test(`golden ${name}: classifier logits equal PyTorch's (strict load of the reference weights)`, () => {
    const c = goldenCase(name);
    const model = buildGolden(c);
    const want = expected(c);
    tidy(() => {
      const y = noGrad(() => model.forward(formulaInput(c.inputs.output!)));
      assertClose(y, want.get('output')!, { ...tol, message: name });
    });
    for (const t of want.values()) t.dispose();
    model.dispose();
  });
}

test("golden fully convolutional VGG16: fc6 'valid' at 224x256 and 'same' at 96x64", () => {
  const c = goldenCase('vgg16_fully_conv');
  const model = buildGolden(c) as VGG;
  const want = expected(c);
  assert.equal(model.fullyConvolutional, true);
  tidy(() => {
    noGrad(() => {
      assertClose(model.forward(formulaInput(c.inputs.output!)), want.get('output')!, { ...tol, message: 'valid' });
      model.fc6Padding = 'same';
      assertClose(model.forward(formulaInput(c.inputs.output_same!)), want.get('output_same')!, { ...tol, message: 'same' });
    });
  });
  for (const t of want.values()) t.dispose();
  model.dispose();
});

test('fully convolutional mode: same scores as the classifier at 224; score-map shapes at other sizes', () => {
  manualSeed(3);
  const model = vgg16({ baseWidth: 2, fcWidth: 16, numClasses: 6 }).eval();
  tidy(() =>
    noGrad(() => {
      const x = randn([2, 3, 224, 224]);
      const logits = model.forwardClassifier(x);
      const map = model.forwardFullyConvolutional(x);
      assert.deepEqual(map.shape, [2, 6, 1, 1]);
      assertClose(map.flatten(1), logits, { atol: 1e-6, rtol: 1e-5 });
      model.fullyConvolutional = true;
      for (const [h, w] of [
        [224, 224],
        [225, 255],
        [256, 320],
        [300, 417],
      ] as const) {
        model.fc6Padding = 'valid';
        const valid = model.forward(randn([1, 3, h, w]));
        assert.deepEqual(valid.shape, [1, 6, Math.floor(h / 32) - 6, Math.floor(w / 32) - 6], `valid ${h}x${w}`);
        model.fc6Padding = 'same';
        const same = model.forward(randn([1, 3, h, w]));
        assert.deepEqual(same.shape, [1, 6, Math.floor(h / 32), Math.floor(w / 32)], `same ${h}x${w}`);
      }
      model.fc6Padding = 'valid';
      assert.throws(() => model.forward(randn([1, 3, 200, 300])), /at least 224x224 pixels, got 200x300.*|fc6Padding 'valid'/);
      assert.deepEqual(model.config.fullyConvolutional, true);
    }),
  );
  model.dispose();
});

test('features mode: pool1..pool5 with strides 2..32, reachable by name for hooks', () => {
  const model = vgg19({ baseWidth: 2, fcWidth: 8 });
  const captured = new Map<string, number[]>();
  const removers = POOL_NAMES.map((pool) =>
    model.getSubmodule(model.poolLayerNames[pool]).registerForwardHook((_m, _inputs, out) => {
      captured.set(pool, (out as Tensor).shape);
    }),
  );
  tidy(() => {
    const pools = model.forwardFeatures(randn([1, 3, 96, 70]));
    assert.deepEqual(Object.keys(pools), [...POOL_NAMES]);
    const channels = [2, 4, 8, 16, 16];
    POOL_NAMES.forEach((pool, i) => {
      const s = 2 ** (i + 1);
      const shape = [1, channels[i]!, Math.floor(96 / s), Math.floor(70 / s)];
      assert.deepEqual(pools[pool].shape, shape, pool);
      assert.deepEqual(captured.get(pool), shape, `${pool} hook`);
      assert.ok(model.getSubmodule(model.poolLayerNames[pool]) instanceof MaxPool2d);
    });
  });
  for (const remove of removers) remove();
  assert.deepEqual(model.poolLayerNames, {
    pool1: 'features.4',
    pool2: 'features.9',
    pool3: 'features.18',
    pool4: 'features.27',
    pool5: 'features.36',
  });
  model.dispose();
});

test('layerNames: every layer reachable with getSubmodule, listed in execution order', () => {
  const model = vgg16({ baseWidth: 1, fcWidth: 4, numClasses: 3 });
  for (const fullyConvolutional of [false, true]) {
    model.fullyConvolutional = fullyConvolutional;
    const order: string[] = [];
    const removers = model.layerNames.map((name) =>
      model.getSubmodule(name).registerForwardHook(() => void order.push(name)),
    );
    tidy(() => noGrad(() => model.forward(randn([1, 3, 224, 224]))));
    for (const remove of removers) remove();
    assert.deepEqual(order, model.layerNames);
    assert.equal(order.includes('avgpool'), !fullyConvolutional);
  }
  assert.ok(model.getSubmodule('features.0') instanceof Conv2d);
  model.dispose();
});

// Config round trip and freed intermediates of every VGG: test/models/contract.test.ts.
test('bad options and inputs are clear errors', () => {
  const model = vgg19({ baseWidth: 2, fcWidth: 8, numClasses: 4, batchNorm: true, dropout: 0.2 });
  assert.equal(model.architecture, 'vgg19');
  assert.throws(() => new VGG({ depth: 17 as never }), /depth must be one of 11, 13, 16, 19, got 17/);
  assert.throws(() => vgg16({ baseWidth: 0 }), /baseWidth must be an integer >= 1, got 0/);
  assert.throws(() => vgg16({ dropout: 1.5 }), /dropout must be a probability/);
  assert.throws(() => tidy(() => model.forward(randn([1, 1, 64, 64]))), /expected an input \(N, 3, H, W\), got \[1,1,64,64\]/);
  assert.throws(() => tidy(() => model.forward(randn([1, 3, 16, 64]))), /at least 32x32 pixels, got 16x64/);
  model.dispose();
});

test('seed 3 helpers: top-k class names with probabilities, coarse segmentation with the classes present', () => {
  tidy(() => {
    const logits = tensor([
      [0, 5, 1, 3],
      [2, 1, -1, 0],
    ]);
    const names = ['cat', 'dog', 'bus', 'car'];
    const top = topK(logits, 2, names);
    assert.deepEqual(
      top.map((row) => row.map((s) => s.name)),
      [
        ['dog', 'car'],
        ['cat', 'dog'],
      ],
    );
    const z = Math.exp(0) + Math.exp(5) + Math.exp(1) + Math.exp(3);
    assert.ok(Math.abs(top[0]![0]!.probability - Math.exp(5) / z) < 1e-6);
    assert.equal(top[0]![0]!.index, 1);
    assert.throws(() => topK(logits, 2), /1000 class names given for scores with 4 classes/);
    // (1, 3 classes, 2, 3): argmax per pixel
    const scores = tensor([[[[1, 0, 0], [0, 0, 0]], [[0, 2, 0], [0, 0, 0]], [[0, 0, 3], [1, 1, 1]]]]);
    const [seg] = coarseSegmentation(scores, ['a', 'b', 'c']);
    assert.deepEqual([...seg!.labels], [0, 1, 2, 2, 2, 2]);
    assert.deepEqual(seg!.classes, [
      { index: 0, name: 'a', pixels: 1 },
      { index: 1, name: 'b', pixels: 1 },
      { index: 2, name: 'c', pixels: 4 },
    ]);
    const [sparse] = coarseSegmentation(tensor([[[0, 0]], [[-1, -1]], [[1, 0]]]), ['x', 'y', 'z']);
    assert.deepEqual([...sparse!.relabeled], [1, 0]);
    assert.deepEqual(sparse!.classes.map((c) => c.name), ['x', 'z']);
    assert.equal(imagenetClasses().length, 1000);
  });
});

test('preprocessing: TF-slim\'s VGG mean subtraction, torchvision\'s normalisation and Caffe\'s BGR mean', () => {
  tidy(() => {
    const image = { width: 2, height: 1, channels: 3 as const, data: new Uint8Array([255, 128, 0, 10, 20, 30]) };
    const slim = vggInput(image, 'vgg-mean');
    assert.deepEqual(slim.shape, [1, 3, 1, 2]);
    assertClose(slim.flatten(), [255 - 123.68, 10 - 123.68, 128 - 116.78, 20 - 116.78, 0 - 103.94, 30 - 103.94], { atol: 1e-4 });
    const tv = vggInput(image);
    assertClose(tv.flatten().narrow(0, 0, 1), [(1 - 0.485) / 0.229], { atol: 1e-5 });
    // Caffe: blue first, minus the FCN nets' mean pixel (B, G, R).
    const caffe = vggInput(image, 'caffe');
    assertClose(caffe.flatten(), [0 - 104.00699, 30 - 104.00699, 128 - 116.66877, 20 - 116.66877, 255 - 122.67892, 10 - 122.67892], { atol: 1e-4 });
    const x = randn([2, 3, 4, 4]);
    const vggMean = tensor([123.68, 116.78, 103.94]).reshape([3, 1, 1]);
    assertClose(normalizeTensor(x, resolveNormalization('vgg')).add(vggMean), x, { atol: 1e-4 });
    assert.throws(() => normalizeTensor(randn([1, 4, 2, 2]), resolveNormalization('imagenet')), /mean has 3 values for a 4-channel image, expected 1 or 4/);
  });
});

test("loadVggWeights: torchvision names strictly, old *_bn files without BatchNorm step counters, head optional", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-vggw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  manualSeed(2);
  const source = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 5, batchNorm: true });
  // As torchvision's vgg16_bn file: every key but num_batches_tracked (it predates the counter).
  const old = new Map([...source.stateDict()].filter(([k]) => !k.endsWith('num_batches_tracked')));
  assert.ok(old.size < source.stateDict().size);
  const path = join(dir, 'vgg16_bn.safetensors');
  saveSafetensors(path, old);
  const model = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 5, batchNorm: true });
  assert.equal(loadVggWeights(model, path).length, old.size);
  tidy(() => {
    const mine = model.stateDict();
    for (const [k, v] of old) assertClose(mine.get(k)!, v, { atol: 0, message: k });
  });
  // The FCN transfer takes the same file's tensors.
  const fcn = fcn8s({ baseWidth: 2, fcWidth: 8, numClasses: 3, batchNorm: true });
  assert.ok(initFromVgg(fcn, old).includes('features.1.running_var'));
  // Without the head, a model with another class count loads everything else.
  const other = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 3, batchNorm: true });
  assert.throws(() => loadVggWeights(other, path), /shape|size/);
  assert.equal(loadVggWeights(other, path, { head: false }).length, old.size - 2);
  // A file of another architecture is refused with what is missing.
  const plain = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 5 });
  assert.throws(() => loadVggWeights(plain, path), /expected VGG16 weights under torchvision's names .*missing features\.2\.weight, .*; unexpected features\.1\.\w+, .*\(\d+ in all\)$/);
  for (const m of [source, model, fcn, other, plain]) m.dispose();
});
