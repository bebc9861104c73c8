// nn.init and default layer initialisation: with the same seed, PyTorch's exact values
// (pixelwise and PyTorch draw from the same libtorch generator, in the same order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { empty, manualSeed, tidy, type Tensor } from '../../src/torch/index.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

const fixture = loadFixture<{
  init: Record<string, FixtureTensor>;
  gains: Record<string, number>;
  seeded_model: Record<string, FixtureTensor>;
}>('nn');

const exact = { atol: 0, rtol: 0 };

const cases: [string, (w: Tensor) => Tensor][] = [
  ['kaiming_uniform_default', (w) => nn.init.kaimingUniform_(w)],
  ['kaiming_uniform_a02_fanout', (w) => nn.init.kaimingUniform_(w, { a: 0.2, mode: 'fanOut' })],
  ['kaiming_normal_relu_fanout', (w) => nn.init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' })],
  ['kaiming_normal_linear', (w) => nn.init.kaimingNormal_(w, { nonlinearity: 'linear' })],
  ['xavier_uniform_tanh', (w) => nn.init.xavierUniform_(w, nn.init.calculateGain('tanh'))],
  ['xavier_normal', (w) => nn.init.xavierNormal_(w)],
  ['uniform', (w) => nn.init.uniform_(w, -3, 1)],
  ['normal', (w) => nn.init.normal_(w, 0.5, 2)],
];

for (const [name, fn] of cases) {
  test(`init ${name} reproduces PyTorch's values exactly with the same seed`, () => {
    const expected = fixture.init[name]!;
    tidy(() => {
      manualSeed(7);
      const w = empty(expected.shape);
      assert.equal(fn(w), w, 'returns the tensor it filled');
      assertClose(w, fromFixture(expected), exact);
    });
  });
}

test('calculateGain matches PyTorch', () => {
  const g = fixture.gains;
  for (const name of ['linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu'] as const) {
    assert.equal(nn.init.calculateGain(name), g[name], name);
  }
  assert.equal(nn.init.calculateGain('leakyRelu', 0.2), g['leakyRelu0.2']);
  assert.throws(() => nn.init.calculateGain('gelu' as 'relu'), /unsupported nonlinearity 'gelu'/);
});

test('default layer initialisation after manualSeed(0) equals PyTorch 1.13 weight for weight', () => {
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.Sequential({
      up: new nn.ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1 }),
      mix: new nn.Conv2d(2, 2, 1, { bias: false }),
    }),
    new nn.Flatten(),
    new nn.Linear(8, 3),
  );
  const state = model.stateDict();
  assert.deepEqual([...state.keys()], Object.keys(fixture.seeded_model));
  tidy(() => {
    for (const [key, t] of state) assertClose(t, fromFixture(fixture.seeded_model[key]!), { ...exact, message: key });
  });
  model.dispose();
});

test('fan computation as PyTorch: dim 1 (fan in) and dim 0 (fan out) times the receptive field', () => {
  tidy(() => {
    assert.deepEqual(nn.init.calculateFanInAndFanOut(empty([8, 3, 5, 3])), { fanIn: 45, fanOut: 120 });
    assert.deepEqual(nn.init.calculateFanInAndFanOut(empty([7, 2])), { fanIn: 2, fanOut: 7 });
    assert.throws(() => nn.init.calculateFanInAndFanOut(empty([7])), /at least 2 dimensions, got shape \[7\]/);
    assert.throws(() => nn.init.kaimingUniform_(empty([2, 2]), { mode: 'fan_in' as 'fanIn' }), /mode must be 'fanIn' or 'fanOut'/);
  });
});

test('statistics of large draws: kaiming normal std = gain / sqrt(fan), xavier uniform within its bound', () => {
  manualSeed(3);
  tidy(() => {
    const w = nn.init.kaimingNormal_(empty([128, 64, 3, 3]), { nonlinearity: 'relu' });
    const std = w.std().item();
    const expected = Math.sqrt(2) / Math.sqrt(64 * 9);
    assert.ok(Math.abs(std / expected - 1) < 0.01, `std ${std}, expected ${expected}`);
    assert.ok(Math.abs(w.mean().item()) < 0.01 * expected * 10);
    const u = nn.init.xavierUniform_(empty([64, 32, 3, 3]));
    const bound = Math.sqrt(6 / (32 * 9 + 64 * 9));
    assert.ok(u.max().item() <= bound && u.min().item() >= -bound);
    assert.ok(u.max().item() > 0.99 * bound, 'draws fill the interval');
  });
});

test('zeros_, ones_, constant_ work on parameters that require grad, in place', () => {
  const conv = new nn.Conv2d(2, 2, 1);
  assert.equal(nn.init.constant_(conv.weight, 0.25), conv.weight);
  assert.deepEqual(Array.from(conv.weight.data() as Float32Array), [0.25, 0.25, 0.25, 0.25]);
  nn.init.ones_(conv.bias!);
  assert.deepEqual(Array.from(conv.bias!.data() as Float32Array), [1, 1]);
  nn.init.zeros_(conv.weight);
  assert.deepEqual(Array.from(conv.weight.data() as Float32Array), [0, 0, 0, 0]);
  assert.ok(conv.weight.requiresGrad && conv.weight.isLeaf, 'still a trainable leaf');
  conv.dispose();
});

test('bilinear_ fills the diagonal with the bilinear kernel and zeros elsewhere', () => {
  tidy(() => {
    const w = empty([3, 3, 4, 4]);
    assert.equal(nn.init.bilinear_(w), w);
    const kernel = Array.from(nn.upsampleFilt(4));
    for (let i = 0; i < 3; i++) {
      for (let o = 0; o < 3; o++) {
        const block = Array.from(w.select(0, i).select(0, o).flatten().data() as Float32Array);
        assert.deepEqual(block, i === o ? kernel : new Array(16).fill(0), `block ${i} -> ${o}`);
      }
    }
    // The 4x4 kernel for factor 2: outer product of [0.25, 0.75, 0.75, 0.25].
    assertClose(kernel.slice(0, 4), [0.0625, 0.1875, 0.1875, 0.0625], { atol: 1e-7 });
  });
});
