// FCN-32s/16s/8s (canonical Caffe geometry) and the Keras seed's FCN-8s ('same'): counts, crop
// offsets from coordinate maps, output size = input size for any size, goldens from an independent
// PyTorch implementation (scripts/fixtures/models_fcn.py), bilinear init, freezing, VGG transfer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { manualSeed, memory, noGrad, randint, randn, tidy, withDefaultDevice } from '../../src/torch/index.js';
import { FCN, FCN16s, FCN32s, FCN8s, FCN8sSame, fcn16s, fcn32s, fcn8s, initFromVgg } from '../../src/models/fcn.js';
import { vgg16, vgg19 } from '../../src/models/vgg.js';
import { compose, convMap, cropOffset, deconvMap, layerCoordMap, sequenceCoordMap } from '../../src/models/coord-map.js';
import { assertClose } from '../helpers.js';
import { buildGolden, expected, formulaInput, golden, goldenCase } from './fcn-fixtures.js';

type AnyModule = nn.Module<any, any>;
const count = (m: AnyModule): { total: number; nonTrainable: number } => {
  let total = 0;
  let nonTrainable = 0;
  for (const p of m.parameters()) {
    total += p.numel;
    if (!p.requiresGrad) nonTrainable += p.numel;
  }
  return { total, nonTrainable };
};
const tiny = { baseWidth: 1, fcWidth: 4, numClasses: 3 };

test('full-size parameter counts equal the PyTorch reference (built on meta, nothing allocated)', () => {
  const before = memory().nativeBytes;
  withDefaultDevice('meta', () => {
    for (const backbone of ['vgg16', 'vgg19'] as const) {
      for (const [stride, make] of [
        [32, fcn32s],
        [16, fcn16s],
        [8, fcn8s],
      ] as const) {
        const m = make({ backbone });
        assert.deepEqual(count(m), golden.parameterCounts[`fcn${stride}s_${backbone}`], `fcn${stride}s ${backbone}`);
        m.dispose();
      }
    }
    const seed = fcn8s({ variant: 'same', numClasses: 2 });
    assert.ok(seed instanceof FCN8sSame);
    // The Keras seed's model.summary(): 136,514,116 total, 14,714,688 non-trainable (the frozen VGG16 base).
    assert.deepEqual(count(seed), { total: 136_514_116, nonTrainable: 14_714_688 });
    assert.deepEqual(count(seed), golden.parameterCounts.fcn8s_same_2);
    seed.dispose();
  });
  assert.ok(memory().nativeBytes - before < 1 << 20, 'no weights were allocated');
});

test("crop offsets come from the layers' geometry: 5, 9 and 19 / 27 / 31 as in the Caffe nets", () => {
  withDefaultDevice('meta', () => {
    for (const options of [{}, { backbone: 'vgg19' as const }, { batchNorm: true }, { baseWidth: 2 }]) {
      const [a, b, c] = [fcn32s(options), fcn16s(options), fcn8s(options) as FCN8s];
      assert.deepEqual(a.cropOffsets, { score: [19, 19] });
      assert.deepEqual(b.cropOffsets, { scorePool4c: [5, 5], score: [27, 27] });
      assert.deepEqual(c.cropOffsets, { scorePool4c: [5, 5], scorePool3c: [9, 9], score: [31, 31] });
      for (const m of [a, b, c]) m.dispose();
    }
  });
});

