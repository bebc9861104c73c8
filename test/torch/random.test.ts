// Seeded random numbers: pixelwise drives the same libtorch generator as PyTorch, so a seed
// reproduces PyTorch's draws exactly (fixture from scripts/fixtures/ops.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getRngState, manualSeed, ones, rand, randint, randn, randperm, setRngState, tidy, type Tensor } from '../../src/torch/index.js';
import * as F from '../../src/nn/functional.js';
import { loadFixture, type FixtureTensor } from '../helpers.js';

const expected = loadFixture<{ random: Record<string, FixtureTensor> }>('ops').random;

// Bit-equal: fixture decimals are the shortest that round-trip to the same float32.
function same(actual: Tensor, name: string): void {
  const want = expected[name]!;
  assert.equal(actual.dtype, want.dtype, `${name} dtype`);
  assert.deepEqual(actual.shape, want.shape, `${name} shape`);
  const wanted = want.dtype === 'float32' ? Array.from(Float32Array.from(want.data)) : want.data;
  assert.deepEqual(Array.from(actual.data() as ArrayLike<number | bigint>, Number), wanted, name);
}

test('manualSeed reproduces torch.manual_seed draws: rand, randn, randint, randperm', () => {
  tidy(() => {
    manualSeed(42);
    same(rand([2, 3]), 'rand');
    same(randn([5]), 'randn_small');
    same(randn([40]), 'randn_vectorised');
    same(randint(0, 10, [12]), 'randint');
    same(randint(-5, 5, [2, 4]), 'randint_negative');
    same(randperm(9), 'randperm');
  });
});

test('dropout and dropout2d masks equal PyTorch for the same seed', () => {
  tidy(() => {
    manualSeed(3);
    same(F.dropout(ones([4, 8]), 0.25), 'dropout_mask');
    same(F.dropout2d(ones([2, 6, 2, 2]), 0.5), 'dropout2d_mask');
  });
});

test('dropout2d zeroes whole channels and scales the rest by 1/(1-p)', () => {
  tidy(() => {
    manualSeed(5);
    const y = F.dropout2d(ones([3, 8, 2, 2]), 0.5);
    const perChannel = y.reshape([24, 4]).toArray() as number[][];
    for (const channel of perChannel) {
      assert.ok(channel.every((v) => v === channel[0]), `channel not uniform: ${channel}`);
      assert.ok(channel[0] === 0 || channel[0] === 2, `unexpected value ${channel[0]}`);
    }
    assert.ok(perChannel.some((c) => c[0] === 0) && perChannel.some((c) => c[0] === 2));
  });
});

test('getRngState / setRngState replay the same stream; other seeds differ', () => {
  tidy(() => {
    manualSeed(123);
    const state = getRngState();
    const first = Array.from(randn([20]).data() as Float32Array);
    setRngState(state);
    assert.deepEqual(Array.from(randn([20]).data() as Float32Array), first);
    manualSeed(124);
    assert.notDeepEqual(Array.from(randn([20]).data() as Float32Array), first);
    assert.throws(() => setRngState(new Float32Array(4) as never), /setRngState: expected the Uint8Array getRngState returned, got Float32Array/);
    assert.throws(() => setRngState(state.subarray(0, 10)), /setRngState: .*size/);
  });
});

test('manualSeed rejects negative or fractional seeds', () => {
  assert.throws(() => manualSeed(-1), /manualSeed: expected a non-negative integer, got -1/);
  assert.throws(() => manualSeed(1.5), /got 1\.5/);
});

test('randint rejects an empty range', () => {
  assert.throws(() => randint(3, 3, [2]), /randint: expected low < high, got low=3, high=3/);
});
