// U-Net against an independent PyTorch implementation (scripts/fixtures/models_unet.py),
// plus shapes, size errors, padding helper, channels, freezing, names and parameter counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { memory, noGrad, randn, tidy, withDefaultDevice, type Tensor } from '../../src/torch/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import type { Module } from '../../src/nn/module.js';
import { padToMultiple, UNet, type UNetOptions } from '../../src/models/unet.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/models-unet/', import.meta.url));
const tol = { atol: 1e-4, rtol: 1e-4 };

interface UNetCase {
  options: UNetOptions;
  x: FixtureTensor;
  eval?: FixtureTensor;
  train?: FixtureTensor;
  trainState?: Record<string, FixtureTensor>;
}

/** The case's model with PyTorch's weights loaded strictly (every key, no extra). */
function load(name: string): { model: UNet; c: UNetCase } {
  const c = loadFixture<UNetCase>(`models-unet/${name}`);
  const model = new UNet(c.options);
  const { tensors } = loadSafetensors(`${dir}${name}.safetensors`);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return { model, c };
}

function paramCount(m: Module<any, any>): number {
  return m.parameters().reduce((n, p) => n + p.numel, 0);
}

test('eval mode equals PyTorch: BatchNorm, no BatchNorm + dropout, bilinear up path, 2 channels / 3 classes', () => {
  for (const name of ['unet-bn', 'unet-dropout', 'unet-bilinear', 'unet-multi']) {
    const { model, c } = load(name);
    model.eval();
    tidy(() => {
      const y = noGrad(() => model.forward(fromFixture(c.x)));
      assertClose(y, c.eval!, { ...tol, message: name });
    });
    model.dispose();
  }
});

test('train mode equals PyTorch: output, BatchNorm running statistics, input and parameter gradients', () => {
  const { model, c } = load('unet-bn');
  const grads = loadSafetensors(`${dir}unet-bn-grads.safetensors`).tensors;
  model.train();
  tidy(() => {
    const x = fromFixture(c.x, { requiresGrad: true });
    const y = model.forward(x);
    assertClose(y, c.train!, { ...tol, message: 'train output' });
    const state = model.stateDict();
    const statKeys = Object.keys(c.trainState!);
    assert.equal(statKeys.length, 3 * 10, 'ten BatchNorm layers');
    for (const key of statKeys) assertClose(state.get(key)!, c.trainState![key]!, { ...tol, message: key });
    y.mul(y).sum().backward();
    assertClose(x.grad!, grads.get('x')!, { ...tol, message: 'input grad' });
    const params = [...model.namedParameters()];
    assert.equal(params.length, grads.size - 1);
    for (const [key, p] of params) assertClose(p.grad!, grads.get(key)!, { ...tol, message: `${key} grad` });
  });
  for (const t of grads.values()) t.dispose();
  model.dispose();
});

test('output size = input size for sizes divisible by 2^depth; other sizes are a clear error', () => {
  const cases: [UNetOptions, [number, number][]][] = [
    [{ depth: 2, baseWidth: 2, inChannels: 1, numClasses: 1 }, [[4, 4], [8, 12], [20, 16]]],
    [{ depth: 3, baseWidth: 2, inChannels: 1, numClasses: 4, upMode: 'bilinear', batchNorm: false }, [[8, 8], [24, 16]]],
  ];
  for (const [options, sizes] of cases) {
    const model = new UNet(options).eval();
    noGrad(() =>
      tidy(() => {
        for (const [h, w] of sizes) assert.deepEqual(model.forward(randn([2, 1, h, w])).shape, [2, options.numClasses, h, w]);
      }),
    );
    model.dispose();
  }
  const model = new UNet({ depth: 3, baseWidth: 2, inChannels: 1 });
  tidy(() => {
    assert.throws(() => model.forward(randn([1, 1, 12, 16])), /multiples of 8 \(2\^depth, depth 3\), got 12x16; pad to 16x16/);
    assert.throws(() => model.forward(randn([1, 1, 16, 101])), /got 16x101; pad to 16x104/);
    assert.throws(() => model.forward(randn([1, 16, 16])), /4-d input/);
  });
  model.dispose();
});

