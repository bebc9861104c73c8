import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convOutputSize, convTransposeOutputSize, pair, samePadding } from '../../src/nn/geometry.js';
import { conv2d, convTranspose2d } from '../../src/nn/functional.js';
import { tidy, zeros } from '../../src/torch/index.js';
import { loadFixture } from '../helpers.js';

type Table = { columns: string[]; rows: (number | null)[][] };
const fixture = loadFixture<Record<'conv' | 'same' | 'transposed' | 'maxPool' | 'avgPool', Table>>('geometry');

// Rows as objects keyed by the fixture's column names.
function rows(table: Table): Record<string, number | null>[] {
  return table.rows.map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i]!])));
}

function outputOrNull(fn: () => number): number | null {
  try {
    return fn();
  } catch (err) {
    assert.ok(err instanceof RangeError, String(err));
    return null;
  }
}

function checkTable(name: keyof typeof fixture, compute: (r: Record<string, number>) => number): void {
  const all = rows(fixture[name]);
  assert.ok(all.length > 100, `${name}: fixture has ${all.length} rows`);
  assert.ok(all.some((r) => r.out === null), `${name}: the grid includes configurations PyTorch rejects`);
  for (const r of all) {
    const got = outputOrNull(() => compute(r as Record<string, number>));
    assert.equal(got, r.out, `${name} ${JSON.stringify(r)}`);
  }
}

test('convOutputSize matches conv2d output lengths (and rejects what PyTorch rejects)', () => {
  checkTable('conv', (r) => convOutputSize(r.size!, r.kernel!, { stride: r.stride, padding: r.padding, dilation: r.dilation }));
});

test('convTransposeOutputSize matches conv_transpose2d output lengths', () => {
  checkTable('transposed', (r) =>
    convTransposeOutputSize(r.size!, r.kernel!, {
      stride: r.stride,
      padding: r.padding,
      outputPadding: r.outputPadding,
      dilation: r.dilation,
    }),
  );
  assert.throws(() => convTransposeOutputSize(4, 3, { stride: 2, outputPadding: 2 }), /outputPadding 2 must be smaller than the stride \(2\)/);
});

test('convOutputSize with ceilMode matches max_pool2d and avg_pool2d', () => {
  checkTable('maxPool', (r) =>
    convOutputSize(r.size!, r.kernel!, { stride: r.stride, padding: r.padding, dilation: r.dilation, ceilMode: r.ceilMode === 1 }),
  );
  checkTable('avgPool', (r) => convOutputSize(r.size!, r.kernel!, { stride: r.stride, padding: r.padding, ceilMode: r.ceilMode === 1 }));
  // A ceil-mode window may hang over the end: 1 pixel, 2x2 window, stride 2 still gives one output.
  assert.equal(convOutputSize(1, 2, { stride: 2, ceilMode: true }), 1);
  assert.throws(() => convOutputSize(1, 2, { stride: 2 }), /input of size 1 \(padding 0\) is smaller than the kernel extent 2/);
});

test("'same' at stride 1 agrees with PyTorch's padding='same'", () => {
  for (const r of rows(fixture.same)) {
    const [size, kernel, dilation] = [r.size!, r.kernel!, r.dilation!];
    assert.equal(convOutputSize(size, kernel, { padding: 'same', dilation }), r.out);
    // PyTorch pads total // 2 before and the rest after, as TensorFlow does.
    const [before, after] = samePadding(size, kernel, 1, dilation);
    assert.equal(before + after, dilation * (kernel - 1));
    assert.equal(before, Math.floor((dilation * (kernel - 1)) / 2));
  }
});

// TensorFlow's documented rule for 'SAME': out = ceil(in / stride),
// pad_total = max(k - stride, 0) if in % stride == 0 else max(k - in % stride, 0), pad_before = pad_total // 2.
function tfSamePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = size % stride === 0 ? Math.max(kernel - stride, 0) : Math.max(kernel - (size % stride), 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

test("samePadding follows TensorFlow 'SAME' (odd pixel after) at any stride and dilation", () => {
  assert.deepEqual(samePadding(13, 6, 5), [1, 2]); // the TensorFlow guide's example
  assert.deepEqual(samePadding(224, 3, 2), [0, 1]);
  for (let size = 1; size <= 20; size++) {
    for (const kernel of [1, 2, 3, 4, 5, 7]) {
      for (const stride of [1, 2, 3, 4]) {
        assert.deepEqual(samePadding(size, kernel, stride), tfSamePadding(size, kernel, stride), `${size} k${kernel} s${stride}`);
        assert.equal(convOutputSize(size, kernel, { stride, padding: 'same' }), Math.ceil(size / stride));
        // Dilation acts through the effective kernel extent d * (k - 1) + 1.
        assert.deepEqual(samePadding(size, kernel, stride, 2), tfSamePadding(size, 2 * (kernel - 1) + 1, stride));
      }
    }
  }
});

test("conv2d / convTranspose2d with 'same' give ceil(in / stride) and in * stride", () => {
  tidy(() => {
    for (const [h, w] of [
      [7, 4],
      [8, 5],
      [1, 3],
    ] as const) {
      for (const kernel of [1, 2, 3, 4]) {
        for (const stride of [1, 2, 3]) {
          const weight = zeros([2, 2, kernel, kernel]);
          const x = zeros([1, 2, h, w]);
          assert.deepEqual(conv2d(x, weight, null, { stride, padding: 'same' }).shape, [
            1,
            2,
            convOutputSize(h, kernel, { stride, padding: 'same' }),
            convOutputSize(w, kernel, { stride, padding: 'same' }),
          ]);
          assert.deepEqual(convTranspose2d(x, weight, null, { stride, padding: 'same' }).shape, [
            1,
            2,
            convTransposeOutputSize(h, kernel, { stride, padding: 'same' }),
            convTransposeOutputSize(w, kernel, { stride, padding: 'same' }),
          ]);
          assert.equal(convTransposeOutputSize(h, kernel, { stride, padding: 'same' }), h * stride);
        }
      }
    }
  });
});

test("'valid' is no padding; pair expands numbers and checks lists", () => {
  assert.equal(convOutputSize(10, 3, { padding: 'valid', stride: 2 }), convOutputSize(10, 3, { stride: 2 }));
  assert.equal(convTransposeOutputSize(4, 3, { padding: 'valid', stride: 2 }), 9);
  assert.deepEqual(pair(3), [3, 3]);
  assert.deepEqual(pair([1, 2]), [1, 2]);
  assert.throws(() => pair([1, 2, 3]), /expected a number or a pair, got \[1,2,3\]/);
});
