// nn layers against PyTorch 1.13 (scripts/fixtures/nn.py): forward, input and weight gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { manualSeed, memory, ones, randn, tensor, tidy, Tensor } from '../../src/torch/index.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

interface LayerCase {
  state: Record<string, FixtureTensor>;
  x: FixtureTensor;
  y: FixtureTensor;
  gx: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  indices?: FixtureTensor;
  /** BatchNorm: backward of sum(y * upstream), since sum(y²) has a zero input gradient there. */
  upstream?: FixtureTensor;
}

interface BatchNormCase {
  initial: Record<string, FixtureTensor>;
  x1: FixtureTensor;
  step2: LayerCase;
  x3: FixtureTensor;
  y_eval: FixtureTensor;
  final: Record<string, FixtureTensor>;
}

const fixture = loadFixture<{
  layers: Record<string, LayerCase>;
  batchnorm: Record<string, BatchNormCase> & { bn_untracked_eval: { x: FixtureTensor; y: FixtureTensor } };
}>('nn');

const tol = { atol: 1e-5, rtol: 1e-5 };

function stateOf(state: Record<string, FixtureTensor>): Map<string, Tensor> {
  return new Map(Object.entries(state).map(([k, v]) => [k, fromFixture(v)]));
}

/** Loads the case's weights, runs forward and backward of sum(y²), compares with PyTorch. */
function check(name: string, module: nn.Module<[Tensor], any>): void {
  const c = fixture.layers[name];
  assert.ok(c, `fixture case ${name}`);
  tidy(() => {
    module.loadStateDict(stateOf(c.state));
    const x = fromFixture(c.x, { requiresGrad: true });
    const out = module.forward(x);
    const y: Tensor = out instanceof Tensor ? out : out.values;
    assertClose(y, c.y, { ...tol, message: `${name} forward` });
    if (c.indices) assert.deepEqual(Array.from(out.indices.data(), Number), c.indices.data, `${name} indices`);
    y.mul(y).sum().backward();
    assertClose(x.grad!, c.gx, { ...tol, message: `${name} input grad` });
    const params = [...module.namedParameters()];
    assert.deepEqual(params.map(([k]) => k).sort(), Object.keys(c.grads).sort(), `${name} parameter names`);
    for (const [key, p] of params) assertClose(p.grad!, c.grads[key]!, { ...tol, message: `${name} ${key} grad` });
  });
  module.dispose();
}

test('Conv2d: padding, stride, dilation, groups, rectangular kernel, no bias', () => {
  check('conv_basic', new nn.Conv2d(3, 4, 3, { padding: 1 }));
  check('conv_strided_dilated_groups', new nn.Conv2d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }));
  check('conv_rect_nobias', new nn.Conv2d(2, 3, [1, 3], { stride: [2, 1], padding: [0, 1], bias: false }));
});

test("Conv2d padding 'same': even kernel (PyTorch's own) and stride 2 (TensorFlow semantics)", () => {
  check('conv_same', new nn.Conv2d(3, 4, 4, { padding: 'same' }));
  check('conv_same_strided', new nn.Conv2d(3, 2, 4, { stride: 2, padding: 'same' }));
});

test('ConvTranspose2d: stride/padding, outputPadding with groups, dilation without bias', () => {
  check('convt_basic', new nn.ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 }));
  check('convt_outpad_groups', new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }));
  check('convt_dilated_nobias', new nn.ConvTranspose2d(2, 2, 3, { stride: 2, dilation: 2, bias: false }));
});

test("ConvTranspose2d padding 'same' = full transposed conv cropped like TensorFlow (output = input * stride)", () => {
  check('convt_same_k3s2', new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 'same' }));
  check('convt_same_k5s2', new nn.ConvTranspose2d(2, 2, 5, { stride: 2, padding: 'same' }));
  check('convt_same_k2s3', new nn.ConvTranspose2d(2, 2, 2, { stride: 3, padding: 'same' }));
});

test('ConvTranspose2d forward(x, outputSize) picks the output padding; unreachable sizes are an error', () => {
  const up = new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 });
  tidy(() => {
    const x = randn([1, 2, 4, 4]);
    assert.deepEqual(up.forward(x).shape, [1, 2, 7, 7]);
    assert.deepEqual(up.forward(x, [8, 7]).shape, [1, 2, 8, 7]);
    assert.throws(() => up.forward(x, [9, 7]), /outputSize \[9,7\].*\[7, 8\]/);
  });
  up.dispose();
});

