// The autograd API: leaves, accumulation, retained graphs, detach, noGrad, grad setter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad, scalar, tensor, tidy, zeros } from '../../src/torch/index.js';

const values = (t: { toArray(): unknown }): unknown => t.toArray();

test('requiresGrad_ makes a leaf; op results are non-leaves that require grad', () => {
  tidy(() => {
    const x = tensor([1, 2, 3]);
    assert.equal(x.requiresGrad, false);
    assert.equal(x.requiresGrad_(), x, 'returns this');
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    const y = x.mul(2);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    x.requiresGrad_(false);
    assert.equal(x.requiresGrad, false);
    assert.equal(tensor([1], { requiresGrad: true }).requiresGrad, true);
    const s = scalar(2, { requiresGrad: true });
    assert.deepEqual([s.isLeaf, s.shape], [true, []]);
  });
});

test('gradients accumulate over two backward calls until cleared', () => {
  tidy(() => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    assert.deepEqual(values(x.grad!), [2, 4, 6]);
    x.mul(x).sum().backward();
    assert.deepEqual(values(x.grad!), [4, 8, 12]);
    x.grad = null;
    assert.equal(x.grad, null);
    x.mul(3).sum().backward();
    assert.deepEqual(values(x.grad!), [3, 3, 3]);
  });
});

test('retainGraph allows a second backward through the same graph; without it the graph is freed', () => {
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertNear(x.grad!.toArray() as number[], [2 * Math.E, 2 * Math.exp(2)]);
    assert.throws(() => y.backward(), /backward.*(second time|freed)/s);
  });
});

test('backward with an explicit gradient weights a non-scalar output', () => {
  tidy(() => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).backward(tensor([1, 0, -1]));
    assert.deepEqual(values(x.grad!), [2, 0, -6]);
  });
});

test('backward on a non-scalar without a gradient is a clear error', () => {
  tidy(() => {
    const y = tensor([[1, 2]], { requiresGrad: true }).mul(2);
    assert.throws(() => y.backward(), /gradient can be implied only for scalar outputs, got float32\[1,2\]/);
  });
});

test('backward on a tensor outside any graph is a clear error', () => {
  tidy(() => {
    assert.throws(() => tensor([1]).sum().backward(), /backward: tensor float32\[\] does not require grad/);
  });
});

test('detach shares data but leaves the graph', () => {
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.deepEqual(values(d), [2, 4]);
    d.add_(1); // same storage as y
    assert.deepEqual(values(y), [3, 5]);
    const z = x.mul(d).sum();
    z.backward();
    assert.deepEqual(values(x.grad!), [3, 5], 'no gradient flows through d');
  });
});

test('noGrad records no graph and restores grad mode, even when fn throws', () => {
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.equal(isGradEnabled(), true);
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    assert.equal(z.requiresGrad, true, 'enableGrad re-enables inside noGrad');
    assert.throws(() => y.sum().backward(), /does not require grad/);
  });
});

test('in-place updates under noGrad keep a parameter a leaf', () => {
  tidy(() => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.sum().backward();
    noGrad(() => w.sub_(w.grad!.mul(0.5)));
    assert.equal(w.isLeaf, true);
    assert.deepEqual(values(w), [0.5, 1.5]);
  });
});

test('grad setter assigns a gradient and null clears it', () => {
  tidy(() => {
    const x = zeros([2], { requiresGrad: true });
    assert.equal(x.grad, null);
    x.grad = tensor([5, 6]);
    assert.deepEqual(values(x.grad!), [5, 6]);
    x.sum().backward();
    assert.deepEqual(values(x.grad!), [6, 7], 'backward accumulates into an assigned gradient');
    x.grad = null;
    assert.equal(x.grad, null);
  });
});

test('retainGrad keeps the gradient of a non-leaf', () => {
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).retainGrad();
    y.square().sum().backward();
    assert.deepEqual(values(y.grad!), [6, 12]);
    assert.deepEqual(values(x.grad!), [18, 36]);
  });
});

test('createGraph allows a second-order gradient', () => {
  tidy(() => {
    const x = tensor([2], { requiresGrad: true });
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!; // 3x^2, itself differentiable
    assert.equal(g.requiresGrad, true);
    assert.deepEqual(values(g), [12]);
    x.grad = null;
    g.sum().backward();
    assert.deepEqual(values(x.grad!), [12], 'd(3x^2)/dx = 6x');
  });
});

function assertNear(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `element ${i}: ${v} vs ${expected[i]}`));
}
