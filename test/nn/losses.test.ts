import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bceWithLogits, combinedLoss, crossEntropy, dice, mse, nllLoss, type Reduction } from '../../src/nn/losses.js';
import { memory, scalar, tensor, tidy, type Tensor } from '../../src/torch/index.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

interface LossCase {
  fn: 'crossEntropy' | 'nllLoss' | 'bceWithLogits' | 'mse' | 'dice';
  input: string;
  target: string;
  options: Record<string, unknown>;
  tensorOptions: Record<string, string>;
  upstream?: FixtureTensor;
  output: FixtureTensor;
  grad: FixtureTensor;
}
const fixture = loadFixture<{ tensors: Record<string, FixtureTensor>; cases: LossCase[] }>('losses');

function call(c: LossCase, input: Tensor, target: Tensor): Tensor {
  const extra = Object.fromEntries(Object.entries(c.tensorOptions).map(([k, name]) => [k, fromFixture(fixture.tensors[name]!)]));
  const options = { ...c.options, ...extra } as never; // each case holds one function's options
  switch (c.fn) {
    case 'crossEntropy':
      return crossEntropy(input, target, options);
    case 'nllLoss':
      return nllLoss(input, target, options);
    case 'bceWithLogits':
      return bceWithLogits(input, target, options);
    case 'mse':
      return mse(input, target, options);
    case 'dice':
      return dice(input, target, options);
  }
}

function describe(c: LossCase): string {
  return `${c.fn}(${c.input}, ${c.target}, ${JSON.stringify({ ...c.options, ...c.tensorOptions })})`;
}

function checkCases(fn: LossCase['fn']): number {
  const cases = fixture.cases.filter((c) => c.fn === fn);
  for (const c of cases) {
    tidy(() => {
      const input = fromFixture(fixture.tensors[c.input]!, { requiresGrad: true });
      const target = fromFixture(fixture.tensors[c.target]!);
      const out = call(c, input, target);
      assertClose(out, c.output, { atol: 1e-5, rtol: 1e-5, message: `${describe(c)} value` });
      out.backward(c.upstream ? fromFixture(c.upstream) : undefined);
      assertClose(input.grad!, c.grad, { atol: 1e-5, rtol: 1e-5, message: `${describe(c)} grad` });
    });
  }
  return cases.length;
}

test('crossEntropy equals F.cross_entropy: reductions, weights, ignore_index, label smoothing, probability targets', () => {
  assert.equal(checkCases('crossEntropy'), 19);
});

test('nllLoss equals F.nll_loss', () => {
  assert.equal(checkCases('nllLoss'), 4);
});

test('bceWithLogits equals F.binary_cross_entropy_with_logits (weight, pos_weight)', () => {
  assert.equal(checkCases('bceWithLogits'), 4);
});

test('mse equals F.mse_loss', () => {
  assert.equal(checkCases('mse'), 3);
});

test('dice equals the segmentation_models.pytorch reference (multiclass, binary, multilabel)', () => {
  assert.equal(checkCases('dice'), 7);
});

test('crossEntropy on one-hot targets equals crossEntropy on their class indices', () => {
  tidy(() => {
    const logits = fromFixture(fixture.tensors.logits!);
    const a = crossEntropy(logits, fromFixture(fixture.tensors.oneHot!)).item();
    const b = crossEntropy(logits, fromFixture(fixture.tensors.target!)).item();
    assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  });
});

test('class-index targets in uint8 or int32 (decoded masks) are accepted', () => {
  tidy(() => {
    const logits = fromFixture(fixture.tensors.logits!);
    const target = fromFixture(fixture.tensors.targetIgnore!);
    const expected = crossEntropy(logits, target, { ignoreIndex: 255 }).item();
    assert.ok(Math.abs(crossEntropy(logits, target.to('uint8'), { ignoreIndex: 255 }).item() - expected) < 1e-7);
    assert.ok(Math.abs(crossEntropy(logits, target.to('int32'), { ignoreIndex: 255 }).item() - expected) < 1e-7);
    const d = dice(logits, fromFixture(fixture.tensors.diceTarget!).to('uint8')).item();
    assert.ok(d > 0 && d < 1, `dice ${d}`);
  });
});