test('padToValid / padToMultiple: smallest valid size, padding split with the odd pixel before', () => {
  const model = withDefaultDevice('meta', () => new UNet({ variant: 'tgs' }));
  assert.equal(model.requiredMultiple, 16);
  assert.deepEqual(model.padToValid(101, 101), {
    height: 112, width: 112, top: 6, bottom: 5, left: 6, right: 5, pads: [6, 5, 6, 5],
  });
  // The seed pads 101 to 128 with ((14, 13), (14, 13)).
  assert.deepEqual(padToMultiple(101, 128, 128), { height: 128, width: 128, top: 14, bottom: 13, left: 0, right: 0, pads: [0, 0, 14, 13] });
  assert.deepEqual(model.padToValid(64, 48).pads, [0, 0, 0, 0]);
  assert.throws(() => padToMultiple(0, 5, 4), /height must be a positive integer, got 0/);
  assert.throws(() => padToMultiple(5, 5, 2.5), /multiple must be a positive integer/);
});

test('1 or N input channels; 1 class -> sigmoid, N classes -> softmax', () => {
  const rgb = new UNet({ inChannels: 3, numClasses: 5, depth: 2, baseWidth: 2 });
  const gray = new UNet({ inChannels: 1, numClasses: 1, depth: 2, baseWidth: 2 });
  assert.deepEqual(rgb.getSubmodule('encoder.0.conv1').parameters()[0]!.shape, [2, 3, 3, 3]);
  assert.deepEqual(gray.getSubmodule('encoder.0.conv1').parameters()[0]!.shape, [2, 1, 3, 3]);
  assert.equal(rgb.outputActivation, 'softmax');
  assert.equal(gray.outputActivation, 'sigmoid');
  assert.equal(rgb.numClasses, 5);
  tidy(() => {
    assert.deepEqual(rgb.forward(randn([1, 3, 8, 8])).shape, [1, 5, 8, 8]);
    assert.deepEqual(gray.forward(randn([1, 1, 8, 8])).shape, [1, 1, 8, 8]);
    assert.throws(() => rgb.forward(randn([1, 1, 8, 8])), /expected 3 input channel\(s\), got .*\[1,1,8,8\]/);
  });
  rgb.dispose();
  gray.dispose();
});

test('freezing the encoder: backward reaches only the decoder and head', () => {
  const model = new UNet({ inChannels: 1, numClasses: 2, depth: 2, baseWidth: 2 });
  model.encoder.requiresGrad_(false);
  model.bottleneck.requiresGrad_(false);
  tidy(() => {
    const y = model.forward(randn([2, 1, 8, 8]));
    y.mul(y).mean().backward();
  });
  for (const [name, p] of model.namedParameters()) {
    const frozen = name.startsWith('encoder.') || name.startsWith('bottleneck.');
    assert.equal(p.requiresGrad, !frozen, name);
    if (frozen) assert.equal(p.grad, null, `${name} has no gradient`);
    else assert.ok(p.grad !== null && p.grad.abs().sum().item() > 0, `${name} has a gradient`);
  }
  model.dispose();
});

test('TGS preset: the seed first rows (conv 160, BatchNorm 64) and parameter counts', () => {
  const counts = loadFixture<{ tgs: { parameters: number; firstConv: number; firstBatchNormValues: number; kerasTotal: number } }>(
    'models-unet/counts',
  ).tgs;
  const model = withDefaultDevice('meta', () => new UNet({ variant: 'tgs' }));
  assert.deepEqual(
    { ...model.config },
    { inChannels: 1, numClasses: 1, depth: 4, baseWidth: 16, batchNorm: true, dropout: 0.5, upMode: 'transpose', variant: 'tgs' },
  );
  // conv(i, o, k) = i*o*k*k + o; BatchNorm(c) = 2c parameters + 2c running statistics.
  // Levels 16, 32, 64, 128, bottleneck 256: encoder 294,192 + bottleneck 886,272 +
  // decoder (2x2 transposed convs and conv pairs) 763,280 + head 17 = 1,943,761.
  assert.equal(paramCount(model), 1_943_761);
  assert.equal(paramCount(model), counts.parameters);
  assert.equal(paramCount(model.getSubmodule('encoder.0.conv1')), counts.firstConv);
  const bn = [...model.getSubmodule('encoder.0.bn1').stateDict()].filter(([k]) => k !== 'num_batches_tracked');
  assert.equal(bn.reduce((n, [, t]) => n + t.numel, 0), counts.firstBatchNormValues);
  assert.equal(counts.firstConv, 160);
  assert.equal(counts.firstBatchNormValues, 64);
  // Keras' total also counts the moving statistics.
  const kerasTotal = [...model.stateDict()].filter(([k]) => !k.endsWith('num_batches_tracked')).reduce((n, [, t]) => n + t.numel, 0);
  assert.equal(kerasTotal, counts.kerasTotal);
  const first = model.layerNames.slice(0, 3).map((n) => model.getSubmodule(n).typeName);
  assert.deepEqual(first, ['Conv2d', 'BatchNorm2d', 'ReLU']);
  // Presets can be overridden option by option.
  const three = withDefaultDevice('meta', () => new UNet({ variant: 'tgs', numClasses: 3 }));
  assert.equal(three.config.numClasses, 3);
  assert.equal(three.config.baseWidth, 16);
});

