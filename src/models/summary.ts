// Keras-style model summaries and parameter counts, and capturing per-layer activations.
// Both run one forward pass with hooks on the layers; "connected to" comes from which
// layer produced each tensor a layer consumed.
import { noGrad, Tensor, tidy, zeros } from '../torch/index.js';
import type { Module } from '../nn/module.js';

export interface ParameterCount {
  total: number;
  trainable: number;
  nonTrainable: number;
}

/** Parameters of the whole tree, split by requiresGrad (frozen layers are non-trainable). */
export function countParameters(model: Module<any, any>): ParameterCount {
  let total = 0;
  let trainable = 0;
  for (const p of model.parameters()) {
    const n = p.numel;
    total += n;
    if (p.requiresGrad) trainable += n;
  }
  return { total, trainable, nonTrainable: total - trainable };
}

export interface SummaryRow {
  /** Dotted module name ('' for the input row). */
  name: string;
  type: string;
  /** Shapes of the outputs (one entry per output tensor), batch dimension included. */
  outputShapes: number[][];
  params: number;
  trainable: number;
  /** Layers whose outputs this layer consumed ('input' for the model input). */
  connectedTo: string[];
}

export interface ModelSummary extends ParameterCount {
  modelName: string;
  inputShape: number[];
  rows: SummaryRow[];
}

function tensorsIn(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) tensorsIn(v, out);
  }
  return out;
}

function leafModules(model: Module<any, any>): [string, Module<any, any>][] {
  return [...model.namedModules()].filter(([name, m]) => name !== '' && m.children().length === 0);
}

/**
 * Runs model on zeros of `inputShape` (batch included, e.g. [1, 3, 224, 224]) in eval mode
 * without gradients and tabulates every layer in execution order.
 * @example
 *   console.log(formatSummary(summary(createModel('unet', { variant: 'tgs' }), [1, 1, 128, 128])));
 */
export function summary(model: Module<[Tensor], unknown>, inputShape: readonly number[]): ModelSummary {
  const rows: SummaryRow[] = [
    { name: 'input', type: 'Input', outputShapes: [[...inputShape]], params: 0, trainable: 0, connectedTo: [] },
  ];
  const producer = new Map<Tensor, string>();
  const wasTraining = model.training;
  const removers = leafModules(model).map(([name, m]) =>
    m.registerForwardHook((_module, inputs, output) => {
      const own = countOwn(m);
      const sources = [...new Set(tensorsIn(inputs).map((t) => producer.get(t) ?? '?'))];
      const outputs = tensorsIn(output);
      for (const t of outputs) producer.set(t, name);
      rows.push({
        name,
        type: m.typeName,
        outputShapes: outputs.map((t) => t.shape),
        params: own.total,
        trainable: own.trainable,
        connectedTo: sources,
      });
    }),
  );
  try {
    model.eval();
    noGrad(() =>
      tidy(() => {
        const input = zeros(inputShape);
        producer.set(input, 'input');
        model.forward(input);
      }),
    );
  } finally {
    for (const remove of removers) remove();
    model.train(wasTraining);
  }
  return { modelName: model.typeName, inputShape: [...inputShape], rows, ...countParameters(model) };
}

function countOwn(m: Module<any, any>): ParameterCount {
  let total = 0;
  let trainable = 0;
  for (const p of m.parameters(false)) {
    total += p.numel;
    if (p.requiresGrad) trainable += p.numel;
  }
  return { total, trainable, nonTrainable: total - trainable };
}

const group = (n: number): string => n.toLocaleString('en-US');

/** The summary as a Keras-like table: layer (type), output shape, parameters, connected to. */
export function formatSummary(s: ModelSummary): string {
  const shape = (dims: number[]): string => `(${['None', ...dims.slice(1)].join(', ')})`;
  const table = s.rows.map((r) => [
    `${r.name} (${r.type})`,
    r.outputShapes.map(shape).join(' ') || '-',
    group(r.params),
    r.connectedTo.join(', '),
  ]);
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const rule = (ch: string): string => ch.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `Model: "${s.modelName}"`,
    rule('_'),
    line(header),
    rule('='),
    ...table.map(line),
    rule('='),
    `Total params: ${group(s.total)}`,
    `Trainable params: ${group(s.trainable)}`,
    `Non-trainable params: ${group(s.nonTrainable)}`,
    rule('_'),
  ].join('\n');
}

/**
 * The outputs of the named layers (dotted names, see Module.getSubmodule) for one input,
 * computed in eval mode without gradients. The caller owns (disposes) the returned tensors.
 */
export function captureActivations(
  model: Module<[Tensor], unknown>,
  input: Tensor,
  layerNames: readonly string[],
): Map<string, Tensor> {
  const captured = new Map<string, Tensor>();
  const wasTraining = model.training;
  // Every name resolved before any hook goes on, so an unknown one leaves the model untouched.
  const layers = layerNames.map((name) => [name, model.getSubmodule(name)] as const);
  const removers = layers.map(([name, layer]) =>
    layer.registerForwardHook((_m, _inputs, output) => {
      const t = tensorsIn(output)[0];
      if (!t) return;
      captured.get(name)?.dispose();
      // A copy: an inplace layer after this one (ReLU(inplace)) would otherwise overwrite it.
      captured.set(name, t.detach().clone().keep());
    }),
  );
  try {
    model.eval();
    noGrad(() => tidy(() => void model.forward(input)));
  } catch (err) {
    for (const t of captured.values()) t.dispose();
    throw err;
  } finally {
    for (const remove of removers) remove();
    model.train(wasTraining);
  }
  const missing = layerNames.filter((n) => !captured.has(n));
  if (missing.length) {
    for (const t of captured.values()) t.dispose();
    throw new Error(`captureActivations: layers ${missing.join(', ')} did not run during forward`);
  }
  return captured;
}