test("ConvTranspose2d init 'bilinear': bilinear kernels on the diagonal, zero bias", () => {
  const up = new nn.ConvTranspose2d(3, 3, 4, { stride: 2, padding: 1, init: 'bilinear' });
  tidy(() => {
    assertClose(up.weight, nn.bilinearUpsampleWeights(2, 3), { atol: 0, rtol: 0 });
    assert.deepEqual(Array.from(up.bias!.data() as Float32Array), [0, 0, 0]);
    assert.ok(up.weight.requiresGrad, 'still learnable');
    // Bilinear upsampling keeps a constant image constant away from the border.
    const y = up.forward(ones([1, 3, 4, 4]));
    assertClose(y.narrow(2, 1, 6).narrow(3, 1, 6), ones([1, 3, 6, 6]), { atol: 1e-6 });
  });
  up.dispose();
});

test('MaxPool2d: ceilMode, padding with returnIndices (values and indices as PyTorch)', () => {
  check('maxpool_ceil', new nn.MaxPool2d(3, { stride: 2, ceilMode: true }));
  check('maxpool_pad_indices', new nn.MaxPool2d(3, { stride: 2, padding: 1, returnIndices: true }));
  tidy(() => {
    // returnIndices: true types the output as { values, indices }, which maxUnpool2d puts back.
    const x = randn([1, 2, 4, 4]);
    const { values, indices } = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
    const restored = nn.functional.maxUnpool2d(values, indices, [4, 4]);
    assertClose(restored.flatten(2).gather(2, indices.flatten(2)), values.flatten(2), { atol: 0 });
    assertClose([restored.abs().sum().item()], [values.abs().sum().item()], { atol: 1e-5 });
    assert.deepEqual(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(values).shape, [1, 2, 4, 4]);
  });
});

test('AvgPool2d (ceilMode, countIncludePad false) and AdaptiveAvgPool2d', () => {
  check('avgpool', new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }));
  check('adaptive_avgpool', new nn.AdaptiveAvgPool2d([2, 3]));
});

test('activations: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax', () => {
  check('relu', new nn.ReLU());
  check('leaky_relu', new nn.LeakyReLU(0.2));
  check('sigmoid', new nn.Sigmoid());
  check('tanh', new nn.Tanh());
  check('softmax', new nn.Softmax(1));
  check('log_softmax', new nn.LogSoftmax(1));
});

test('Linear, and Flatten feeding Linear', () => {
  check('linear', new nn.Linear(5, 3));
  check('flatten_linear', new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 2)));
});

test('inplace ReLU overwrites its input; Identity returns a view of its input under a new handle', () => {
  tidy(() => {
    const x = tensor([-1, 2, -3]);
    const z = new nn.Identity().forward(x);
    const y = new nn.ReLU({ inplace: true }).forward(x);
    assert.deepEqual(x.toArray(), [0, 2, 0]);
    assert.ok(y.isSame(x) && y !== x);
    assert.deepEqual(z.toArray(), [0, 2, 0], 'the identity output shares memory with the input');
    z.dispose();
    y.dispose();
    assert.deepEqual(x.toArray(), [0, 2, 0], 'disposing the outputs leaves the input usable');
  });
});

function runBatchNorm(name: 'bn' | 'bn_cumulative', momentum: number | null): void {
  const c = fixture.batchnorm[name]!;
  const bn = new nn.BatchNorm2d(3, { momentum });
  tidy(() => {
    bn.loadStateDict(stateOf(c.initial));
    bn.train();
    bn.forward(fromFixture(c.x1));
    const x = fromFixture(c.step2.x, { requiresGrad: true });
    const y = bn.forward(x);
    assertClose(y, c.step2.y, { ...tol, message: `${name} train output` });
    y.mul(fromFixture(c.step2.upstream!)).sum().backward();
    assertClose(x.grad!, c.step2.gx, { ...tol, message: `${name} input grad` });
    assertClose(bn.weight!.grad!, c.step2.grads.weight!, { ...tol, message: `${name} weight grad` });
    assertClose(bn.bias!.grad!, c.step2.grads.bias!, { ...tol, message: `${name} bias grad` });
    for (const [key, t] of bn.stateDict()) {
      if (key === 'weight' || key === 'bias') continue;
      assertClose(t, c.final[key]!, { ...tol, message: `${name} ${key} after 2 steps` });
    }
    assert.equal(bn.numBatchesTracked!.item(), 2);
    assert.equal(bn.numBatchesTracked!.dtype, 'int64');
    bn.eval();
    assertClose(bn.forward(fromFixture(c.x3)), c.y_eval, { ...tol, message: `${name} eval output` });
    assert.equal(bn.numBatchesTracked!.item(), 2, 'eval does not count batches');
  });
  bn.dispose();
}

