import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, tensor, tidy, zeros, type Tensor } from '../../src/torch/index.js';
import { Adam, AdamW, SGD, type Optimizer, type OptimizerMeta } from '../../src/optim/index.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  trace: FixtureTensor[][];
}
const fx = loadFixture<{ steps: number; initial: FixtureTensor[]; grads: (FixtureTensor | null)[][]; cases: Case[] }>('optim');

function makeParams(): Tensor[] {
  return fx.initial.map((f) => fromFixture(f, { requiresGrad: true }));
}

function makeOptimizer(c: Case, params: Tensor[]): Optimizer<any> {
  const spec = c.groups ? c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]!) })) : params;
  if (c.optimizer === 'SGD') return new SGD(spec, c.options as { lr: number });
  if (c.optimizer === 'Adam') return new Adam(spec, c.options);
  return new AdamW(spec, c.options);
}

/** Feeds the fixture's gradients of steps [from, to) and checks the parameters after each. */
function runSteps(c: Case, opt: Optimizer<any>, params: Tensor[], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    params.forEach((p, i) => {
      const g = fx.grads[s]![i];
      if (g) {
        const t = fromFixture(g);
        p.grad = t;
        t.dispose();
      } else {
        p.grad = null;
      }
    });
    opt.step();
    params.forEach((p, i) => {
      const tol = p.dtype === 'float64' ? 1e-12 : 1e-6; // bit-exact here; slack for other libtorch builds
      assertClose(p, c.trace[s]![i]!, { atol: tol, rtol: tol, message: `${c.name}, step ${s + 1}, param ${i}` });
    });
  }
}

for (const c of fx.cases) {
  test(`${c.name}: ${fx.steps} steps equal PyTorch's`, () => {
    const params = makeParams();
    const opt = makeOptimizer(c, params);
    const before = memory().liveTensors;
    runSteps(c, opt, params, 0, 1);
    const afterFirst = memory().liveTensors; // state tensors now exist
    assert.ok(afterFirst >= before);
    runSteps(c, opt, params, 1, fx.steps);
    assert.equal(memory().liveTensors, afterFirst, 'no tensors leak per step');
    opt.dispose();
    for (const p of params) p.dispose();
  });
}

/** The state dict through a safetensors buffer and back, as a checkpoint would store it. */
function throughSafetensors(opt: Optimizer<any>): { tensors: Map<string, Tensor>; meta: OptimizerMeta } {
  const sd = opt.stateDict();
  const bytes = serializeSafetensors(sd.tensors, { optimizer: JSON.stringify(sd.meta) });
  const { tensors, metadata } = parseSafetensors(bytes);
  return { tensors, meta: JSON.parse(metadata.optimizer!) as OptimizerMeta };
}

for (const name of ['sgd nesterov', 'adam amsgrad', 'adamw', 'adam groups', 'sgd groups']) {
  test(`${name}: stateDict after 2 steps, loaded into a fresh optimizer, continues exactly`, () => {
    const c = fx.cases.find((x) => x.name === name)!;
    const params = makeParams();
    const first = makeOptimizer(c, params);
    runSteps(c, first, params, 0, 2);
    const saved = throughSafetensors(first);
    first.dispose();
    // A fresh run: new parameter tensors holding the same values, and an optimizer built with
    // default hyper-parameters (no momentum, no amsgrad): the state brings the saved ones.
    const resumed = params.map((p) => tidy(() => p.detach().clone().requiresGrad_(true)));
    const plain = { ...c, options: { lr: 123 }, groups: c.groups?.map((g) => ({ params: g.params })) ?? null };
    const other = makeOptimizer(plain, resumed);
    other.loadStateDict(saved);
    for (const t of saved.tensors.values()) t.dispose(); // the optimizer holds copies
    assert.notEqual(other.paramGroups[0]!.lr, 123, 'hyper-parameters come from the state');
    runSteps(c, other, resumed, 2, fx.steps);
    other.dispose();
    for (const p of [...params, ...resumed]) p.dispose();
  });
}

test('loadStateDict(own stateDict()): the live state is copied before it is replaced, and steps continue exactly', () => {
  const c = fx.cases.find((x) => x.name === 'adam amsgrad')!;
  const params = makeParams();
  const opt = makeOptimizer(c, params);
  runSteps(c, opt, params, 0, 2);
  const before = memory().liveTensors;
  opt.loadStateDict(opt.stateDict());
  assert.equal(memory().liveTensors, before, 'the copies replace the old state, which is freed');
  runSteps(c, opt, params, 2, fx.steps);
  opt.dispose();
  for (const p of params) p.dispose();
});

test('stateDict: keys, PyTorch state names and JSON-able meta', () => {
  const c = fx.cases.find((x) => x.name === 'adam groups')!;
  const params = makeParams();
  const opt = makeOptimizer(c, params);
  runSteps(c, opt, params, 0, 1);
  const sd = opt.stateDict();
  // Group 0 holds params 0 and 3 (flat indices 0, 1); group 1 holds 1 and 2 (flat 2, 3) with amsgrad.
  assert.deepEqual([...sd.tensors.keys()].sort(), [
    'state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.step',
    'state.1.exp_avg', 'state.1.exp_avg_sq', 'state.1.step',
    'state.2.exp_avg', 'state.2.exp_avg_sq', 'state.2.max_exp_avg_sq', 'state.2.step',
    'state.3.exp_avg', 'state.3.exp_avg_sq', 'state.3.max_exp_avg_sq', 'state.3.step',
  ]);
  assert.equal(sd.tensors.get('state.0.step')!.item(), 1);
  assert.equal(sd.tensors.get('state.0.step')!.dtype, 'float32');
  assert.deepEqual(sd.meta.paramGroups.map((g) => g.params), [[0, 1], [2, 3]]);
  assert.deepEqual(sd.meta.paramGroups[0]!.betas, [0.5, 0.9]);
  assert.equal(sd.meta.paramGroups[1]!.lr, 0.001);
  assert.deepEqual(sd.meta.paramShapes, [[3, 4], [2, 3], [4], []]);
  assert.deepEqual(JSON.parse(JSON.stringify(sd.meta)), sd.meta);
  opt.dispose();
  for (const p of params) p.dispose();
});

