// autocast(fn): libtorch's autocast through the generic dispatcher call, checked against what
// torch.autocast('cpu', torch.bfloat16) does to the same operators (scripts/fixtures/autocast.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocast, autocastState, cudaAvailable, manualSeed, op, randn, tidy, type OpArg, type Tensor } from '../../src/torch/index.js';
import { Conv2d, Linear, ReLU, Sequential, MaxPool2d, ConvTranspose2d } from '../../src/nn/index.js';
import * as F from '../../src/nn/functional.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/optim/index.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

type Input = { tensor: FixtureTensor; bf16?: boolean } | { value: OpArg } | { list: Input[] };
interface Case {
  name: string;
  op: string;
  inputs: Input[];
  out: FixtureTensor;
  outsideDtype: string | null;
  gradDtypes: string[];
}
const { cases } = loadFixture<{ cases: Case[] }>('autocast');

function build(input: Input, grad: boolean, leaves: Tensor[]): OpArg {
  if ('list' in input) return input.list.map((i) => build(i, grad, leaves));
  if ('value' in input) return input.value;
  const t = fromFixture(input.tensor);
  if (input.bf16) return t.to('bfloat16');
  if (grad && t.dtype === 'float32') {
    t.requiresGrad_();
    leaves.push(t);
  }
  return t;
}

const first = (r: unknown): Tensor => (Array.isArray(r) ? r[0] : r) as Tensor;

for (const c of cases) {
  test(`autocast: ${c.name} (${c.op}) gives ${c.out.dtype} as in PyTorch`, () => {
    tidy(() => {
      const leaves: Tensor[] = [];
      const args = c.inputs.map((i) => build(i, c.gradDtypes.length > 0, leaves));
      const out = first(autocast(() => op(c.op, args)));
      assert.equal(out.dtype, c.out.dtype);
      // Same libtorch and kernels: equal up to bfloat16 rounding of intermediate sums.
      assertClose(out.float(), c.out, { atol: 2e-2, rtol: 2e-2, message: c.name });
      if (c.outsideDtype !== null) assert.equal(first(op(c.op, args)).dtype, c.outsideDtype, 'outside autocast');
      if (c.gradDtypes.length > 0) {
        out.float().sum().backward();
        assert.deepEqual(leaves.map((t) => t.grad!.dtype), c.gradDtypes, 'gradients of the float32 inputs');
      }
    });
  });
}

test('autocast: conv2d, linear and matmul in bfloat16 inside, float32 outside; float32 gradients on float32 parameters', () => {
  manualSeed(0);
  const conv = new Conv2d(3, 4, 3, { padding: 1 });
  const fc = new Linear(4, 2);
  tidy(() => {
    const x = randn([2, 3, 8, 8]);
    const inside = autocast(() => {
      const h = conv.forward(x);
      assert.equal(h.dtype, 'bfloat16');
      const pooled = h.mean([2, 3]);
      const y = fc.forward(pooled);
      assert.equal(y.dtype, 'bfloat16');
      assert.equal(y.matmul(randn([2, 3])).dtype, 'bfloat16');
      return y;
    });
    assert.equal(conv.forward(x).dtype, 'float32', 'outside: float32 again');
    inside.float().square().sum().backward();
    for (const p of [...conv.parameters(), ...fc.parameters()]) {
      assert.equal(p.dtype, 'float32');
      assert.equal(p.grad!.dtype, 'float32');
    }
  });
});

test('autocast: nested scopes, enabled: false inside, and the state restored after', () => {
  assert.deepEqual(autocastState(), { enabled: false, dtype: 'bfloat16' });
  tidy(() => {
    const x = randn([1, 2, 5, 5]);
    const w = randn([3, 2, 3, 3]);
    autocast(() => {
      assert.equal(F.conv2d(x, w).dtype, 'bfloat16');
      autocast(
        () => {
          assert.equal(autocastState().enabled, false);
          assert.equal(F.conv2d(x, w).dtype, 'float32', 'inner enabled: false turns it off');
          autocast(() => assert.equal(F.conv2d(x, w).dtype, 'bfloat16', 'and a third level on again'));
        },
        { enabled: false },
      );
      assert.equal(F.conv2d(x, w).dtype, 'bfloat16', 'back on after the inner scope');
    });
    assert.equal(F.conv2d(x, w).dtype, 'float32');
  });
  assert.deepEqual(autocastState(), { enabled: false, dtype: 'bfloat16' });
});

test('autocast: restores the state when fn throws, and returns what fn returns', () => {
  assert.throws(() => autocast(() => {
    assert.equal(autocastState().enabled, true);
    throw new Error('boom');
  }), /boom/);
  assert.equal(autocastState().enabled, false);
  assert.deepEqual(autocast(() => ({ n: 3 })), { n: 3 });
});

test('autocast: refuses async functions, promises, float16 on the CPU and CUDA without CUDA, in one line each', () => {
  let ran = false;
  assert.throws(() => autocast((async () => { ran = true; }) as unknown as () => void), /fn must be synchronous/);
  assert.equal(ran, false, 'an async function is refused before it runs');
  assert.throws(() => autocast(() => Promise.resolve(1)), /returned a Promise/);
  assert.equal(autocastState().enabled, false);
  assert.throws(() => autocast(() => 1, { dtype: 'float16' }), /CPU autocast runs in bfloat16 only.*float16/);
  assert.throws(() => autocast(() => 1, { dtype: 'float64' as never }), /dtype must be 'bfloat16' or 'float16', got 'float64'/);
  assert.throws(() => autocast(() => 1, { device: 'tpu' as never }), /device must be 'cpu' or 'cuda', got 'tpu'/);
  // A CPU-only libtorch (this project's default) has no CUDA autocast to switch on.
  if (!cudaAvailable()) assert.throws(() => autocast(() => 1, { device: 'cuda' }), /needs a libtorch with CUDA/);
});

test('autocast: a small conv net trains in bfloat16 (float32 master weights, loss in float32)', () => {
  manualSeed(1);
  const model = new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new ConvTranspose2d(8, 4, 2, { stride: 2 }),
    new ReLU(),
    new Conv2d(4, 2, 1),
  );
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const x = randn([4, 1, 16, 16]).keep();
  // Labels a net can learn: the sign of a smoothed input.
  const y = tidy(() => F.avgPool2d(x, 3, { stride: 1, padding: 1 }).gt(0).long().squeeze(1)).keep();
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) {
    losses.push(
      tidy(() => {
        opt.zeroGrad();
        const logits = autocast(() => model.forward(x));
        assert.equal(logits.dtype, 'bfloat16');
        const loss = crossEntropy(logits.float(), y);
        loss.backward();
        opt.step();
        return loss.item();
      }),
    );
  }
  for (const p of model.parameters()) assert.equal(p.dtype, 'float32');
  assert.ok(losses.at(-1)! < 0.6 * losses[0]!, `loss ${losses[0]} -> ${losses.at(-1)}`);
  x.dispose();
  y.dispose();
});
