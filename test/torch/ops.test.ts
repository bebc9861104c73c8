// Every engine op against PyTorch: forward outputs and input gradients for a fixed upstream
// gradient (fixture from scripts/fixtures/ops.py; case names are shared with that script).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, manualSeed, stack, tidy, where, type Tensor } from '../../src/torch/index.js';
import * as F from '../../src/nn/functional.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

type Inputs = Record<string, Tensor>;
type Case = (x: Inputs) => Tensor | Tensor[];

interface OpCase {
  inputs: Record<string, { tensor: string; grad: boolean }>;
  outputs: FixtureTensor[];
  upstream?: FixtureTensor;
  grads?: Record<string, FixtureTensor>;
}

const fixture = loadFixture<{ tensors: Record<string, FixtureTensor>; cases: Record<string, OpCase> }>('ops');

const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
const seeded = (seed: number, fn: Case): Case => (x) => {
  manualSeed(seed);
  return fn(x);
};
const symmetric = (pads: number[]): Case => ({ x }) => F.pad(x, pads, 'symmetric');

const cases: Record<string, Case> = {
  // elementwise math, broadcasting
  add: ({ a, b }) => a.add(b),
  add_alpha: ({ a, b }) => a.add(b, 2.5),
  add_scalar: ({ a }) => a.add(1.5),
  sub: ({ a, b }) => a.sub(b),
  sub_alpha: ({ a, b }) => a.sub(b, 0.5),
  rsub_scalar: ({ a }) => a.rsub(2),
  mul: ({ a, b }) => a.mul(b),
  mul_scalar: ({ a }) => a.mul(-3),
  div: ({ a, b }) => a.div(b),
  div_scalar: ({ a }) => a.div(4),
  pow_scalar: ({ p }) => p.pow(2.5),
  pow_tensor: ({ p, b }) => p.pow(b),
  remainder: ({ a, b }) => a.remainder(b),
  maximum: ({ a, b }) => a.maximum(b),
  minimum: ({ a, b }) => a.minimum(b),
  neg: ({ a }) => a.neg(),
  abs: ({ a }) => a.abs(),
  exp: ({ a }) => a.exp(),
  log: ({ p }) => p.log(),
  log1p: ({ p }) => p.log1p(),
  sqrt: ({ p }) => p.sqrt(),
  rsqrt: ({ p }) => p.rsqrt(),
  square: ({ a }) => a.square(),
  reciprocal: ({ p }) => p.reciprocal(),
  sign: ({ a }) => a.sign(),
  floor: ({ a }) => a.mul(3).floor(),
  ceil: ({ a }) => a.mul(3).ceil(),
  round: ({ a }) => a.mul(3).round(),
  sin: ({ a }) => a.sin(),
  cos: ({ a }) => a.cos(),

  // comparisons and logic
  eq: ({ a, b }) => a.eq(b),
  ne: ({ a, b }) => a.ne(b),
  lt: ({ a, b }) => a.lt(b),
  le: ({ a, b }) => a.le(b),
  gt: ({ a, b }) => a.gt(b),
  ge: ({ a, b }) => a.ge(b),
  eq_scalar: ({ a }) => a.eq(1),
  gt_scalar: ({ a }) => a.gt(1),
  logical: ({ a, b }) => [a.gt(0).logicalAnd(b.lt(2)), a.gt(1).logicalOr(b.gt(1)), a.gt(0).logicalNot()],
  where: ({ c, a, b }) => where(c, a, b),
  where_scalar: ({ c, a }) => where(c, a, -1.5),
  masked_fill: ({ a, m }) => a.maskedFill(m, 0.25),

  // activations
  relu: ({ a }) => F.relu(a),
  leaky_relu: ({ a }) => F.leakyRelu(a, 0.2),
  sigmoid: ({ a }) => F.sigmoid(a),
  tanh: ({ a }) => F.tanh(a),
  softmax: ({ a }) => F.softmax(a, 1),
  softmax_last: ({ a }) => F.softmax(a, -1),
  log_softmax: ({ a }) => F.logSoftmax(a, 1),
  clamp: ({ a }) => a.clamp(-0.5, 0.7),
  clamp_min: ({ a }) => a.clamp(-0.2),
  clamp_max: ({ a }) => a.clamp(null, 0.3),

  // reductions
  sum_all: ({ a }) => a.sum(),
  sum_dims: ({ a }) => a.sum([0, 2]),
  sum_keepdim: ({ a }) => a.sum(1, true),
  mean_all: ({ a }) => a.mean(),
  mean_dims: ({ a }) => a.mean([1, 2]),
  mean_keepdim: ({ a }) => a.mean(-1, true),
  max_all: ({ a }) => a.max(),
  max_dim: ({ a }) => pair(a.max(1)),
  max_dim_keepdim: ({ a }) => pair(a.max(2, true)),
  min_dim: ({ a }) => pair(a.min(0)),
  argmax_all: ({ a }) => a.argmax(),
  argmax_dim: ({ a }) => a.argmax(1),
  argmax_keepdim: ({ a }) => a.argmax(-1, true),
  argmin_dim: ({ a }) => a.argmin(2),
  prod: ({ p }) => p.prod(),
  var_dim: ({ a }) => a.var([0, 2]),
  std_dim_biased: ({ a }) => a.std(1, { unbiased: false, keepdim: true }),
  norm: ({ a }) => a.norm(2),
  norm_dim: ({ a }) => a.norm(1, [1]),

  // linear algebra
  matmul_2d: ({ a, b }) => a.matmul(b),
  matmul_batched_broadcast: ({ a, b }) => a.matmul(b),
  matmul_vec: ({ a, v }) => a.matmul(v),
  matmul_vec_left: ({ v, a }) => v.matmul(a),
  t: ({ a }) => a.t(),
  linear: ({ x, w, bias }) => F.linear(x, w, bias),

  // shapes
  reshape: ({ a }) => a.reshape([6, 4]),
  reshape_infer: ({ a }) => a.reshape([-1, 2]),
  view: ({ a }) => a.view([4, 6]),
  permute: ({ a }) => a.permute([2, 0, 1]),
  transpose: ({ a }) => a.transpose(0, 2),
  flatten: ({ a }) => a.flatten(1),
  squeeze_unsqueeze: ({ b }) => b.squeeze(1).unsqueeze(0),
  expand: ({ b }) => b.expand([2, 3, 5]),
  repeat: ({ b }) => b.repeat([2, 1, 3]),
  flip: ({ a }) => a.flip([0, 2]),
  cat: ({ a, c }) => cat([a, c], 1),
  cat_last: ({ a, c }) => cat([c, a, c], -1),
  stack: ({ a, c }) => stack([a, c, a], 1),
  slice_step: ({ a }) => a.slice(2, 1, null, 2),
  slice_negative: ({ a }) => a.slice(1, -3, -1),
  narrow: ({ a }) => a.narrow(2, 1, 2),
  select: ({ a }) => a.select(1, -1),
  index_select: ({ a, i }) => a.indexSelect(1, i),
  gather: ({ a, i }) => a.gather(2, i),
  chunk: ({ a }) => a.chunk(2, 2),
  split_sizes: ({ a }) => a.split([1, 2], 1),

  // padding
  pad_constant: ({ x }) => F.pad(x, [1, 2, 0, 1], 'constant', 0.5),
  pad_reflect: ({ x }) => F.pad(x, [2, 1, 1, 2], 'reflect'),
  pad_replicate: ({ x }) => F.pad(x, [1, 2, 2, 1], 'replicate'),
  pad_circular: ({ x }) => F.pad(x, [2, 1, 1, 2], 'circular'),
  pad_symmetric: symmetric([2, 1, 1, 2]),
  pad_symmetric_wide: symmetric([4, 7, 3, 4]),

  // convolution
  conv2d: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 1 }),
  conv2d_stride_dilation: ({ x, w, bias }) => F.conv2d(x, w, bias, { stride: 2, padding: [1, 2], dilation: 2 }),
  conv2d_groups: ({ x, w, bias }) => F.conv2d(x, w, bias, { stride: [1, 2], padding: 1, groups: 2 }),
  conv2d_channels_last: ({ x, w, bias }) => F.conv2d(x.contiguous('channelsLast'), w, bias, { padding: 1 }),
  conv2d_no_bias: ({ x, w }) => F.conv2d(x, w, null, { stride: [2, 1] }),
  conv2d_same_s1_k3: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 'same' }),
  conv2d_same_s1_k4: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 'same' }),
  conv2d_same_s2_k3: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 'same', stride: 2 }),
  conv2d_same_s3_k2: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 'same', stride: 3 }),
  conv2d_same_s1_k3_d2: ({ x, w, bias }) => F.conv2d(x, w, bias, { padding: 'same', dilation: 2 }),
  conv_transpose2d: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 2, padding: 1 }),
  conv_transpose2d_output_padding: ({ x, w, bias }) =>
    F.convTranspose2d(x, w, bias, { stride: 2, padding: 1, outputPadding: 1 }),
  conv_transpose2d_asymmetric: ({ x, w, bias }) =>
    F.convTranspose2d(x, w, bias, { stride: [3, 2], padding: [1, 0], outputPadding: [2, 1] }),
  conv_transpose2d_dilation: ({ x, w, bias }) =>
    F.convTranspose2d(x, w, bias, { stride: 2, padding: 1, outputPadding: 1, dilation: 2 }),
  conv_transpose2d_groups: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 2, outputPadding: 1, groups: 2 }),
  conv_transpose2d_no_bias: ({ x, w }) => F.convTranspose2d(x, w, null, { stride: 2, padding: 1 }),
  conv_transpose2d_same_s2_k4: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 2, padding: 'same' }),
  conv_transpose2d_same_s2_k3: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 2, padding: 'same' }),
  conv_transpose2d_same_s1_k3: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { padding: 'same' }),
  conv_transpose2d_same_s3_k2: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 3, padding: 'same' }),
  conv_transpose2d_same_s2_k1: ({ x, w, bias }) => F.convTranspose2d(x, w, bias, { stride: 2, padding: 'same' }),
  conv_transpose2d_same_s2_k3_d2: ({ x, w, bias }) =>
    F.convTranspose2d(x, w, bias, { stride: 2, padding: 'same', dilation: 2 }),

  // pooling
  max_pool2d: ({ x }) => F.maxPool2d(x, 2),
  max_pool2d_ceil: ({ x }) => F.maxPool2d(x, 3, { stride: 2, ceilMode: true }),
  max_pool2d_indices: ({ x }) => pair(F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, returnIndices: true })),
  max_pool2d_dilation: ({ x }) => F.maxPool2d(x, [2, 3], { stride: [3, 2], padding: 1, dilation: 2, ceilMode: true }),
  avg_pool2d: ({ x }) => F.avgPool2d(x, 2),
  avg_pool2d_ceil: ({ x }) => F.avgPool2d(x, 3, { stride: 2, ceilMode: true }),
  avg_pool2d_pad_exclude: ({ x }) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  avg_pool2d_divisor: ({ x }) => F.avgPool2d(x, [2, 3], { stride: [2, 1], divisorOverride: 4 }),
  adaptive_avg_pool2d: ({ x }) => F.adaptiveAvgPool2d(x, [3, 4]),

  // normalisation and dropout (running statistics are updated in place)
  batch_norm_train: ({ x, weight, bias, running_mean, running_var }) => [
    F.batchNorm(x, running_mean, running_var, { weight, bias, training: true, momentum: 0.2 }),
    running_mean,
    running_var,
  ],
  batch_norm_eval: ({ x, weight, bias, running_mean, running_var }) => [
    F.batchNorm(x, running_mean, running_var, { weight, bias, training: false, eps: 1e-3 }),
    running_mean,
    running_var,
  ],
  batch_norm_train_no_affine: ({ x }) => F.batchNorm(x, null, null, { training: true }),
  dropout: seeded(7, ({ a }) => F.dropout(a, 0.3, true)),
  dropout_eval: ({ a }) => F.dropout(a, 0.3, false),
  dropout2d: seeded(11, ({ x }) => F.dropout2d(x, 0.5, true)),

  // resampling
  interpolate_nearest_size: ({ x }) => F.interpolate(x, { size: [7, 8], mode: 'nearest' }),
  interpolate_nearest_scale2: ({ x }) => F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
  interpolate_nearest_scale1_5: ({ x }) => F.interpolate(x, { scaleFactor: 1.5, mode: 'nearest' }),
  interpolate_nearest_down: ({ x }) => F.interpolate(x, { size: [3, 2], mode: 'nearest' }),
  interpolate_bilinear: ({ x }) => F.interpolate(x, { size: [7, 9], mode: 'bilinear', alignCorners: false }),
  interpolate_bilinear_align: ({ x }) => F.interpolate(x, { size: [7, 9], mode: 'bilinear', alignCorners: true }),
  interpolate_bilinear_scale: ({ x }) => F.interpolate(x, { scaleFactor: [2, 1.5], mode: 'bilinear' }),
  interpolate_bilinear_scale_align: ({ x }) =>
    F.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
  interpolate_bilinear_down: ({ x }) => F.interpolate(x, { size: [3, 3], mode: 'bilinear' }),
  interpolate_area: ({ x }) => F.interpolate(x, { size: [2, 3], mode: 'area' }),
  interpolate_area_scale: ({ x }) => F.interpolate(x, { scaleFactor: 0.5, mode: 'area' }),

  // labels
  one_hot: ({ labels }) => F.oneHot(labels, 5),
  one_hot_inferred: ({ labels }) => F.oneHot(labels),
};

