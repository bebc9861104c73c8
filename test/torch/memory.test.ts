// Deterministic freeing of native tensors: tidy, keep, dispose, `using`, and a flat training loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keep, manualSeed, memory, noGrad, randn, scalar, tensor, tidy, zeros, type Tensor } from '../../src/torch/index.js';
import * as F from '../../src/nn/functional.js';

const live = (): number => memory().liveTensors;

test('tidy frees intermediates and keeps the returned tensor', () => {
  const before = live();
  const y = tidy(() => {
    const a = tensor([1, 2, 3]);
    const b = a.mul(2);
    return b.add(1);
  });
  assert.equal(live(), before + 1);
  assert.deepEqual(y.toArray(), [3, 5, 7]);
  y.dispose();
  assert.equal(live(), before);
});

test('tidy keeps tensors inside returned arrays, plain objects and Maps', () => {
  const before = live();
  const out = tidy(() => {
    const a = tensor([1]);
    tensor([2]); // dropped
    return { list: [a.add(1), a.add(2)], nested: { x: a }, map: new Map([['m', a.mul(5)]]), n: 3 };
  });
  assert.equal(live(), before + 4);
  assert.deepEqual(out.list[1]!.toArray(), [3]);
  assert.deepEqual(out.nested.x.toArray(), [1]);
  assert.deepEqual(out.map.get('m')!.toArray(), [5]);
  for (const t of [...out.list, out.nested.x, out.map.get('m')!]) t.dispose();
  assert.equal(live(), before);
});

test('nested tidy scopes hand results to the enclosing scope', () => {
  const before = live();
  let inner!: Tensor;
  const result = tidy(() => {
    inner = tidy(() => tensor([1, 2]).mul(3));
    assert.equal(inner.isDisposed, false);
    return inner.sum();
  });
  assert.equal(inner.isDisposed, true, 'the outer scope freed what the inner one returned');
  assert.equal(result.item(), 9);
  result.dispose();
  assert.equal(live(), before);
});

test('tidy frees everything when fn throws, and rethrows', () => {
  const before = live();
  let made!: Tensor;
  assert.throws(
    () =>
      tidy(() => {
        made = tensor([1, 2]).add(1);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(made.isDisposed, true);
  assert.equal(live(), before);
});

test('tidy rejects async functions and frees what they made', () => {
  const before = live();
  assert.throws(() => tidy((async () => tensor([1])) as unknown as () => Tensor), /fn must be synchronous/);
  assert.equal(live(), before);
});

test('keep() and keep([...]) exclude tensors from every enclosing scope', () => {
  const before = live();
  let a!: Tensor;
  let b!: Tensor;
  let c!: Tensor;
  tidy(() => {
    tidy(() => {
      a = tensor([1]).keep();
      [b, c] = keep([tensor([2]), tensor([3])]);
      tensor([4]);
    });
  });
  assert.equal(live(), before + 3);
  assert.deepEqual([a, b, c].map((t) => t.item()), [1, 2, 3]);
  for (const t of [a, b, c]) t.dispose();
  assert.equal(live(), before);
});

test('dispose is idempotent and a disposed tensor says so', () => {
  const before = live();
  const t = tensor([1, 2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(String(t), 'Tensor(disposed)');
  assert.equal(live(), before);
  // A tensor disposed inside tidy is not freed twice when the scope closes.
  tidy(() => {
    tensor([1]).dispose();
  });
  assert.equal(live(), before);
});

test('`using` disposes at the end of the block', () => {
  const before = live();
  let seen!: Tensor;
  {
    using t = tensor([1, 2, 3]);
    seen = t;
    assert.equal(live(), before + 1);
  }
  assert.equal(seen.isDisposed, true);
  assert.equal(live(), before);
});

test('creation functions leave exactly one live handle', () => {
  const before = live();
  const made = [scalar(2), scalar(1, { requiresGrad: true }), tensor([1, 2], { dtype: 'int64' }), zeros([2], { requiresGrad: true })];
  assert.equal(live(), before + made.length);
  for (const t of made) t.dispose();
  assert.equal(live(), before);
});

test('a creation call that fails leaves no handle behind, even outside tidy', () => {
  const before = live();
  assert.throws(() => tensor([1.5], { dtype: 'int64', requiresGrad: true }), /Only Tensors of floating point/);
  assert.throws(() => zeros([2], { dtype: 'int64', requiresGrad: true }), /Only Tensors of floating point/);
  assert.throws(() => tensor([1, 2], { device: 'nope' }), /device string: nope/);
  assert.equal(live(), before);
});

test('native bytes follow tensor lifetimes', () => {
  const before = memory().nativeBytes;
  const t = zeros([256, 256]);
  assert.ok(memory().nativeBytes - before >= 256 * 256 * 4, 'allocation counted');
  t.dispose();
  assert.equal(memory().nativeBytes, before);
});

test('a 500-step conv-net training loop keeps live tensors and native bytes flat', () => {
  manualSeed(0);
  const x = randn([4, 3, 8, 8]);
  const target = randn([4, 1, 8, 8]);
  const params = [randn([6, 3, 3, 3]).mul(0.3), zeros([6]), randn([1, 6, 3, 3]).mul(0.3), zeros([1])].map((p) =>
    p.requiresGrad_(),
  );
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  let at50: ReturnType<typeof memory> | undefined;
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let step = 1; step <= 500; step++) {
    const loss = tidy(() => {
      const h = F.relu(F.conv2d(x, w1, b1, { padding: 1 }));
      const y = F.conv2d(h, w2, b2, { padding: 'same' });
      const l = y.sub(target).square().mean();
      l.backward();
      noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!.mul(0.05));
          p.grad = null;
        }
      });
      return l.item();
    });
    if (step === 1) firstLoss = loss;
    if (step === 50) at50 = memory();
    lastLoss = loss;
  }
  const at500 = memory();
  assert.deepEqual(at500, at50, 'memory at step 500 equals memory at step 50');
  assert.ok(lastLoss < firstLoss, `loss went down (${firstLoss} -> ${lastLoss})`);
  for (const t of [x, target, ...params]) t.dispose();
});

test('a disposed handle is reused at once: a synchronous loop needs no garbage collection or event-loop turn', () => {
  // Node 20 runs N-API finalizers only when the event loop turns, so handles that needed one
  // piled up in loops that never await (issue 9: +12 KB per Adam step). Handles own nothing
  // the GC must release: the slots of disposed tensors are reused within the same loop.
  const a = tensor([1, 2]);
  const b = tensor([3, 4]);
  const loop = (): void => {
    tidy(() => {
      a.add(b).mul(2).sum();
    });
    a.add(b).dispose();
  };
  loop(); // the loop's peak of live tensors, reached once
  const slots = memory().handleSlots;
  for (let i = 0; i < 20000; i++) loop();
  assert.equal(memory().handleSlots, slots, 'no slot is added after the first iteration');
  a.dispose();
  b.dispose();
});

test('a tensor nobody disposes (outside tidy) is freed after garbage collection', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = live();
  (() => {
    for (let i = 0; i < 50; i++) tensor([i]); // orphans: no scope owns them
  })();
  assert.equal(live(), before + 50);
  // FinalizationRegistry callbacks run as tasks after a collection.
  for (let turn = 0; turn < 50 && live() > before; turn++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  // At most `before`: orphans dropped by earlier tests may be collected too.
  assert.ok(live() <= before, `${live() - before} of the 50 dropped tensors are still alive`);
});
