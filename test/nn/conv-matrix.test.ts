import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convMatrix } from '../../src/nn/conv-matrix.js';
import { conv2d, convTranspose2d } from '../../src/nn/functional.js';
import { convOutputSize, convTransposeOutputSize, type Pair } from '../../src/nn/geometry.js';
import { eye, memory, randn, tensor, tidy } from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

interface Case {
  name: string;
  kernel: number[]; // (outC, inC, kh, kw)
  input: [number, number, number]; // (C, H, W)
  stride: number;
  padding: number;
  dilation?: number;
}

const cases: Case[] = [
  { name: '1 channel, stride 1, padding 0', kernel: [1, 1, 3, 3], input: [1, 5, 6], stride: 1, padding: 0 },
  { name: '1 channel, stride 2, padding 0', kernel: [1, 1, 3, 3], input: [1, 5, 6], stride: 2, padding: 0 },
  { name: '1 channel, stride 1, padding 1', kernel: [1, 1, 3, 3], input: [1, 4, 4], stride: 1, padding: 1 },
  { name: '1 channel, stride 2, padding 1, 4x4 kernel', kernel: [1, 1, 4, 4], input: [1, 6, 7], stride: 2, padding: 1 },
  { name: '3 -> 2 channels, stride 2, padding 1', kernel: [2, 3, 3, 3], input: [3, 5, 4], stride: 2, padding: 1 },
  { name: '2 -> 4 channels, stride 1, padding 0, 2x3 kernel', kernel: [4, 2, 2, 3], input: [2, 4, 5], stride: 1, padding: 0 },
  { name: '2 -> 2 channels, dilation 2, padding 1', kernel: [2, 2, 3, 3], input: [2, 6, 6], stride: 1, padding: 1, dilation: 2 },
];

test('conv2d(x) = C x', () => {
  for (const c of cases) {
    tidy(() => {
      const k = randn(c.kernel, { dtype: 'float64' });
      const x = randn([1, ...c.input], { dtype: 'float64' });
      const m = convMatrix(k, c.input, { stride: c.stride, padding: c.padding, dilation: c.dilation });
      const y = conv2d(x, k, null, { stride: c.stride, padding: c.padding, dilation: c.dilation });
      const geometry = { stride: c.stride, padding: c.padding, dilation: c.dilation };
      const out = [c.kernel[0]!, convOutputSize(c.input[1], c.kernel[2]!, geometry), convOutputSize(c.input[2], c.kernel[3]!, geometry)];
      assert.deepEqual(y.shape, [1, ...out], c.name);
      assert.deepEqual(m.shape, [out[0]! * out[1]! * out[2]!, c.input[0] * c.input[1] * c.input[2]], c.name);
      assertClose(m.matmul(x.flatten()), y.flatten(), { atol: 1e-12, rtol: 1e-12, message: c.name });
    });
  }
});

test('conv_transpose2d(y) = C^T y (output_padding restores sizes stride does not divide)', () => {
  for (const c of cases) {
    tidy(() => {
      const k = randn(c.kernel, { dtype: 'float64' });
      const geometry = { stride: c.stride, padding: c.padding, dilation: c.dilation };
      const [oh, ow] = [convOutputSize(c.input[1], c.kernel[2]!, geometry), convOutputSize(c.input[2], c.kernel[3]!, geometry)];
      const y = randn([1, c.kernel[0]!, oh, ow], { dtype: 'float64' });
      const outputPadding: Pair = [
        c.input[1] - convTransposeOutputSize(oh, c.kernel[2]!, geometry),
        c.input[2] - convTransposeOutputSize(ow, c.kernel[3]!, geometry),
      ];
      const x = convTranspose2d(y, k, null, { ...geometry, outputPadding });
      assert.deepEqual(x.shape, [1, ...c.input], c.name);
      const m = convMatrix(k, c.input, geometry);
      assertClose(m.t().matmul(y.flatten()), x.flatten(), { atol: 1e-12, rtol: 1e-12, message: c.name });
    });
  }
});

test("'same' padding: C matches conv2d 'same' and C^T matches convTranspose2d 'same'", () => {
  tidy(() => {
    for (const [h, w, k, s] of [
      [6, 8, 3, 2],
      [6, 6, 4, 2],
      [9, 6, 5, 3],
      [5, 7, 3, 1],
    ] as const) {
      const kernel = randn([2, 3, k, k], { dtype: 'float64' });
      const x = randn([1, 3, h, w], { dtype: 'float64' });
      const m = convMatrix(kernel, [3, h, w], { stride: s, padding: 'same' });
      const y = conv2d(x, kernel, null, { stride: s, padding: 'same' });
      assert.deepEqual(y.shape, [1, 2, Math.ceil(h / s), Math.ceil(w / s)]);
      assertClose(m.matmul(x.flatten()), y.flatten(), { atol: 1e-12, rtol: 1e-12, message: `${h}x${w} k${k} s${s}` });
      if (h % s === 0 && w % s === 0) {
        const back = convTranspose2d(y, kernel, null, { stride: s, padding: 'same' });
        assertClose(m.t().matmul(y.flatten()), back.flatten(), { atol: 1e-12, rtol: 1e-12, message: `transposed ${h}x${w} k${k} s${s}` });
      }
    }
  });
});

test('a (kh, kw) kernel on [H, W]: the 3x3 example of the convolution arithmetic guide', () => {
  tidy(() => {
    // 3x3 kernel over a 4x4 input, no padding, stride 1: a 4x16 matrix with the kernel rows spread out.
    const kernel = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const m = convMatrix(kernel, [4, 4]);
    assert.equal(m.dtype, 'float32');
    assert.deepEqual(m.toArray(), [
      [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0],
      [0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0],
      [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0],
      [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9],
    ]);
    // The same matrix from conv2d applied to each basis image (convolution is linear).
    const basis = eye(16).reshape([16, 1, 4, 4]);
    const columns = conv2d(basis, kernel.reshape([1, 1, 3, 3])).reshape([16, 4]).t();
    assertClose(m, columns, { atol: 0, rtol: 0 });
  });
});

test('convMatrix rejects mismatched shapes and frees what it creates', () => {
  tidy(() => {
    const k = randn([2, 3, 3, 3]);
    assert.throws(() => convMatrix(k, [2, 5, 5]), /has 2 channel\(s\) but the kernel expects 3/);
    assert.throws(() => convMatrix(k, [5]), /expected an input shape \[H, W\] or \[C, H, W\], got \[5\]/);
    assert.throws(() => convMatrix(randn([3, 3, 3]), [5, 5]), /expected a \(kh, kw\) or \(outC, inC, kh, kw\) kernel/);
    assert.throws(() => convMatrix(randn([3, 3]), [2, 2]), /smaller than the kernel extent/);
    const strided = k.transpose(2, 3); // not contiguous: convMatrix copies it and frees the copy
    const before = memory().liveTensors;
    convMatrix(strided, [3, 4, 4]).dispose();
    assert.equal(memory().liveTensors, before);
    const x = randn([1, 3, 4, 4]);
    assertClose(convMatrix(strided, [3, 4, 4]).matmul(x.flatten()), conv2d(x, strided).flatten(), { atol: 1e-5 });
  });
});