test('loadStateDict rejects mismatched state with clear errors and changes nothing', () => {
  const c = fx.cases.find((x) => x.name === 'adam plain')!;
  const params = makeParams();
  const opt = makeOptimizer(c, params);
  runSteps(c, opt, params, 0, 1);
  const good = opt.stateDict();
  const target = new Adam(params, { lr: 0.5 });

  assert.throws(() => new SGD(params, { lr: 0.1 }).loadStateDict(good), /state is from a Adam optimizer, not SGD/);
  assert.throws(() => new AdamW(params).loadStateDict(good), /not AdamW/);
  assert.throws(() => new Adam(params.slice(0, 3)).loadStateDict(good), /group 0 has 4 parameters in the state, 3 here/);
  assert.throws(() => new Adam([{ params: params.slice(0, 2) }, { params: params.slice(2) }]).loadStateDict(good), /the state has 1 parameter groups, this optimizer has 2/);
  const swapped = [params[1]!, params[0]!, params[2]!, params[3]!];
  assert.throws(() => new Adam(swapped).loadStateDict(good), /parameter 0 has shape \[4\], the state was saved for \[3,4\]/);
  const withKey = (k: string, t: Tensor) => ({ tensors: new Map([...good.tensors, [k, t]]), meta: good.meta });
  const z = zeros([3, 4], { dtype: 'float64' });
  assert.throws(() => target.loadStateDict(withKey('state.9.exp_avg', z)), /parameter 9, but there are only 4/);
  assert.throws(() => target.loadStateDict(withKey('state.0.momentum_buffer', z)), /unexpected state 'momentum_buffer' for parameter 0/);
  assert.throws(() => target.loadStateDict(withKey('exp_avg', z)), /unexpected key 'exp_avg'/);
  assert.throws(() => target.loadStateDict(withKey('state.1.exp_avg', z)), /'state.1.exp_avg' has shape \[3,4\], parameter 1 has \[4\]/);
  const partial = new Map([...good.tensors].filter(([k]) => k !== 'state.2.exp_avg_sq'));
  assert.throws(() => target.loadStateDict({ tensors: partial, meta: good.meta }), /parameter 2 lacks state exp_avg_sq/);
  const badBetas = { ...good.meta, paramGroups: [{ ...good.meta.paramGroups[0]!, betas: [1.5, 0.9] }] };
  assert.throws(() => target.loadStateDict({ tensors: good.tensors, meta: badBetas }), /invalid betas\[0\] 1.5/);
  assert.throws(() => target.loadStateDict({} as never), /expected \{tensors: Map, meta/);
  // Nothing was loaded by the failed attempts.
  assert.equal(target.stateDict().tensors.size, 0);
  assert.equal(target.paramGroups[0]!.lr, 0.5);
  target.loadStateDict(good);
  assert.equal(target.paramGroups[0]!.lr, 0.01);
  assert.equal(target.stateDict().tensors.size, 12);
  z.dispose();
  opt.dispose();
  target.dispose();
  for (const p of params) p.dispose();
});

test('constructor validation names the bad value', () => {
  const p = zeros([2], { requiresGrad: true });
  assert.throws(() => new SGD([p], { lr: -1 }), /SGD: invalid lr -1/);
  assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0 and dampening 0/);
  assert.throws(() => new SGD([p], { lr: 0.1, momentum: -0.5 }), /invalid momentum -0.5/);
  assert.throws(() => new Adam([p], { betas: [0.9, 1] }), /Adam: invalid betas\[1\] 1, expected a number in \[0, 1\)/);
  assert.throws(() => new AdamW([p], { eps: -1 }), /AdamW: invalid eps -1/);
  assert.throws(() => new Adam([]), /empty parameter list/);
  assert.throws(() => new Adam([{ params: [p] }, { params: [p] }]), /more than one parameter group/);
  const nonLeaf = tidy(() => p.mul(2));
  assert.throws(() => new Adam([nonLeaf]), /not a leaf tensor/);
  nonLeaf.dispose();
  p.dispose();
});

test('zeroGrad sets gradients to null, or zeroes them in place', () => {
  const p = tensor([1, 2, 3], { requiresGrad: true });
  const opt = new SGD([p], { lr: 0.1 });
  const g = tensor([1, 1, 1]);
  p.grad = g;
  opt.zeroGrad(false);
  const zeroed = p.grad!;
  assert.deepEqual(zeroed.toArray(), [0, 0, 0]);
  zeroed.dispose();
  opt.zeroGrad();
  assert.equal(p.grad, null);
  opt.step(); // no gradient: nothing changes
  assert.deepEqual(p.toArray(), [1, 2, 3]);
  g.dispose();
  p.dispose();
});

test('step(closure) evaluates the closure with grad enabled and returns its value', () => {
  const p = tensor([2], { requiresGrad: true });
  const opt = new SGD([p], { lr: 0.25 });
  const loss = opt.step(() =>
    tidy(() => {
      const l = p.mul(p).sum();
      l.backward();
      return l.item();
    }),
  );
  assert.equal(loss, 4);
  assert.deepEqual(p.toArray(), [1]); // 2 - 0.25 * 4
  p.dispose();
});