test('BatchNorm2d: training updates running stats like PyTorch (2 steps), eval uses them', () => {
  runBatchNorm('bn', 0.1);
});

test('BatchNorm2d momentum null: cumulative moving average', () => {
  runBatchNorm('bn_cumulative', null);
});

test('BatchNorm2d without affine and running stats: no state, batch statistics in eval too', () => {
  const bn = new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false }).eval();
  assert.equal(bn.stateDict().size, 0);
  const c = fixture.batchnorm.bn_untracked_eval;
  tidy(() => assertClose(bn.forward(fromFixture(c.x)), c.y, tol));
  assert.throws(() => tidy(() => bn.forward(randn([2, 4, 2, 2]))), /expected 3 channels/);
  assert.throws(() => tidy(() => bn.forward(randn([2, 3, 4]))), /4-d input/);
});

test('BatchNorm2d training on one value per channel is an error (as in PyTorch) that leaves the running variance finite', () => {
  const bn = new nn.BatchNorm2d(3);
  tidy(() => {
    assert.throws(() => bn.forward(randn([1, 3, 1, 1])), /expected more than 1 value per channel when training, got input Tensor\(float32\[1,3,1,1\]\)/);
    assert.deepEqual(bn.runningVar!.toArray(), [1, 1, 1]);
    assert.deepEqual(bn.forward(randn([2, 3, 1, 1])).shape, [2, 3, 1, 1], 'two values per channel are enough');
    bn.eval();
    assert.deepEqual(bn.forward(randn([1, 3, 1, 1])).shape, [1, 3, 1, 1], 'eval uses the running statistics');
  });
  bn.dispose();
});

test('Dropout: identity in eval mode; in training zeroes about p and scales the rest by 1/(1-p)', () => {
  const drop = new nn.Dropout(0.3);
  manualSeed(1);
  tidy(() => {
    const x = ones([100, 100]);
    drop.eval();
    assert.ok(drop.forward(x).allclose(x, 0, 0), 'eval is the identity');
    drop.train();
    const y = drop.forward(x);
    const zeroFraction = y.eq(0).float().mean().item();
    assert.ok(Math.abs(zeroFraction - 0.3) < 0.03, `zeroed fraction ${zeroFraction}`);
    assertClose([y.max().item()], [1 / 0.7], { atol: 1e-6 });
  });
});

test('Dropout2d zeroes whole channels in training, nothing in eval', () => {
  const drop = new nn.Dropout2d(0.5);
  manualSeed(2);
  tidy(() => {
    const x = ones([4, 50, 3, 3]);
    const perChannel = Array.from(drop.forward(x).sum([2, 3]).data() as Float32Array);
    assert.ok(perChannel.every((v) => v === 0 || Math.abs(v - 18) < 1e-4), 'each channel all zero or all 2');
    const zeroed = perChannel.filter((v) => v === 0).length;
    assert.ok(zeroed > 60 && zeroed < 140, `${zeroed} of 200 channels zeroed`);
    drop.eval();
    assert.equal(drop.forward(x).sum().item(), 4 * 50 * 9);
  });
  assert.throws(() => new nn.Dropout(1.5), /probability must be in \[0, 1\], got 1.5/);
});