test('every fixture case has a TypeScript entry and every entry a fixture case', () => {
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(fixture.cases).sort());
});

const TOL = { atol: 1e-5, rtol: 1e-5 };
const EXACT = { atol: 0, rtol: 0 };
const isFloat = (dtype: string): boolean => dtype.startsWith('float') || dtype === 'bfloat16';

for (const [name, expected] of Object.entries(fixture.cases)) {
  test(`${name}: forward and gradients equal PyTorch`, () => {
    const run = cases[name];
    assert.ok(run, `no TypeScript entry for fixture case ${name}`);
    tidy(() => {
      const inputs: Inputs = {};
      for (const [key, { tensor, grad }] of Object.entries(expected.inputs)) {
        inputs[key] = fromFixture(fixture.tensors[tensor]!, { requiresGrad: grad });
      }
      const result = run(inputs);
      const outputs = Array.isArray(result) ? result : [result];
      assert.equal(outputs.length, expected.outputs.length, 'number of outputs');
      outputs.forEach((out, i) => {
        const want = expected.outputs[i]!;
        assert.equal(out.dtype, want.dtype, `output ${i} dtype`);
        assertClose(out, want, { ...(isFloat(want.dtype) ? TOL : EXACT), message: `${name} output ${i}` });
      });

      const first = outputs[0]!;
      assert.equal(first.requiresGrad, expected.upstream !== undefined, 'output requiresGrad');
      if (expected.upstream === undefined) return;
      first.backward(fromFixture(expected.upstream));
      for (const [key, input] of Object.entries(inputs)) {
        const want = expected.grads![key];
        if (want === undefined) {
          assert.equal(input.grad, null, `${key} should have no gradient`);
          continue;
        }
        const grad = input.grad;
        assert.ok(grad, `${name}: no gradient for input ${key}`);
        assertClose(grad, want, { ...TOL, message: `${name} grad ${key}` });
      }
    });
  });
}
