import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bilinearDepthwiseWeights,
  bilinearPadding,
  bilinearUpsample,
  bilinearUpsampleWeights,
  fillBilinear_,
  getKernelSize,
  upsampleFilt,
} from '../../src/nn/bilinear.js';
import { upsampleImage } from '../../src/image/upsample.js';
import type { Channels } from '../../src/image/types.js';
import { convTranspose2d } from '../../src/nn/functional.js';
import { memory, op, randn, tidy, zeros } from '../../src/torch/index.js';
import { assertClose, loadFixture, type FixtureTensor } from '../helpers.js';

interface UpsampleCase {
  name: string;
  clip: boolean;
  input: FixtureTensor;
  results: { factor: number; output: FixtureTensor }[];
}
const fixture = loadFixture<{ cases: UpsampleCase[]; filters: { size: number; kernel: FixtureTensor }[] }>('upsample');

function imageOf(f: FixtureTensor) {
  const [height, width, channels] = f.shape as [number, number, number];
  const data = f.dtype === 'uint8' ? Uint8Array.from(f.data) : Float64Array.from(f.data);
  return { data, height, width, channels: channels as Channels };
}

test('getKernelSize is 2 * factor - factor % 2', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 8, 9, 32].map(getKernelSize), [1, 4, 5, 8, 9, 16, 17, 64]);
  assert.throws(() => getKernelSize(0), /factor must be an integer >= 1, got 0/);
  assert.throws(() => getKernelSize(2.5), /got 2.5/);
});

test('upsampleFilt equals the tutorial kernel for sizes 1..17', () => {
  assert.equal(fixture.filters.length, 17);
  for (const { size, kernel } of fixture.filters) {
    assertClose(upsampleFilt(size), kernel.data, { atol: 1e-7, rtol: 0, message: `size ${size}` });
  }
  assert.deepEqual(Array.from(upsampleFilt(4).subarray(0, 4)), [0.0625, 0.1875, 0.1875, 0.0625]);
});

test('the crop of the "same" transposed convolution is symmetric: (k - f) / 2 per side', () => {
  for (let f = 1; f <= 32; f++) {
    const k = getKernelSize(f);
    assert.ok(Number.isInteger(bilinearPadding(f)), `factor ${f}`);
    // PyTorch's output length (h - 1) * s - 2p + k must be exactly h * f.
    for (const h of [1, 3, 7]) assert.equal((h - 1) * f - 2 * bilinearPadding(f) + k, h * f);
  }
});

test('upsampleImage equals skimage rescale(order=1, mode="constant", cval=0) to 1e-6', () => {
  let checked = 0;
  for (const c of fixture.cases) {
    const image = imageOf(c.input);
    for (const { factor, output } of c.results) {
      const up = upsampleImage(image, factor, { clip: c.clip });
      assert.deepEqual([up.height, up.width, up.channels], output.shape, `${c.name} x${factor} shape`);
      assertClose(up.data, output.data, { atol: 1e-6, rtol: 0, message: `${c.name} x${factor}` });
      checked++;
    }
  }
  assert.equal(checked, 30);
  const tutorial = fixture.cases[0]!;
  assert.deepEqual(tutorial.results.map((r) => r.factor), [2, 3, 4, 5, 6, 7, 8, 9]);
});

test('clip only matters on borders of images whose range excludes 0', () => {
  const positive = fixture.cases.find((c) => c.name.includes('clipped'))!;
  const image = imageOf(positive.input);
  const clipped = upsampleImage(image, 2);
  const raw = upsampleImage(image, 2, { clip: false });
  const min = Math.min(...image.data);
  assert.ok(Math.min(...raw.data) < min, 'plain transposed convolution darkens the border towards 0');
  assert.equal(Math.min(...clipped.data), min);
  // Interior pixels, far from the zero padding, agree.
  const at = (d: ArrayLike<number>, y: number, x: number) => d[y * raw.width + x]!;
  assert.equal(at(clipped.data, 1, 1), at(raw.data, 1, 1));
});

