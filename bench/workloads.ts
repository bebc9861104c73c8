// The pixelwise side of each workload: what one timed step does. reference/worker.py does
// the same work in PyTorch, statement for statement.
import { autocast, manualSeed, noGrad, ones, op, randint, randn, tidy, zeros, type Tensor } from '../src/torch/index.js';
import * as F from '../src/nn/functional.js';
import { crossEntropy } from '../src/nn/losses.js';
import type { Module } from '../src/nn/index.js';
import { Adam, SGD, type Optimizer } from '../src/optim/index.js';
import { MODELS } from './models.js';
import type { WorkerSpec } from './protocol.js';

export interface Built {
  /** One step; returns the loss (training) or a checksum, or nothing. */
  step(): number | undefined;
  info: { params?: number };
}

/** fn under autocast('cpu', bfloat16) for bf16 cases (reference/worker.py: torch.autocast). */
function precise<T>(spec: WorkerSpec, fn: () => T): T {
  return spec.precision === 'bf16' ? autocast(fn, { dtype: 'bfloat16' }) : fn();
}

function layout(t: Tensor, spec: WorkerSpec): Tensor {
  if (!spec.channelsLast) return t;
  const c = t.contiguous('channelsLast');
  t.dispose();
  return c;
}

function conv(spec: WorkerSpec): Built {
  const w = spec.workload;
  if (w.kind !== 'conv2d' && w.kind !== 'convTranspose2d') throw new Error('unreachable');
  const transposed = w.kind === 'convTranspose2d';
  const x = layout(randn([w.n, w.cin, w.h, w.w]), spec).keep().requiresGrad_();
  const shape = transposed ? [w.cin, w.cout, w.k, w.k] : [w.cout, w.cin, w.k, w.k];
  const weight = layout(tidy(() => randn(shape).mul(0.05)), spec).keep().requiresGrad_();
  const bias = zeros([w.cout]).keep().requiresGrad_();
  const forward = (): Tensor =>
    precise(spec, () =>
      transposed
        ? F.convTranspose2d(x, weight, bias, { stride: w.stride, padding: w.padding })
        : F.conv2d(x, weight, bias, { stride: w.stride, padding: w.padding }),
    );
  const grad = noGrad(() => tidy(() => op('aten::randn_like', [forward()]))).keep();
  return {
    step: () =>
      tidy(() => {
        forward().backward(grad);
        x.grad = weight.grad = bias.grad = null;
        return undefined;
      }),
    info: {},
  };
}

async function modelInputs(spec: WorkerSpec): Promise<{ model: Module; x: Tensor; labels: Tensor; params: number }> {
  const w = spec.workload;
  if (w.kind !== 'train' && w.kind !== 'infer') throw new Error('unreachable');
  const build = MODELS[w.model];
  if (!build) throw new Error(`no model '${w.model}' in bench/models.ts`);
  manualSeed(spec.seed);
  const model = await build(w.channels, w.classes, { inplace: spec.inplace, eager: spec.eager });
  let x = randn([w.batch, w.channels, w.height, w.width]).keep();
  const labels = randint(0, w.classes, [w.batch, w.height, w.width]).keep();
  if (spec.channelsLast) {
    model.to({ memoryFormat: 'channelsLast' });
    x = layout(x, spec).keep();
  }
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  return { model, x, labels, params };
}

async function train(spec: WorkerSpec): Promise<Built> {
  const w = spec.workload;
  if (w.kind !== 'train') throw new Error('unreachable');
  const { model, x, labels, params } = await modelInputs(spec);
  model.train();
  const opt: Optimizer<any> =
    w.optimizer === 'adam' ? new Adam(model.parameters(), { lr: w.lr }) : new SGD(model.parameters(), { lr: w.lr, momentum: 0.9 });
  return {
    step: () =>
      tidy(() => {
        opt.zeroGrad();
        // The loss in float32 (a no-op cast in fp32 cases), as on the PyTorch side.
        const loss = crossEntropy(precise(spec, () => model.forward(x)).float(), labels);
        loss.backward();
        opt.step();
        return loss.item();
      }),
    info: { params },
  };
}

async function infer(spec: WorkerSpec): Promise<Built> {
  const { model, x, params } = await modelInputs(spec);
  model.eval();
  return {
    step: () => noGrad(() => tidy(() => precise(spec, () => model.forward(x)).argmax(1).sum().item())),
    info: { params },
  };
}

function overhead(spec: WorkerSpec): Built {
  const w = spec.workload;
  if (w.kind !== 'overhead') throw new Error('unreachable');
  const a = ones([1]).keep();
  if (w.op === 'addGrad') a.requiresGrad_();
  const b = ones([1]).keep();
  const count = w.count;
  return {
    step: () =>
      tidy(() => {
        for (let i = 0; i < count; i++) a.add(b);
        return undefined;
      }),
    info: {},
  };
}

export async function buildWorkload(spec: WorkerSpec): Promise<Built> {
  switch (spec.workload.kind) {
    case 'conv2d':
    case 'convTranspose2d':
      return conv(spec);
    case 'train':
      return train(spec);
    case 'infer':
      return infer(spec);
    case 'overhead':
      return overhead(spec);
  }
}