test('coordinate maps: convolution, pooling, transposed convolution, composition and crop checks', () => {
  // conv1_1 (pad 100) then pool1: pixel i of pool1 is centred on input 2i - 99 + 0.5.
  const pool1 = compose(convMap({ kernel: 3, padding: 100 }), convMap({ kernel: 2, stride: 2 }));
  assert.deepEqual(pool1, { scale: 0.5, offset: 49.25 });
  assert.deepEqual(deconvMap({ kernel: 64, stride: 32 }), { scale: 32, offset: 31.5 });
  assert.deepEqual(compose(deconvMap({ kernel: 4, stride: 2 }), convMap({ kernel: 4, stride: 2 })), { scale: 1, offset: 0 });
  assert.equal(cropOffset({ scale: 1, offset: 19 }, { scale: 1, offset: 0 }), 19);
  assert.throws(() => cropOffset({ scale: 0.5, offset: 0 }, { scale: 1, offset: 0 }), /scales 0.5 and 1/);
  assert.throws(() => cropOffset({ scale: 1, offset: 2.5 }, { scale: 1, offset: 0 }), /misaligned by 2.5/);
  withDefaultDevice('meta', () => {
    const layers = [new nn.Conv2d(1, 1, 3, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(1, 1, [1, 5], { padding: [0, 2] })];
    assert.deepEqual([sequenceCoordMap(layers, 0), sequenceCoordMap(layers, 1)], [
      { scale: 0.5, offset: -0.25 },
      { scale: 0.5, offset: -0.25 },
    ]);
    assert.throws(() => layerCoordMap(new nn.Conv2d(1, 1, 4, { stride: 2, padding: 'same' })), /depends on the input size/);
    assert.throws(() => layerCoordMap(new nn.Upsample({ scaleFactor: 2 })), /no rule for layer type Upsample/);
  });
});

test('the output has exactly the input height and width for every input size', () => {
  manualSeed(5);
  const models = [fcn32s(tiny), fcn16s(tiny), fcn8s(tiny)];
  const sizes = [[1, 1], [7, 7], [31, 31], [32, 32], [33, 33], [100, 100], [223, 223], [224, 224], [225, 225], [257, 301], [2, 45], [64, 3]];
  noGrad(() => {
    for (const [h, w] of sizes) {
      tidy(() => {
        const x = randn([1, 3, h!, w!]);
        for (const m of models) assert.deepEqual(m.forward(x).shape, [1, 3, h, w], `${(m as FCN).architecture} ${h}x${w}`);
      });
    }
  });
  for (const m of models) m.dispose();
});

for (const name of ['fcn32s_vgg16', 'fcn16s_vgg16', 'fcn8s_vgg16', 'fcn8s_vgg19', 'fcn8s_same']) {
  test(`golden ${name}: logits equal PyTorch's (strict load of the reference weights)`, () => {
    const c = goldenCase(name);
    const model = buildGolden(c);
    const want = expected(c);
    tidy(() => {
      const x = formulaInput(c.inputs.output!);
      const y = model.forward(x);
      assertClose(y, want.get('output')!, { atol: 1e-4, rtol: 1e-4, message: name });
      if (c.grads.length) {
        y.mul(formulaInput(y.shape).mul(0.5).add(0.25)).sum().backward();
        const params = model.stateDict();
        for (const key of c.grads) {
          const grad = params.get(key)!.grad!;
          assertClose(grad, want.get(`grad.${key}`)!, { atol: 1e-4, rtol: 1e-4, message: `${name} grad ${key}` });
        }
      }
    });
    for (const t of want.values()) t.dispose();
    model.dispose();
  });
}

test('upsampling starts bilinear without bias (learnable, or fixed), score layers at zero, backbone freezable', () => {
  const model = fcn8s({ baseWidth: 1, fcWidth: 4, numClasses: 4 }) as FCN8s;
  assert.deepEqual(
    model.upsampling.map((u) => [u.kernelSize[0], u.stride[0], u.bias]),
    [
      [4, 2, null],
      [4, 2, null],
      [16, 8, null],
    ],
  );
  tidy(() => {
    for (const [u, f] of [[model.getSubmodule('upscore2'), 2], [model.getSubmodule('upscorePool4'), 2], [model.getSubmodule('upscore8'), 8]] as const) {
      assertClose((u as nn.ConvTranspose2d).weight, nn.bilinearUpsampleWeights(f, 4), { atol: 0 });
      assert.equal((u as nn.ConvTranspose2d).weight.requiresGrad, true);
    }
    for (const name of ['scoreFr', 'scorePool4', 'scorePool3']) {
      const conv = model.getSubmodule(name) as nn.Conv2d;
      assert.equal(conv.weight.abs().sum().item() + conv.bias!.abs().sum().item(), 0, name);
    }
  });
  assert.equal(model.config.freezeBackbone, false);
  model.freezeBackbone();
  assert.ok(model.features.parameters().every((p) => !p.requiresGrad));
  assert.ok(model.fc6.weight.requiresGrad);
  assert.equal(model.config.freezeBackbone, true);
  model.freezeBackbone(false);
  assert.ok(model.features.parameters().every((p) => p.requiresGrad));

  manualSeed(7);
  const fixed = fcn32s({ baseWidth: 2, fcWidth: 16, numClasses: 3, learnableUpsampling: false, freezeBackbone: true });
  assert.equal(fixed.upsampling[0]!.weight.requiresGrad, false);
  assert.equal(fixed.config.learnableUpsampling, false);
  assert.equal(fixed.config.freezeBackbone, true);
  // One training step: gradients reach the heads but not the frozen layers.
  tidy(() => {
    const x = randn([2, 3, 20, 24]);
    const target = randint(0, 3, [2, 20, 24]);
    // eval: no dropout, so a tiny net cannot lose every fc7 activation by chance
    nn.functional.crossEntropy(fixed.eval().forward(x), target).backward();
    assert.equal(fixed.features.parameters()[0]!.grad, null);
    assert.equal(fixed.upsampling[0]!.weight.grad, null);
    assert.ok(fixed.scoreFr.bias!.grad!.abs().sum().item() > 0);
    assert.ok(fixed.fc6.weight.grad !== null);
  });
  model.dispose();
  fixed.dispose();
});

test('initFromVgg: features copied, classifier.0 / classifier.3 reshaped into fc6 / fc7 (the paper\'s transfer)', () => {
  manualSeed(11);
  const vgg = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 10 }).eval();
  const fcn = fcn16s({ baseWidth: 2, fcWidth: 8, numClasses: 3 }).eval();
  const keys = initFromVgg(fcn, vgg);
  assert.equal(keys.length, 26 + 4);
  tidy(() => {
    const src = vgg.stateDict();
    for (const [k, t] of fcn.features.stateDict()) assertClose(t, src.get(`features.${k}`)!, { atol: 0 });
    assertClose(fcn.fc6.weight.flatten(1), src.get('classifier.0.weight')!, { atol: 0 });
    assertClose(fcn.fc7.weight.flatten(1), src.get('classifier.3.weight')!, { atol: 0 });
    assertClose(fcn.fc7.bias!, src.get('classifier.3.bias')!, { atol: 0 });
    // fc6 as a 7x7 convolution over a pool5 map = classifier.0 over the flattened map.
    const pool5 = randn([2, 16, 7, 7]);
    const linear = noGrad(() => (vgg.classifier.at(0) as nn.Linear).forward(pool5.flatten(1)));
    assertClose(noGrad(() => fcn.fc6.forward(pool5)).flatten(1), linear, { atol: 1e-5, rtol: 1e-5 });
  });
  assert.throws(() => initFromVgg(fcn, vgg16({ baseWidth: 2, fcWidth: 16 })), /classifier\.0\.weight has shape \[16,784\], fc6\.weight needs \[8,16,7,7\]/);
  assert.throws(() => initFromVgg(fcn, vgg19({ baseWidth: 2, fcWidth: 8 })), /initFromVgg: the VGG weights do not fit/);
  const same = fcn8s({ variant: 'same', baseWidth: 2, fcWidth: 8, numClasses: 2 });
  assert.equal(initFromVgg(same, vgg.stateDict()).length, 30);
  for (const m of [vgg, fcn, same]) m.dispose();
});

