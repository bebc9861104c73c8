// Emitters for the zoo's own layers: FCN's Crop and Add, U-Net's Concat and LeanReLU, and VGG's
// LinearConv2d (a Linear on 2-d inputs, its weight as a convolution on 4-d ones).
import type { Module } from '../nn/index.js';
import { Add, Crop } from '../models/fusion.js';
import { Concat, LeanReLU } from '../models/unet.js';
import { LinearConv2d } from '../models/vgg.js';
import { convInput, elementwise, emitLinear } from './layers-nn.js';
import { deriveDims, mergeDims, type Emitter } from './emit-context.js';

type Ctor = abstract new (...args: any[]) => Module<any, any>;

/**
 * Crop x to the reference's height and width at a fixed offset. The size is read from the
 * reference in the graph (Shape, Slice), not written as a constant, so the crop follows the
 * input size as FCN's does.
 */
const crop: Emitter<Crop> = (ctx) => {
  const { g, module: m, name } = ctx;
  const [x, reference] = [ctx.inputs[0]!, ctx.inputs[1]!];
  const [top, left] = m.offset;
  const shape = g.op('Shape', [reference], `${name}/reference_shape`);
  const size = g.op('Slice', [shape, g.int64s([2]), g.int64s([4]), g.int64s([0])], `${name}/reference_hw`);
  const ends = g.op('Add', [size, g.int64s([top, left])], `${name}/ends`);
  const dims = [x.dims[0]!, x.dims[1]!, reference.dims[2]!, reference.dims[3]!];
  return g.op('Slice', [x, g.int64s([top, left]), ends, g.int64s([2, 3])], name, undefined, dims);
};

const add: Emitter<Add> = (ctx) => {
  const [a, b] = [ctx.inputs[0]!, ctx.inputs[1]!];
  return ctx.g.op('Add', [a, b], ctx.name, undefined, a.dims.map((d, i) => mergeDims(d, b.dims[i]!)));
};

const concat: Emitter<Concat> = (ctx) => {
  const xs = ctx.inputs;
  const dims = xs[0]!.dims.map((_, a) => {
    const all = xs.map((x) => x.dims[a]!);
    if (a !== 1) return mergeDims(...all);
    return all.every((d) => typeof d === 'number') ? (all as number[]).reduce((s, d) => s + d, 0) : null;
  });
  return ctx.g.op('Concat', xs, ctx.name, { axis: { i: 1 } }, dims);
};

const linearConv2d: Emitter<LinearConv2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  if (ctx.inputShapes[0]!.length !== 4) return emitLinear(ctx);
  const k = m.kernelSize;
  const conv = convInput(ctx, x, [k, k], [1, 1], [1, 1], m.convPadding);
  const w = g.weight(m.weight, `${name}.weight`, [m.outFeatures, m.inChannels, k, k]);
  const b = m.bias ? g.weight(m.bias, `${name}.bias`) : null;
  return g.op('Conv', [conv.x, w, b], name, conv.attributes, deriveDims(ctx, x, conv.keep));
};

export const MODEL_EMITTERS: [Ctor, Emitter<any>][] = [
  [Crop, crop],
  [Add, add],
  [Concat, concat],
  // Overwrites its input only while autograd records; the trace runs without gradients.
  [LeanReLU, elementwise('Relu')],
  [LinearConv2d, linearConv2d],
];