test('readable module names; layerNames is the execution order of the layers', () => {
  const model = new UNet({ inChannels: 1, numClasses: 2, depth: 2, baseWidth: 2, dropout: 0.2, upMode: 'bilinear' });
  for (const name of ['encoder.0', 'encoder.1.pool', 'bottleneck', 'bottleneck.dropout', 'decoder.0.up', 'decoder.1.upConv', 'decoder.1.concat', 'head']) {
    assert.ok(model.getSubmodule(name), name);
  }
  const ran: string[] = [];
  const concatInputs: number[][][] = [];
  const removers = model.layerNames.map((name) =>
    model.getSubmodule(name).registerForwardHook((_m, inputs) => {
      ran.push(name);
      if (name.endsWith('concat')) concatInputs.push((inputs as Tensor[]).map((t) => t.shape));
    }),
  );
  tidy(() => void model.forward(randn([1, 1, 8, 8])));
  for (const remove of removers) remove();
  assert.equal(ran[0], 'encoder.0.conv1');
  assert.equal(ran.at(-1), 'head');
  // [upsampled, skip] at each decoder level, deepest first.
  assert.deepEqual(concatInputs, [
    [[1, 4, 4, 4], [1, 4, 4, 4]],
    [[1, 2, 8, 8], [1, 2, 8, 8]],
  ]);
  model.dispose();
});

// Config round trip, execution order and freed intermediates of every U-Net: test/models/contract.test.ts.
test('batchNorm false builds no BatchNorm; bad options are clear errors', () => {
  const model = withDefaultDevice('meta', () => new UNet({ inChannels: 2, numClasses: 3, depth: 3, baseWidth: 4, batchNorm: false, upMode: 'bilinear' }));
  const shapes = (m: UNet) => [...m.stateDict()].map(([k, t]) => `${k}:${t.shape}`);
  assert.equal(shapes(model).filter((s) => s.includes('bn')).length, 0, 'no BatchNorm');
  assert.throws(() => new UNet({ depth: 0 }), /depth must be an integer in \[1, 16\], got 0/);
  assert.throws(() => new UNet({ dropout: 1 }), /dropout must be a probability in \[0, 1\), got 1/);
  assert.throws(() => new UNet({ upMode: 'nearest' as never }), /upMode must be 'transpose' or 'bilinear', got "nearest"/);
  assert.throws(() => new UNet({ variant: 'resnet' as never }), /unknown variant 'resnet', expected one of tgs/);
  assert.throws(() => new UNet({ classes: 2 } as never), /unknown option\(s\) classes/);
});

test('activations captured without gradients are not overwritten', () => {
  const model = new UNet({ inChannels: 1, numClasses: 1, depth: 2, baseWidth: 2 }).eval();
  const x = randn([1, 1, 8, 8]);
  // ReLU runs in place only while autograd records; a captured BatchNorm output keeps its negatives.
  let bnOut: Tensor | null = null;
  const remove = model.getSubmodule('encoder.0.bn1').registerForwardHook((_m, _i, out) => {
    bnOut = (out as Tensor).detach().keep();
  });
  noGrad(() => model.forward(x)).dispose();
  remove();
  assert.ok(bnOut !== null);
  assert.ok((bnOut as Tensor).min().item() < 0, 'BatchNorm output still has negative values');
  (bnOut as Tensor).dispose();
  x.dispose();
  model.dispose();
});
