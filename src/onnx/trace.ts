// Records what a model computes by running its forward once: a forward hook on every layer
// records which tensors (by the identity of their Tensor handles) each layer consumed and
// produced. The result is the dataflow between layers, in execution order; how each layer
// becomes ONNX nodes is the emitters' business (emitters.ts).
import { noGrad, Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { Sequential } from '../nn/index.js';
import { emitterFor, knownLayerTypes } from './emitters.js';

type AnyModule = Module<any, any>;

/** One call of a layer during the traced forward. */
export interface TraceStep {
  module: AnyModule;
  /** Dotted name in the model ('features.3'). */
  name: string;
  /** The forward's arguments; each Tensor replaced by { tensor: id }. */
  args: unknown[];
  /** The ids of the Tensor arguments, in order. */
  inputs: number[];
  inputShapes: number[][];
  output: number;
  outputShape: number[];
}

export interface Trace {
  /** Id of the model input (0) and its traced shape. */
  input: number;
  inputShape: number[];
  steps: TraceStep[];
  output: number;
  outputShape: number[];
  /** The traced model's class name, for messages. */
  modelType: string;
}

/** A tensor argument in TraceStep.args. */
export interface TensorArg {
  tensor: number;
}

export function isTensorArg(a: unknown): a is TensorArg {
  return typeof a === 'object' && a !== null && 'tensor' in a && typeof (a as TensorArg).tensor === 'number';
}

/**
 * Runs model.forward(example) in eval mode without gradients and records the layers' dataflow.
 * Layers are the modules with an emitter, and modules without children; a tensor that reaches a
 * layer without coming from another layer (computed by a torch op in some forward) is an error
 * naming that layer, as is a layer without an emitter.
 */
export function traceModule(model: AnyModule, example: Tensor): Trace {
  const names = new Map<AnyModule, string>();
  for (const [name, m] of model.namedModules()) if (!names.has(m)) names.set(m, name);
  const layers = new Set<AnyModule>();
  const visit = (m: AnyModule): void => {
    if (emitterFor(m) || (m.children().length === 0 && !(m instanceof Sequential))) {
      layers.add(m);
      return;
    }
    for (const child of m.children()) visit(child);
  };
  visit(model);

  const ids = new Map<Tensor, number>([[example, 0]]);
  const steps: TraceStep[] = [];
  let nextId = 1;
  const describe = (m: AnyModule): string => `layer '${names.get(m) || '(the model)'}' (${m.typeName})`;

  const hook = (m: AnyModule, inputs: unknown[], output: unknown): void => {
    if (!emitterFor(m)) {
      throw new Error(`ONNX export: ${describe(m)} has no ONNX emitter; layers that export: ${knownLayerTypes().join(', ')}`);
    }
    if (!(output instanceof Tensor)) {
      throw new Error(`ONNX export: ${describe(m)} returns ${describeValue(output)}; only layers returning one tensor export`);
    }
    const tensorIds: number[] = [];
    const shapes: number[][] = [];
    const args = inputs.map((a) => {
      if (!(a instanceof Tensor)) return a;
      const id = ids.get(a);
      if (id === undefined) {
        throw new Error(
          `ONNX export: ${describe(m)} consumes a tensor ${a} that no layer produced (computed by a torch op inside some ` +
            `forward); only layers with an ONNX emitter can be exported, so wrap that computation in a layer`,
        );
      }
      tensorIds.push(id);
      shapes.push(a.shape);
      return { tensor: id } satisfies TensorArg;
    });
    const outId = nextId++;
    steps.push({ module: m, name: names.get(m) ?? '', args, inputs: tensorIds, inputShapes: shapes, output: outId, outputShape: output.shape });
    // An in-place layer (ReLU({ inplace: true })) returns its input's storage: later readers of
    // the input handle read the output.
    for (const a of inputs) if (a instanceof Tensor && (a === output || a.isSame(output))) ids.set(a, outId);
    ids.set(output, outId);
  };

  const training = new Map<AnyModule, boolean>();
  for (const [, m] of model.namedModules()) training.set(m, m.training);
  const removers: (() => void)[] = [];
  try {
    model.eval();
    for (const m of layers) removers.push(m.registerForwardHook(hook));
    const out = noGrad(() => model.forward(example));
    if (!(out instanceof Tensor)) throw new Error(`ONNX export: ${model.typeName}.forward returns ${describeValue(out)}, expected one tensor`);
    try {
      const id = ids.get(out);
      if (id === undefined) {
        const last = steps.at(-1);
        throw new Error(
          `ONNX export: the output of ${model.typeName}.forward is computed outside any layer` +
            (last ? ` (after ${describe(last.module)})` : '') +
            `; only layers with an ONNX emitter can be exported`,
        );
      }
      return { input: 0, inputShape: example.shape, steps, output: id, outputShape: out.shape, modelType: model.typeName };
    } finally {
      if (out !== example) out.dispose();
    }
  } finally {
    for (const remove of removers) remove();
    for (const [m, mode] of training) m.training = mode;
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v.constructor?.name ?? 'object') + (Array.isArray(v) ? ` of ${v.length}` : ` {${Object.keys(v).join(', ')}}`);
  return typeof v;
}
