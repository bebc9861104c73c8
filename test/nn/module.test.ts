// The Module contract: PyTorch state-dict keys, loading, freezing, modes, hooks, conversion, freeing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { manualSeed, memory, randn, scalar, tidy, zeros, type Tensor } from '../../src/torch/index.js';
import { assertClose, loadFixture } from '../helpers.js';

const fixture = loadFixture<{ module_keys: string[] }>('nn');

/** The nested model whose PyTorch state_dict keys the fixture lists. */
function smallModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.Sequential({ head: new nn.Conv2d(4, 2, 1), norm: new nn.BatchNorm2d(2, { affine: false }) }),
  );
}

test('stateDict keys (and their order) match PyTorch for a nested model', () => {
  const model = smallModel();
  assert.deepEqual([...model.stateDict().keys()], fixture.module_keys);
  assert.equal(model.stateDict().get('1.num_batches_tracked')!.dtype, 'int64');
  assert.deepEqual(
    [...model.namedParameters()].map(([k]) => k),
    ['0.weight', '0.bias', '1.weight', '1.bias', '3.head.weight', '3.head.bias'],
  );
  model.dispose();
});

test('loadStateDict copies values so that two models compute the same thing', () => {
  const a = smallModel().eval();
  const b = smallModel().eval();
  tidy(() => {
    const x = randn([2, 3, 6, 6]);
    assert.ok(!a.forward(x).allclose(b.forward(x)), 'different random init');
    const result = b.loadStateDict(a.stateDict());
    assert.deepEqual(result, { missing: [], unexpected: [] });
    assertClose(b.forward(x), a.forward(x), { atol: 0, rtol: 0 });
  });
  a.dispose();
  b.dispose();
});

test('loadStateDict names missing, unexpected and shape-mismatched keys; strict false tolerates the first two', () => {
  const model = smallModel();
  tidy(() => {
    const state = new Map(model.stateDict());
    state.delete('3.head.bias');
    state.set('extra.weight', zeros([1]));
    assert.throws(() => model.loadStateDict(state), (err: Error) => {
      assert.match(err.message, /missing keys: 3\.head\.bias/);
      assert.match(err.message, /unexpected keys: extra\.weight/);
      return true;
    });
    assert.deepEqual(model.loadStateDict(state, { strict: false }), { missing: ['3.head.bias'], unexpected: ['extra.weight'] });
    state.set('0.weight', zeros([4, 3, 5, 5]));
    assert.throws(
      () => model.loadStateDict(state, { strict: false }),
      /shape mismatch for 0\.weight: checkpoint has \[4,3,5,5\], model has \[4,3,3,3\]/,
    );
  });
  model.dispose();
});

test('requiresGrad_(false) freezes a submodule: no gradients after backward, the rest still learns', () => {
  const model = smallModel();
  model.at(0).requiresGrad_(false);
  tidy(() => {
    model.forward(randn([2, 3, 5, 5])).sum().backward();
    for (const [name, p] of model.namedParameters()) {
      const frozen = name.startsWith('0.');
      assert.equal(p.requiresGrad, !frozen, name);
      assert.equal(p.grad === null, frozen, `${name} grad`);
    }
  });
  model.dispose();
});

test('train() and eval() reach every module of the tree', () => {
  const model = smallModel();
  model.eval();
  assert.ok([...model.namedModules()].every(([, m]) => !m.training));
  model.train();
  assert.ok([...model.namedModules()].every(([, m]) => m.training));
  // eval() changes behaviour: BatchNorm stops updating its running statistics.
  model.eval();
  const bn = model.getSubmodule('3.norm') as nn.BatchNorm2d;
  tidy(() => model.forward(randn([2, 3, 5, 5])));
  assert.equal(bn.numBatchesTracked!.item(), 0);
  model.dispose();
});

