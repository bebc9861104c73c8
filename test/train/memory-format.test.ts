// channels_last changes strides, never results: a model in channels_last computes the outputs
// and gradients of the same model NCHW-contiguous, trains along the same loss curve, and
// writes the same checkpoint bytes; a channels_last run resumes (its optimizer state takes the
// weights' layout again); the rule resolves 'auto' to channels-last on the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad, randn, resolveMemoryFormat, inputInLayout, modelInLayout, isModelInLayout, type Tensor } from '../../src/torch/index.js';
import { createModelFromConfig } from '../../src/models/registry.js';
import type { ZooModel } from '../../src/models/contract.js';
import { saveCheckpoint, disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadCheckpointModel } from '../../src/checkpoint/load-model.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import { prepareRun, prepareResume, type TrainRunOptions } from '../../src/train/run.js';
import { Adam } from '../../src/optim/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-cl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Largest |a - b| relative to the larger of 1 and max |a|. */
function relDiff(a: Tensor, b: Tensor): number {
  return noGrad(() => a.sub(b).abs().max().item() / Math.max(1, a.abs().max().item()));
}

/** Two copies of one model (same weights): the first NCHW-contiguous, the second channels_last. */
function twins(name: string, options: Record<string, unknown>): [ZooModel, ZooModel] {
  manualSeed(3);
  const a = createModelFromConfig(name, options);
  const b = createModelFromConfig(name, options);
  b.loadStateDict(a.stateDict());
  modelInLayout(b, 'channels-last');
  return [a, b];
}

const MODELS: [string, Record<string, unknown>, number[]][] = [
  ['unet', { numClasses: 3, inChannels: 1, depth: 3, baseWidth: 4 }, [2, 1, 32, 32]],
  // The paper's FCN (no BatchNorm). With batchNorm: true the score layers' weight gradients in
  // channels_last were 2-4e-4 (relative) off a float64 reference where contiguous was 1e-6: open.
  ['fcn8s', { numClasses: 3, baseWidth: 2, fcWidth: 8, dropout: 0 }, [2, 3, 40, 36]],
];