test("variant 'same' (the Keras seed): frozen VGG16 base, ReLU on scores, output = input, multiples of 32 only", () => {
  const model = fcn8s({ variant: 'same', baseWidth: 1, fcWidth: 4, numClasses: 2 }) as FCN8sSame;
  assert.equal(model.architecture, 'fcn8s');
  assert.equal(model.config.variant, 'same');
  assert.ok(model.features.parameters().every((p) => !p.requiresGrad));
  assert.deepEqual(
    model.layerNames.filter((n) => !n.startsWith('features.')),
    ['fc6', 'relu6', 'fc7', 'relu7', 'scoreFr', 'reluScore', 'upscore2', 'fusePool4', 'upscorePool4', 'fusePool3', 'upscore8'],
  );
  tidy(() =>
    noGrad(() => {
      assert.deepEqual(model.forward(randn([2, 3, 64, 96])).shape, [2, 2, 64, 96]);
      assert.throws(() => model.forward(randn([1, 3, 64, 100])), /multiples of 32.*got 64x100/);
    }),
  );
  assert.throws(() => fcn16s({ variant: 'same' }), /variant 'same' exists only for fcn8s/);
  assert.throws(() => fcn8s({ variant: 'keras' as never }), /variant must be 'canonical' or 'same'/);
  assert.throws(() => fcn8s({ variant: 'same', learnableUpsampling: false }), /learnableUpsampling must stay true/);
  model.dispose();
});

// Execution order, config round trip and freed intermediates of every FCN: test/models/contract.test.ts.
test("layer names follow the Caffe nets: the 8s head's order, pool4 at features.23, upscore16 / upscore", () => {
  const m = new FCN8s(tiny);
  assert.deepEqual(m.layerNames.slice(-10), [
    'upscore2',
    'scorePool4',
    'scorePool4c',
    'fusePool4',
    'upscorePool4',
    'scorePool3',
    'scorePool3c',
    'fusePool3',
    'upscore8',
    'score',
  ]);
  assert.equal(m.poolLayerNames.pool4, 'features.23');
  assert.ok(new FCN16s(tiny).layerNames.includes('upscore16') && new FCN32s(tiny).layerNames.includes('upscore'));
  m.dispose();
});

test('an input with the wrong channels is a clear error', () => {
  const model = fcn8s(tiny);
  tidy(() => assert.throws(() => model.forward(randn([1, 1, 40, 37])), /fcn8s: expected an input \(N, 3, H, W\)/));
  model.dispose();
});
