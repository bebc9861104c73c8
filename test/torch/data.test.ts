// Data in and out of native tensors: typed arrays per dtype, nesting, item(), threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getNumThreads, scalar, setNumThreads, tensor, tidy, zeros, type DType, type TypedArray } from '../../src/torch/index.js';

// Extremes of each type: any conversion on the way would change them.
const roundtrips: [DType, TypedArray][] = [
  ['float32', new Float32Array([1.5, -2.25, 3.4028234663852886e38, 1e-45])],
  ['float64', new Float64Array([Math.PI, -1e300, 5e-324, 0.1])],
  ['int64', new BigInt64Array([2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 7n])],
  ['int32', new Int32Array([2 ** 31 - 1, -(2 ** 31), 0, 5])],
  ['int16', new Int16Array([32767, -32768, 1, -1])],
  ['int8', new Int8Array([127, -128, 3, -3])],
  ['uint8', new Uint8Array([0, 255, 17, 128])],
];

for (const [dtype, data] of roundtrips) {
  test(`${dtype}: typed array -> tensor -> typed array is exact`, () => {
    tidy(() => {
      const t = tensor(data, { shape: [2, 2] });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [2, 2]);
      const back = t.data();
      assert.equal(back.constructor, data.constructor);
      assert.deepEqual(back, data);
    });
  });
}

test('bool: Uint8Array in, Uint8Array of 0/1 out, booleans in toArray', () => {
  tidy(() => {
    const t = tensor(new Uint8Array([1, 0, 2]), { dtype: 'bool' });
    assert.equal(t.dtype, 'bool');
    assert.deepEqual(t.data(), new Uint8Array([1, 0, 1]));
    assert.deepEqual(t.toArray(), [true, false, true]);
    assert.deepEqual(zeros([2]).eq(0).toArray(), [true, true]);
  });
});

test('bfloat16 and float16: stored reduced, read back widened to Float32Array', () => {
  tidy(() => {
    const exact = new Float32Array([1, -2.5, 3.140625, 256]);
    const b = tensor(exact, { dtype: 'bfloat16' });
    assert.equal(b.dtype, 'bfloat16');
    assert.deepEqual(b.data(), exact);
    assert.deepEqual(tensor(new Float32Array([Math.PI]), { dtype: 'bfloat16' }).data(), new Float32Array([3.140625]));
    const h = tensor(new Float32Array([1, -2.5, 65504]), { dtype: 'float16' });
    assert.equal(h.dtype, 'float16');
    assert.deepEqual(h.data(), new Float32Array([1, -2.5, 65504]));
  });
});

test('conversions between dtypes follow PyTorch (truncation toward zero for ints)', () => {
  tidy(() => {
    const t = tensor([1.7, -1.7, 0]);
    assert.deepEqual(t.long().data(), new BigInt64Array([1n, -1n, 0n]));
    assert.deepEqual(t.int().toArray(), [1, -1, 0]);
    assert.deepEqual(t.bool().toArray(), [true, true, false]);
    assert.equal(t.double().dtype, 'float64');
  });
});

test('toArray nests by shape; 0-d gives a number; empty dims give empty arrays', () => {
  tidy(() => {
    const t = tensor(new Float32Array(Array.from({ length: 12 }, (_, i) => i)), { shape: [2, 3, 2] });
    assert.deepEqual(t.toArray(), [
      [[0, 1], [2, 3], [4, 5]],
      [[6, 7], [8, 9], [10, 11]],
    ]);
    assert.deepEqual(t.permute([2, 0, 1]).toArray(), [
      [[0, 2, 4], [6, 8, 10]],
      [[1, 3, 5], [7, 9, 11]],
    ], 'non-contiguous views read in logical order');
    assert.equal(scalar(2.5).toArray(), 2.5);
    assert.deepEqual(zeros([0, 3]).toArray(), []);
    assert.deepEqual(zeros([2, 0]).toArray(), [[], []]);
    assert.deepEqual(tensor([[1, 2], [3, 4]]).shape, [2, 2]);
    assert.equal(tensor([[1, 2], [3, 4]]).dtype, 'float32');
  });
});

test('item() reads the single element of any dtype; more elements is a RangeError', () => {
  tidy(() => {
    assert.equal(scalar(1.25).item(), 1.25);
    assert.equal(tensor([[7]]).item(), 7);
    assert.equal(tensor(new BigInt64Array([-5n])).item(), -5);
    assert.equal(tensor(new Uint8Array([1]), { dtype: 'bool' }).item(), 1);
    assert.equal(tensor([1, 2, 3]).sum().item(), 6);
    assert.throws(() => tensor([1, 2]).item(), /item: tensor float32\[2\] has 2 elements, expected exactly 1/);
  });
});

test('setNumThreads / getNumThreads', () => {
  const previous = getNumThreads();
  try {
    setNumThreads(2);
    assert.equal(getNumThreads(), 2);
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    assert.throws(() => setNumThreads(0), /setNumThreads: expected n >= 1, got 0/);
  } finally {
    setNumThreads(previous);
  }
});