for (const [name, options, shape] of MODELS) {
  test(`${name}: channels_last gives the contiguous model's outputs and gradients (1e-5)`, () => {
    const [a, b] = twins(name, options);
    try {
      const fourD = b.parameters().filter((p) => p.ndim === 4);
      assert.ok(fourD.length > 0);
      for (const p of fourD) assert.ok(p.isContiguous('channelsLast'), `a ${p.shape} weight in channels_last`);
      assert.ok(isModelInLayout(b, 'channels-last') && isModelInLayout(a, 'contiguous'));
      assert.ok(fourD.some((p) => !p.isContiguous()), 'the layout really changed');
      manualSeed(4);
      const x = randn(shape);
      const xl = inputInLayout(x, 'channels-last');
      // With one input channel NCHW and NHWC are the same bytes.
      assert.ok(xl.isContiguous('channelsLast') && (shape[1] === 1 || !xl.isContiguous()));
      for (const [m, input] of [[a, x], [b, xl]] as const) {
        m.train();
        const y = m.forward(input);
        // A loss that weighs every output differently, so every gradient entry matters.
        manualSeed(5);
        const w = noGrad(() => randn(y.shape));
        y.mul(w).sum().backward();
      }
      const ya = noGrad(() => a.eval().forward(x));
      const yb = noGrad(() => b.eval().forward(xl));
      assert.ok(relDiff(ya, yb) <= 1e-5, `outputs differ by ${relDiff(ya, yb)}`);
      const pb = [...b.namedParameters()];
      // On the scale of the model's largest gradient: the biases of convolutions followed by
      // BatchNorm have gradients that are zero but for rounding (~1e-4 here, either layout).
      const scale = Math.max(...[...a.namedParameters()].map(([, p]) => (p.grad ? p.grad.abs().max().item() : 0)));
      let compared = 0;
      for (const [key, p] of a.namedParameters()) {
        const q = pb.find(([k]) => k === key)![1];
        if (!p.grad) continue;
        assert.ok(q.grad, `${key} has a gradient in channels_last too`);
        const d = noGrad(() => p.grad!.sub(q.grad!).abs().max().item()) / scale;
        assert.ok(d <= 1e-5, `${key}: gradients differ by ${d}`);
        compared++;
      }
      assert.ok(compared >= fourD.length, `${compared} gradients compared`);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}

test('a checkpoint written from a channels_last model is byte-identical to the contiguous one, and loads into a contiguous model', (t) => {
  const dir = tempDir(t);
  const [a, b] = twins('unet', { numClasses: 2, inChannels: 1, depth: 2, baseWidth: 4 });
  try {
    const config = { model: { name: 'unet', options: { ...(a.config as Record<string, unknown>) } }, classes: { names: ['bg', 'fg'], ignoreIndex: null } };
    // Optimizer state made from channels_last parameters is channels_last too; written contiguous.
    const [oa, ob] = [new Adam(a.parameters(), { lr: 1e-3 }), new Adam(b.parameters(), { lr: 1e-3 })];
    manualSeed(6);
    const x = randn([2, 1, 16, 16]);
    for (const [m, o, input] of [[a, oa, x], [b, ob, inputInLayout(x, 'channels-last')]] as const) {
      m.forward(input).sum().backward();
      o.step();
    }
    const state = ob.stateDict();
    const clState = [...state.tensors.values()].filter((s) => s.ndim === 4);
    assert.ok(clState.length > 0 && clState.every((s) => s.isContiguous('channelsLast')), 'Adam state follows the weights');
    // One step apart in the two layouts the weights differ by rounding; written from the same values they must not.
    b.loadStateDict(a.stateDict());
    assert.ok(isModelInLayout(b, 'channels-last'), 'loadStateDict copies into the strided weights');
    saveCheckpoint(join(dir, 'a.safetensors'), { config, weights: a.stateDict(), optimizer: oa.stateDict().tensors });
    ob.loadStateDict(oa.stateDict());
    saveCheckpoint(join(dir, 'b.safetensors'), { config, weights: b.stateDict(), optimizer: ob.stateDict().tensors });
    assert.ok(readFileSync(join(dir, 'a.safetensors')).equals(readFileSync(join(dir, 'b.safetensors'))), 'same bytes');

    const { model } = loadCheckpointModel(join(dir, 'b.safetensors'));
    try {
      assert.ok(isModelInLayout(model, 'contiguous'));
      const [ya, yc] = noGrad(() => [a.eval().forward(x), model.eval().forward(x)]);
      assert.equal(relDiff(ya!, yc!), 0);
    } finally {
      model.dispose();
    }
  } finally {
    a.dispose();
    b.dispose();
  }
});

// 16 scenes, batch 4: 4 steps an epoch; no dropout or augmentation, so both runs see the same
// numbers. SGD, not Adam: the biases of convolutions followed by BatchNorm get gradients of pure
// rounding noise (~1e-9), which Adam scales up to whole lr-sized steps of either sign.
const tiny: Omit<TrainRunOptions, 'out'> = {
  data: { format: 'synthetic', count: 16, size: 32 },
  valSplit: 'val',
  model: 'unet',
  modelOptions: { baseWidth: 4, depth: 2, dropout: 0 },
  batchSize: 4,
  epochs: 3,
  optimizer: 'sgd',
  lr: 0.05,
  threads: 1,
  workers: 0,
  schedule: 'none',
  log: () => undefined,
};

test('training in channels_last follows the contiguous loss curve (fp32, 1e-4); config.json records it; a resume continues it', async (t) => {
  const dir = tempDir(t);
  const curves: Record<string, { train: number[]; val: (number | null)[] }> = {};
  for (const memoryFormat of ['contiguous', 'channels-last'] as const) {
    const run = await prepareRun({ ...tiny, out: join(dir, memoryFormat), precision: 'fp32', memoryFormat });
    try {
      assert.equal(run.summary.memoryFormat, memoryFormat);
      assert.ok(isModelInLayout(run.model, memoryFormat));
      const { history } = await run.trainer.run();
      curves[memoryFormat] = { train: history.map((r) => r.trainLoss), val: history.map((r) => r.valLoss) };
    } finally {
      await run.close();
    }
    const config = JSON.parse(readFileSync(join(dir, memoryFormat, 'config.json'), 'utf8')) as { environment: Record<string, unknown>; training: Record<string, unknown> };
    assert.equal(config.environment.memoryFormat, memoryFormat);
    assert.equal('memoryFormat' in config.training, false, 'a setting of the session, not of the run');
  }
  const [c, l] = [curves['contiguous']!, curves['channels-last']!];
  assert.equal(l.train.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(c.train[i]! - l.train[i]!) <= 1e-4, `epoch ${i + 1} train loss ${c.train[i]} vs ${l.train[i]}`);
    assert.ok(Math.abs(c.val[i]! - l.val[i]!) <= 1e-4, `epoch ${i + 1} val loss ${c.val[i]} vs ${l.val[i]}`);
  }
  assert.ok(l.train[2]! < l.train[0]!, `it learns: ${l.train}`);
  const saved = loadTrainingCheckpoint(join(dir, 'channels-last', 'checkpoints', 'last.safetensors'));
  try {
    for (const [key, w] of saved.weights) assert.ok(w.isContiguous(), `${key} is stored NCHW-contiguous`);
  } finally {
    disposeCheckpoint(saved);
  }

  // Resume the channels_last run in channels_last, and the contiguous one switched to channels_last.
  for (const from of ['channels-last', 'contiguous'] as const) {
    const run = await prepareResume(join(dir, from), { epochs: 4, memoryFormat: 'channels-last', log: () => undefined });
    try {
      assert.ok(isModelInLayout(run.model, 'channels-last'));
      const state = run.trainer.o.optimizer.stateDict().tensors;
      const fourD = [...state.values()].filter((s) => s.ndim === 4);  // SGD's momentum buffers
      assert.ok(fourD.length > 0 && fourD.every((s) => s.isContiguous('channelsLast')), 'restored optimizer state takes the weights\' layout');
      const { history } = await run.trainer.run();
      assert.equal(history.length, 4);
      assert.ok(Number.isFinite(history[3]!.trainLoss));
    } finally {
      await run.close();
    }
    const config = JSON.parse(readFileSync(join(dir, from, 'config.json'), 'utf8')) as { environment: Record<string, unknown> };
    assert.equal(config.environment.memoryFormat, 'channels-last');
  }
});

test('the layout rule: auto is channels-last on the CPU in either precision; on CUDA for bf16 only', () => {
  assert.equal(resolveMemoryFormat('auto', 'fp32', 'cpu').memoryFormat, 'channels-last');
  assert.equal(resolveMemoryFormat('auto', 'bf16', 'cpu').memoryFormat, 'channels-last');
  assert.equal(resolveMemoryFormat('auto', 'bf16', 'cuda').memoryFormat, 'channels-last');
  assert.equal(resolveMemoryFormat('auto', 'fp32', 'cuda:0').memoryFormat, 'contiguous');
  assert.match(resolveMemoryFormat('auto', 'fp32', 'cpu').note, /^memory format: channels-last \(auto: fp32 on the CPU\)$/);
  assert.deepEqual(resolveMemoryFormat('contiguous', 'fp32'), { memoryFormat: 'contiguous', requested: 'contiguous', note: 'memory format: contiguous' });
  assert.throws(() => resolveMemoryFormat('nhwc' as never, 'fp32'), /memory format must be one of auto, channels-last, contiguous, got 'nhwc'/);
});
