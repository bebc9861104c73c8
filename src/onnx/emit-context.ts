// What an emitter gets to turn one traced layer call into ONNX nodes, and the shape bookkeeping
// shared by the emitters (which output axes keep a named dynamic size such as 'H').
import type { Module } from '../nn/index.js';
import type { Dim, GraphBuilder, Value } from './graph.js';

export interface EmitContext<M extends Module<any, any> = Module<any, any>> {
  g: GraphBuilder;
  module: M;
  /** The layer's dotted name; names its nodes and values. */
  name: string;
  /** The values of the layer's Tensor arguments, in order. */
  inputs: Value[];
  /** The forward's arguments as traced (Tensors replaced by { tensor: id }). */
  args: unknown[];
  inputShapes: number[][];
  outputShape: number[];
}

/** Turns one call of a layer into nodes; returns the value of the layer's output. */
export type Emitter<M extends Module<any, any> = Module<any, any>> = (ctx: EmitContext<M>) => Value;

/**
 * Thrown by an emitter whose ONNX form needs sizes that are dynamic in this export (e.g.
 * AdaptiveAvgPool2d to 7x7): exporting with a fixed input size resolves it.
 */
export class NeedsFixedSize extends Error {
  constructor(
    readonly layer: string,
    why: string,
  ) {
    super(`ONNX export: layer '${layer}' ${why}, which has no ONNX form for a dynamic input size; export with a fixed height and width`);
  }
}

/** The fixed sizes of axes `axes` of v, or NeedsFixedSize when one is dynamic. */
export function fixedDims(ctx: EmitContext, v: Value, axes: number[], why: string): number[] {
  return axes.map((a) => {
    const d = v.dims[a];
    if (typeof d !== 'number') throw new NeedsFixedSize(ctx.name, why);
    return d;
  });
}

/**
 * The output's dims: axes in `keep` carry over from `from` (the layer keeps that size);
 * the others are the traced size when `from`'s axis is fixed, else dynamic (null). Axes beyond
 * `from`'s rank are taken as fixed.
 */
export function deriveDims(ctx: EmitContext, from: Value, keep: readonly number[]): Dim[] {
  return ctx.outputShape.map((size, a) => {
    const d = from.dims[a];
    if (keep.includes(a) && d !== undefined) return d;
    return d === undefined || typeof d === 'number' ? size : null;
  });
}

/** Of several dims known to be equal (Add, Concat), the most informative. */
export function mergeDims(...dims: Dim[]): Dim {
  return dims.find((d) => typeof d === 'number') ?? dims.find((d) => typeof d === 'string') ?? null;
}