test('forward hooks capture outputs by module name and can be removed', () => {
  const model = smallModel();
  const captured = new Map<string, number[]>();
  const removers = [...model.namedModules()]
    .filter(([name]) => name !== '')
    .map(([name, m]) => m.registerForwardHook((_m, _inputs, out) => captured.set(name, (out as Tensor).shape)));
  tidy(() => model.forward(randn([1, 3, 6, 6])));
  assert.deepEqual(Object.fromEntries(captured), {
    '0': [1, 4, 4, 4],
    '1': [1, 4, 4, 4],
    '2': [1, 4, 4, 4],
    '3': [1, 2, 4, 4],
    '3.head': [1, 2, 4, 4],
    '3.norm': [1, 2, 4, 4],
  });
  for (const remove of removers) remove();
  captured.clear();
  tidy(() => model.forward(randn([1, 3, 6, 6])));
  assert.equal(captured.size, 0);
  model.dispose();
});

test('forward hooks wrap a forward set on the instance; each registration is removed on its own', () => {
  const m = new nn.Identity();
  m.forward = (x: Tensor): Tensor => x.mul(2); // an own property, not the prototype's method
  const seen: number[] = [];
  const hook = (_m: unknown, _inputs: unknown[], out: unknown) => void seen.push((out as Tensor).item());
  const removeFirst = m.registerForwardHook(hook);
  const removeSecond = m.registerForwardHook(hook);
  const run = () => tidy(() => m.forward(scalar(3)).item());
  assert.equal(run(), 6);
  assert.deepEqual(seen, [6, 6], 'both registrations run');
  removeFirst();
  assert.equal(run(), 6);
  assert.deepEqual(seen, [6, 6, 6], 'the second registration still runs');
  removeSecond();
  assert.equal(run(), 6, 'the instance forward is back, not the prototype one');
  assert.deepEqual(seen, [6, 6, 6]);
});

test('getSubmodule finds dotted paths and names what exists when it fails', () => {
  const model = smallModel();
  assert.ok(model.getSubmodule('3.head') instanceof nn.Conv2d);
  assert.equal(model.getSubmodule(''), model);
  assert.throws(() => model.getSubmodule('3.tail'), /no submodule '3\.tail' in Sequential; available: 0, 1, 2, 3, 3\.head, 3\.norm/);
  model.dispose();
});

test("to('float64') converts parameters and float buffers in place; the counter stays int64", () => {
  manualSeed(4);
  const model = smallModel().eval();
  const weight = (model.at(0) as nn.Conv2d).weight;
  tidy(() => {
    const x = randn([1, 3, 5, 5]);
    const y32 = model.forward(x);
    model.to('float64');
    assert.equal(weight.dtype, 'float64', 'same JS tensor, converted');
    assert.equal(model.stateDict().get('1.running_var')!.dtype, 'float64');
    assert.equal(model.stateDict().get('1.num_batches_tracked')!.dtype, 'int64');
    const y64 = model.forward(x.double());
    assert.equal(y64.dtype, 'float64');
    assertClose(y64, y32, { atol: 1e-5 });
  });
  assert.throws(() => model.to('int64'), /Sequential\.to: dtype must be a floating type .*got 'int64'/);
  assert.throws(() => model.to({ dtype: 'uint8' }), /got 'uint8'/);
  assert.equal(weight.dtype, 'float64', 'a rejected conversion changes nothing');
  model.dispose();
});

test("to({ memoryFormat: 'channelsLast' }) keeps outputs equal", () => {
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1 }),
  ).eval();
  tidy(() => {
    const x = randn([2, 3, 6, 6]);
    const before = model.forward(x);
    model.to({ memoryFormat: 'channelsLast' });
    assert.ok((model.at(0) as nn.Conv2d).weight.isContiguous('channelsLast'));
    const after = model.forward(x.contiguous('channelsLast'));
    assertClose(after, before, { atol: 1e-5 });
  });
  model.dispose();
});

test('dispose frees every parameter and buffer (live tensor count returns to where it was)', () => {
  const start = memory().liveTensors;
  const model = smallModel();
  const held = memory().liveTensors - start;
  assert.equal(held, model.parameters().length + model.buffers().length, 'construction keeps only the state');
  model.dispose();
  assert.equal(memory().liveTensors, start);
  assert.throws(() => model.parameters()[0]!.shape, /disposed/);
});

test('the nn namespace gathers functional ops and losses under nn.functional', () => {
  assert.equal(typeof nn.functional.conv2d, 'function');
  assert.equal(typeof nn.functional.crossEntropy, 'function');
  assert.equal(nn.functional.crossEntropy, nn.losses.crossEntropy);
  assert.equal(typeof nn.init.kaimingNormal_, 'function');
});
