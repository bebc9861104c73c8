// The layers of a model as the inspect tools name them: dotted names in execution order (the
// names --layer takes), each with its type, its own parameter count and its kernel shape.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { ZooModel } from '../models/contract.js';

export interface LayerInfo {
  name: string;
  type: string;
  /** Parameters of this layer and everything under it. */
  params: number;
  /** Shape of its `weight` tensor, when it has one. */
  weightShape: number[] | null;
}

/**
 * Every layer forward runs, in execution order.
 * @example
 *   console.log(formatLayers(listLayers(model), 'unet'));
 */
export function listLayers(model: ZooModel): LayerInfo[] {
  return model.layerNames.map((name) => {
    const m = model.getSubmodule(name);
    const weight = ownWeight(m);
    return {
      name,
      type: m.typeName,
      params: m.parameters().reduce((n, p) => n + p.numel, 0),
      weightShape: weight ? weight.shape : null,
    };
  });
}

/** The module of a layer name; an unknown name is an error that lists the valid ones. */
export function findLayer(model: ZooModel, name: string): Module<any, any> {
  const names = model.layerNames;
  if (!names.includes(name)) {
    throw new Error(`no layer '${name}' in ${model.architecture}; layers (see 'pixelwise inspect layers'): ${names.join(', ')}`);
  }
  return model.getSubmodule(name);
}

/** The layer's own `weight` parameter, if it has one. */
export function ownWeight(m: Module<any, any>): Tensor | null {
  for (const [name, p] of m.namedParameters('', false)) if (name === 'weight') return p;
  return null;
}

const group = (n: number): string => n.toLocaleString('en-US');

/** The layer list as an aligned table with a total. */
export function formatLayers(layers: readonly LayerInfo[], title: string): string {
  const rows = layers.map((l, i) => [String(i), l.name, l.type, l.weightShape ? `[${l.weightShape.join(', ')}]` : '-', group(l.params)]);
  const header = ['#', 'layer', 'type', 'weight', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const total = layers.reduce((n, l) => n + l.params, 0);
  return [title, line(header), ...rows.map(line), `${layers.length} layers, ${group(total)} parameters`].join('\n');
}