test('float32 input gives float32 output within 1e-6 of the float64 result', () => {
  const c = fixture.cases[3]!;
  const image = imageOf(c.input);
  const single = upsampleImage({ ...image, data: Float32Array.from(image.data) }, 3);
  assert.ok(single.data instanceof Float32Array);
  const double = upsampleImage({ ...image, data: Float32Array.from(image.data) }, 3, { dtype: 'float64' });
  assert.ok(double.data instanceof Float64Array);
  assertClose(single.data, double.data, { atol: 1e-6, rtol: 0 });
});

test('upsampleImage rejects bad input with a clear message', () => {
  const data = new Float64Array(12);
  assert.throws(() => upsampleImage({ data, height: 2, width: 2, channels: 2 }, 2), /12 values, expected .* = 2 \* 2 \* 2/);
  assert.throws(() => upsampleImage({ data, height: 2, width: 2, channels: 3 }, 0), /factor must be an integer >= 1, got 0/);
  assert.throws(() => upsampleImage({ data, height: 0, width: 2, channels: 3 }, 2), /height must be an integer >= 1, got 0/);
});

test('the dense diagonal weights give the same result as the depthwise kernel', () => {
  tidy(() => {
    const x = randn([2, 3, 4, 5], { dtype: 'float64' });
    for (const f of [2, 3, 4]) {
      const dense = bilinearUpsampleWeights(f, 3, 'float64');
      const p = bilinearPadding(f);
      const viaDense = op('aten::conv_transpose2d.input', [x, dense, null, [f, f], [p, p], [0, 0], 1, [1, 1]]);
      const viaDepthwise = bilinearUpsample(x, f);
      assert.deepEqual(viaDepthwise.shape, [2, 3, 4 * f, 5 * f]);
      assertClose(viaDepthwise, viaDense, { atol: 1e-12, rtol: 0, message: `factor ${f}` });
      // functional.convTranspose2d's Keras 'same' padding computes the same crop.
      assertClose(convTranspose2d(x, dense, null, { stride: f, padding: 'same' }), viaDense, { atol: 1e-12, rtol: 0 });
    }
  });
});

test('bilinearUpsampleWeights is diagonal; fillBilinear_ fills the same values', () => {
  tidy(() => {
    const w = bilinearUpsampleWeights(2, 3);
    assert.deepEqual(w.shape, [3, 3, 4, 4]);
    const kernelSums = w.sum([2, 3]).toArray() as number[][];
    assert.deepEqual(kernelSums, [
      [4, 0, 0],
      [0, 4, 0],
      [0, 0, 4],
    ]);
    const filled = fillBilinear_(zeros([3, 3, 4, 4]));
    assert.ok(filled.allclose(w, 0, 0));
    const depthwise = fillBilinear_(zeros([3, 1, 5, 5]));
    assert.ok(depthwise.allclose(bilinearDepthwiseWeights(3, 3), 0, 0));
    // Thirds are not exact in float32: a float64 weight must get the float64 kernel.
    const wide = fillBilinear_(zeros([2, 2, 5, 5], { dtype: 'float64' }));
    assert.ok(wide.allclose(bilinearUpsampleWeights(3, 2, 'float64'), 0, 0));
  });
});

test('bilinearUpsample accepts (C, H, W), rejects integer tensors, and frees its weight', () => {
  tidy(() => {
    const x = randn([2, 3, 3]);
    const before = memory().liveTensors;
    const y = bilinearUpsample(x, 2);
    assert.deepEqual(y.shape, [2, 6, 6]);
    assert.equal(memory().liveTensors, before + 1);
    assert.throws(() => bilinearUpsample(zeros([1, 1, 2, 2], { dtype: 'int64' }), 2), /float32 or float64 input, got int64/);
    assert.throws(() => bilinearUpsample(zeros([2, 2]), 2), /expected a \(N, C, H, W\) or \(C, H, W\) input/);
  });
});

test('upsampleImage leaves no native tensors behind', () => {
  const before = memory().liveTensors;
  upsampleImage(imageOf(fixture.cases[0]!.input), 4);
  assert.equal(memory().liveTensors, before);
});