test('Sequential: children "0", "1", ... or record names; length, at, append, chained forward', () => {
  const seq = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten());
  assert.deepEqual([...seq.namedChildren()].map(([n]) => n), ['0', '1', '2']);
  assert.equal(seq.length, 3);
  assert.ok(seq.at(-1) instanceof nn.Flatten);
  assert.deepEqual([...seq.stateDict().keys()], ['0.weight', '0.bias']);
  seq.append(new nn.Linear(8, 1));
  assert.deepEqual([...seq.namedChildren()].map(([n]) => n), ['0', '1', '2', '3']);
  tidy(() => assert.deepEqual(seq.forward(randn([5, 1, 4, 4])).shape, [5, 1]));
  assert.throws(() => seq.at(4), /index 4 out of range for 4 modules/);

  const named = new nn.Sequential({ conv: new nn.Conv2d(1, 1, 1), act: new nn.Sigmoid() });
  assert.deepEqual([...named.stateDict().keys()], ['conv.weight', 'conv.bias']);
  assert.ok(named.at(1) instanceof nn.Sigmoid);
  assert.throws(() => new nn.Sequential(new nn.ReLU(), {} as nn.Module), /argument 1 must be a Module, got Object/);
  seq.dispose();
  named.dispose();
});

test('ModuleList and ModuleDict register children under PyTorch names', () => {
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 1, { bias: false })]);
  assert.deepEqual([...list.stateDict().keys()], ['0.weight', '0.bias', '1.weight']);
  assert.equal(list.length, 2);
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  const dict = new nn.ModuleDict({ up: new nn.Upsample({ scaleFactor: 2 }), head: new nn.Conv2d(2, 3, 1) });
  assert.deepEqual(dict.keys(), ['up', 'head']);
  assert.ok(dict.get('head') instanceof nn.Conv2d);
  assert.throws(() => dict.get('tail'), /no module 'tail'; available: up, head/);
  list.dispose();
  dict.dispose();
});

test('descriptions for summaries', () => {
  const model = new nn.Sequential(
    new nn.Conv2d(3, 64, 3, { padding: 1 }),
    new nn.BatchNorm2d(64),
    new nn.ReLU({ inplace: true }),
    new nn.MaxPool2d(2, { ceilMode: true }),
    new nn.Conv2d(64, 8, [3, 1], { stride: 2, padding: 'same', dilation: 2, groups: 8, bias: false }),
    new nn.ConvTranspose2d(8, 8, 4, { stride: 2, padding: 1, outputPadding: 1, bias: false }),
    new nn.Dropout2d(0.1),
    new nn.Softmax(1),
  );
  assert.equal(
    model.toString(),
    [
      'Sequential(',
      '  (0): Conv2d(3, 64, kernel=3, stride=1, padding=1)',
      '  (1): BatchNorm2d(64, eps=0.00001, momentum=0.1)',
      '  (2): ReLU(inplace=true)',
      '  (3): MaxPool2d(kernel=2, stride=2, ceilMode=true)',
      "  (4): Conv2d(64, 8, kernel=(3, 1), stride=2, padding='same', dilation=2, groups=8, bias=false)",
      '  (5): ConvTranspose2d(8, 8, kernel=4, stride=2, padding=1, outputPadding=1, bias=false)',
      '  (6): Dropout2d(p=0.1)',
      '  (7): Softmax(dim=1)',
      ')',
    ].join('\n'),
  );
  model.dispose();
});

test('bad constructor arguments are clear errors', () => {
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /Conv2d: inChannels \(3\) must be divisible by groups \(2\)/);
  assert.throws(() => new nn.Conv2d(3, 4, 0), /Conv2d: kernelSize must be integer\(s\) >= 1, got 0/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { padding: 'full' as 'same' }), /padding must be a number, a pair, 'same' or 'valid', got 'full'/);
  assert.throws(() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 }), /outputPadding \(2\) must be smaller than stride/);
  assert.throws(() => new nn.ConvTranspose2d(2, 2, 3, { padding: 'same', outputPadding: 1, stride: 2 }), /cannot be combined/);
  assert.throws(() => new nn.MaxPool2d(2, { padding: 2 }), /padding \(2\) must be at most half the kernel size/);
  assert.throws(() => new nn.Linear(4, 2.5), /Linear: outFeatures must be an integer >= 1, got 2.5/);
  const lin = new nn.Linear(4, 2);
  assert.throws(() => tidy(() => lin.forward(randn([3, 5]))), /expected 4 features in the last dimension/);
  lin.dispose();
});

test('a forward/backward inside tidy leaves no tensors behind', () => {
  const model = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 'same' }), new nn.BatchNorm2d(3), new nn.ReLU());
  const before = memory().liveTensors;
  tidy(() => {
    const y = model.forward(randn([2, 2, 5, 5]));
    y.sum().backward();
  });
  for (const p of model.parameters()) p.grad = null;
  assert.equal(memory().liveTensors, before);
  model.dispose();
});