test('dice: a perfect prediction scores 0, absent classes are left out, ignored pixels do not count', () => {
  tidy(() => {
    const target = tensor(new BigInt64Array([0n, 1n, 1n, 0n]), { shape: [1, 2, 2] });
    // Probabilities equal to the one-hot target: every present class scores 1.
    const probs = tensor([[[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, 0], [0, 0]]]]);
    assert.equal(dice(probs, target, { fromLogits: false }).item(), 0);
    // A wrong prediction on an ignored pixel changes nothing.
    const ignored = tensor(new BigInt64Array([0n, 1n, 1n, 255n]), { shape: [1, 2, 2] });
    const wrong = tensor([[[[1, 0], [0, 0]], [[0, 1], [1, 0]], [[0, 0], [0, 1]]]]);
    assert.equal(dice(wrong, ignored, { fromLogits: false, ignoreIndex: 255 }).item(), 0);
    assert.ok(dice(wrong, target, { fromLogits: false }).item() > 0.1);
  });
});

test('combinedLoss sums weighted terms and frees the intermediates', () => {
  tidy(() => {
    const logits = fromFixture(fixture.tensors.logits!, { requiresGrad: true });
    const target = fromFixture(fixture.tensors.diceTarget!);
    const loss = combinedLoss([
      [crossEntropy, 1],
      [dice, 0.5],
    ]);
    const expected = crossEntropy(logits, target).item() + 0.5 * dice(logits, target).item();
    const before = memory().liveTensors;
    const total = loss(logits, target);
    assert.equal(memory().liveTensors, before + 1);
    assert.ok(Math.abs(total.item() - expected) < 1e-6);
    total.backward();
    assert.ok(logits.grad !== null);
    assert.throws(() => combinedLoss([]), /at least one \[loss, weight\] term/);
  });
});

test('bad input gets a clear error', () => {
  tidy(() => {
    const logits = fromFixture(fixture.tensors.logits!);
    const target = fromFixture(fixture.tensors.target!);
    assert.throws(() => crossEntropy(logits, target.reshape([2, 9])), /class-index target must have shape \[2,3,3\]/);
    assert.throws(() => crossEntropy(logits, fromFixture(fixture.tensors.probs!).narrow(1, 0, 3)), /probability target must have the logits' shape/);
    assert.throws(() => crossEntropy(logits, fromFixture(fixture.tensors.probs!), { ignoreIndex: 255 }), /ignoreIndex applies to class-index targets only/);
    assert.throws(() => crossEntropy(logits, target, { reduction: 'avg' as Reduction }), /reduction must be 'mean', 'sum' or 'none', got 'avg'/);
    assert.throws(() => mse(logits, logits, { reduction: 'toString' as Reduction }), /mse: reduction must be 'mean', 'sum' or 'none', got 'toString'/);
    assert.throws(() => crossEntropy(logits, target, { labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\], got 1.5/);
    assert.throws(() => crossEntropy(logits, target, { weight: tensor([1, 2]) }), /one value per class \(4\)/);
    assert.throws(() => crossEntropy(target, target), /expected floating-point predictions/);
    assert.throws(() => bceWithLogits(fromFixture(fixture.tensors.binaryLogits!), target), /target must have the logits' shape \[2,1,3,3\]/);
    assert.throws(() => mse(scalar(1), tensor([1, 2])), /mse: target must have the input's shape/);
    assert.throws(() => dice(logits, target, { mode: 'binary' }), /binary mode expects logits \(N, 1, \.\.\.\)/);
    assert.throws(() => dice(logits, target, { mode: 'other' as never }), /mode must be 'multiclass', 'binary' or 'multilabel'/);
    // A class index out of range (here 255 without ignoreIndex) is libtorch's error, as a JS Error.
    assert.throws(() => crossEntropy(logits, fromFixture(fixture.tensors.targetIgnore!)), Error);
  });
});
