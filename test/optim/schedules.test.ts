import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, type Tensor } from '../../src/torch/index.js';
import { CosineAnnealingLR, LinearWarmup, PolyLR, SGD, StepLR, type LRScheduler } from '../../src/optim/index.js';
import { assertClose, loadFixture } from '../helpers.js';

interface Sched {
  options: Record<string, number>;
  warmup?: { warmupIters: number; startFactor: number };
  lrs: number[][];
}
const fx = loadFixture<{ schedules: { baseLrs: number[]; stepLR: Sched; cosine: Sched; poly: Sched; warmupPoly: Sched } }>('optim')
  .schedules;

/** An SGD optimizer with one group per base lr (PyTorch's fixture used 0.1 and 0.01). */
function makeOptimizer(): { opt: SGD; params: Tensor[] } {
  const params = fx.baseLrs.map(() => zeros([1], { requiresGrad: true }));
  return { opt: new SGD(params.map((p, i) => ({ params: [p], lr: fx.baseLrs[i] })), { lr: fx.baseLrs[0]! }), params };
}

const makers: Record<string, (opt: SGD, s: Sched) => LRScheduler> = {
  stepLR: (opt, s) => new StepLR(opt, s.options as { stepSize: number; gamma: number }),
  cosine: (opt, s) => new CosineAnnealingLR(opt, s.options as { tMax: number; etaMin: number }),
  poly: (opt, s) => new PolyLR(opt, s.options as { maxIters: number; power: number }),
  warmupPoly: (opt, s) => new LinearWarmup(new PolyLR(opt, s.options as { maxIters: number; power: number }), s.warmup!),
};

for (const [name, make] of Object.entries(makers)) {
  const s = fx[name as keyof typeof fx] as Sched;

  test(`${name}: lr sequence equals PyTorch's`, () => {
    const { opt, params } = makeOptimizer();
    const sched = make(opt, s);
    const got = [sched.getLastLr()];
    for (let i = 1; i < s.lrs.length; i++) {
      opt.step();
      sched.step();
      got.push(sched.getLastLr());
      assert.deepEqual(got.at(-1), opt.paramGroups.map((g) => g.lr), 'the groups hold the scheduled lr');
    }
    // PyTorch updates recursively, pixelwise in closed form: equal up to rounding.
    assertClose(got.flat(), s.lrs.flat(), { atol: 1e-15, rtol: 1e-12, message: name });
    for (const p of params) p.dispose();
  });

  test(`${name}: a schedule resumed from its state dict continues exactly`, () => {
    const a = makeOptimizer();
    const first = make(a.opt, s);
    for (let i = 0; i < 6; i++) first.step();
    const state = JSON.parse(JSON.stringify(first.stateDict()));
    const optState = a.opt.stateDict();
    const b = makeOptimizer();
    b.opt.loadStateDict({ tensors: optState.tensors, meta: JSON.parse(JSON.stringify(optState.meta)) });
    const resumed = make(b.opt, s); // construction sets the lr of step 0 ...
    resumed.loadStateDict(state); // ... and loading puts it back at step 6
    assert.deepEqual(resumed.getLastLr(), first.getLastLr());
    for (let i = 7; i < s.lrs.length; i++) {
      first.step();
      resumed.step();
      assert.deepEqual(resumed.getLastLr(), first.getLastLr(), `step ${i}`);
      assertClose(resumed.getLastLr(), s.lrs[i]!, { atol: 1e-15, rtol: 1e-12 });
    }
    for (const p of [...a.params, ...b.params]) p.dispose();
  });
}

test('schedules start from initialLr, which a first schedule records in each group', () => {
  const { opt, params } = makeOptimizer();
  const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
  sched.step();
  assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [0.1, 0.01]);
  assert.deepEqual(sched.getLastLr(), [0.05, 0.005]);
  for (const p of params) p.dispose();
});

test('bad options and mismatched states are rejected with clear errors', () => {
  const { opt, params } = makeOptimizer();
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), /StepLR: invalid stepSize 0/);
  assert.throws(() => new PolyLR(opt, { maxIters: 1.5 }), /PolyLR: invalid maxIters 1.5, expected an integer > 0/);
  assert.throws(() => new CosineAnnealingLR(opt, { tMax: 10, etaMin: -1 }), /invalid etaMin -1/);
  assert.throws(() => new LinearWarmup(new PolyLR(opt, { maxIters: 5 }), { warmupIters: 2, startFactor: 0 }), /invalid startFactor 0/);
  const poly = new PolyLR(opt, { maxIters: 5 });
  assert.throws(() => poly.loadStateDict(new StepLR(opt, { stepSize: 2 }).stateDict()), /from a StepLR schedule, not PolyLR/);
  assert.throws(() => poly.loadStateDict({ type: 'PolyLR', lastEpoch: -3, baseLrs: [0.1, 0.01] }), /invalid lastEpoch -3/);
  assert.throws(() => poly.loadStateDict({ type: 'PolyLR', lastEpoch: 2, baseLrs: [0.1] }), /1 base lrs, the optimizer has 2 groups/);
  for (const p of params) p.dispose();
});
