// Emitters for the nn layers: each turns one traced call into standard ONNX operators (opset
// 13-17) that compute what the layer computes in eval mode, for any input size the layer's
// geometry allows; where only the traced size has an ONNX form, NeedsFixedSize says so.
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Dropout2d,
  Flatten,
  Identity,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
  Upsample,
  samePadding,
  type Module,
  type Pair,
} from '../nn/index.js';
import type { Attribute, Value } from './graph.js';
import { deriveDims, fixedDims, type EmitContext, type Emitter } from './emit-context.js';

type Padding = Pair | 'same' | 'valid';
type Ctor = abstract new (...args: any[]) => Module<any, any>;

const SPATIAL = [2, 3];

/**
 * A convolution's input (padded first where 'same' padding depends on a dynamic size), its
 * kernel/stride/dilation/pads attributes, and the axes whose size it keeps.
 */
export function convInput(
  ctx: EmitContext,
  x: Value,
  kernel: Pair,
  stride: Pair,
  dilation: Pair,
  padding: Padding,
): { x: Value; attributes: Record<string, Attribute>; keep: number[] } {
  const attributes: Record<string, Attribute> = { kernel_shape: { ints: kernel }, strides: { ints: stride }, dilations: { ints: dilation } };
  const extent = (a: number): number => dilation[a]! * (kernel[a]! - 1) + 1;
  let before: number[];
  let after: number[];
  if (padding === 'valid') {
    before = after = [0, 0];
  } else if (padding !== 'same') {
    before = after = [padding[0], padding[1]];
  } else if ((stride[0] === 1 && stride[1] === 1) || SPATIAL.every((a) => typeof x.dims[a] === 'number')) {
    // Stride 1 pads the same for every size; a fixed size pads by that size.
    const p = [0, 1].map((a) => samePadding(stride[a] === 1 ? 1 : (x.dims[a + 2] as number), kernel[a]!, stride[a]!, dilation[a]!));
    before = p.map((q) => q[0]);
    after = p.map((q) => q[1]);
  } else {
    attributes.pads = { ints: [0, 0, 0, 0] };
    return { x: samePad(ctx, x, stride, [extent(0), extent(1)]), attributes, keep: [0] };
  }
  attributes.pads = { ints: [before[0]!, before[1]!, after[0]!, after[1]!] };
  const keep = [0, ...[0, 1].filter((a) => stride[a] === 1 && before[a]! + after[a]! === extent(a) - 1).map((a) => a + 2)];
  return { x, attributes, keep };
}

/**
 * TensorFlow's 'same' padding computed in the graph from the input's size n (per axis: total =
 * max((ceil(n / s) - 1) * s + extent - n, 0), the odd pixel at the end), as a Pad node. ONNX's
 * auto_pad SAME_UPPER means the same but onnxruntime refuses it with dilation.
 */
function samePad(ctx: EmitContext, x: Value, stride: Pair, extent: Pair): Value {
  const { g, name } = ctx;
  const shape = g.op('Shape', [x], `${name}/shape`);
  const n = g.op('Slice', [shape, g.int64s([2]), g.int64s([4]), g.int64s([0])], `${name}/size`);
  const s = g.int64s(stride);
  const blocks = g.op('Div', [g.op('Add', [n, g.int64s([stride[0] - 1, stride[1] - 1])], `${name}/size_plus`), s], `${name}/out_size`);
  const span = g.op('Add', [g.op('Mul', [g.op('Sub', [blocks, g.int64s([1, 1])], `${name}/out_minus_1`), s], `${name}/covered`), g.int64s(extent)], `${name}/span`);
  const total = g.op('Max', [g.op('Sub', [span, n], `${name}/pad_needed`), g.int64s([0, 0])], `${name}/pad_total`);
  const before = g.op('Div', [total, g.int64s([2, 2])], `${name}/pad_before`);
  const after = g.op('Sub', [total, before], `${name}/pad_after`);
  const pads = g.op('Concat', [g.int64s([0, 0]), before, g.int64s([0, 0]), after], `${name}/pads`, { axis: { i: 0 } });
  return g.op('Pad', [x, pads], `${name}/same_pad`, { mode: { s: 'constant' } }, deriveDims(ctx, x, [0, 1]).map((d, a) => (a < 2 ? d : null)));
}

const conv2d: Emitter<Conv2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const { x, attributes, keep } = convInput(ctx, ctx.inputs[0]!, m.kernelSize, m.stride, m.dilation, m.padding);
  attributes.group = { i: m.groups };
  const w = g.weight(m.weight, `${name}.weight`);
  const b = m.bias ? g.weight(m.bias, `${name}.bias`) : null;
  return g.op('Conv', [x, w, b], name, attributes, deriveDims(ctx, ctx.inputs[0]!, keep));
};

const convTranspose2d: Emitter<ConvTranspose2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const [k, s, d] = [m.kernelSize, m.stride, m.dilation];
  const full = (a: number, size: number): number => (size - 1) * s[a]! + d[a]! * (k[a]! - 1) + 1;
  let before: number[];
  let after: number[];
  let outputPadding: number[];
  if (m.padding === 'same') {
    // Output exactly size * stride; the padding does not depend on the size (see F.convTranspose2d).
    before = [0, 1].map((a) => samePadding(s[a]!, k[a]!, s[a]!, d[a]!)[0]);
    const end = [0, 1].map((a) => full(a, 1) - before[a]! - s[a]!);
    after = end.map((e) => Math.max(e, 0));
    outputPadding = end.map((e) => Math.max(-e, 0));
  } else {
    const p = m.padding === 'valid' ? [0, 0] : m.padding;
    before = after = [...p];
    outputPadding = [...m.outputPadding];
    const outputSize = ctx.args[1] as Pair | undefined;
    if (outputSize !== undefined) {
      // forward(x, outputSize) picks the output padding for this input size only.
      const size = fixedDims(ctx, x, SPATIAL, 'is called with an outputSize');
      outputPadding = [0, 1].map((a) => outputSize[a]! - (full(a, size[a]!) - 2 * p[a]!));
    }
  }
  const attributes: Record<string, Attribute> = {
    kernel_shape: { ints: k },
    strides: { ints: s },
    dilations: { ints: d },
    group: { i: m.groups },
    pads: { ints: [before[0]!, before[1]!, after[0]!, after[1]!] },
    output_padding: { ints: outputPadding },
  };
  const w = g.weight(m.weight, `${name}.weight`);
  const b = m.bias ? g.weight(m.bias, `${name}.bias`) : null;
  return g.op('ConvTranspose', [x, w, b], name, attributes, deriveDims(ctx, x, [0]));
};

function poolPads(padding: Pair): Attribute {
  return { ints: [padding[0], padding[1], padding[0], padding[1]] };
}

const maxPool2d: Emitter<MaxPool2d<boolean>> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const attributes: Record<string, Attribute> = {
    kernel_shape: { ints: m.kernelSize },
    strides: { ints: m.stride },
    pads: poolPads(m.padding),
    dilations: { ints: m.dilation },
    ceil_mode: { i: m.ceilMode ? 1 : 0 },
  };
  return g.op('MaxPool', [x], name, attributes, deriveDims(ctx, x, [0, 1]));
};

const avgPool2d: Emitter<AvgPool2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const attributes: Record<string, Attribute> = {
    kernel_shape: { ints: m.kernelSize },
    strides: { ints: m.stride },
    pads: poolPads(m.padding),
    ceil_mode: { i: m.ceilMode ? 1 : 0 },
    count_include_pad: { i: m.countIncludePad ? 1 : 0 },
  };
  const dims = deriveDims(ctx, x, [0, 1]);
  if (m.divisorOverride === undefined) return g.op('AveragePool', [x], name, attributes, dims);
  // sum / divisor = mean * window / divisor, when every window is a full one.
  if (m.padding.some((p) => p !== 0) || m.ceilMode) {
    throw new Error(`ONNX export: layer '${name}' (AvgPool2d) with divisorOverride, padding or ceilMode has no ONNX form`);
  }
  const mean = g.op('AveragePool', [x], `${name}/mean`, attributes, dims);
  const factor = g.floats([(m.kernelSize[0] * m.kernelSize[1]) / m.divisorOverride], [], `${name}/window_over_divisor`);
  return g.op('Mul', [mean, factor], name, undefined, dims);
};

const adaptiveAvgPool2d: Emitter<AdaptiveAvgPool2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const [oh, ow] = m.outputSize;
  const dims = deriveDims(ctx, x, [0, 1]).map((d, a) => (a >= 2 ? m.outputSize[a - 2]! : d));
  if (oh === 1 && ow === 1) return g.op('GlobalAveragePool', [x], name, undefined, dims);
  const [h, w] = fixedDims(ctx, x, SPATIAL, `pools adaptively to ${oh}x${ow}`);
  if (h! % oh !== 0 || w! % ow !== 0) {
    throw new Error(
      `ONNX export: layer '${name}' (AdaptiveAvgPool2d) pools ${h}x${w} to ${oh}x${ow}: uneven windows have no ONNX form; ` +
        `export at an input size whose pooled map is a multiple of ${oh}x${ow}`,
    );
  }
  const kernel = [h! / oh, w! / ow];
  return g.op('AveragePool', [x], name, { kernel_shape: { ints: kernel }, strides: { ints: kernel } }, dims);
};

const batchNorm2d: Emitter<BatchNorm2d> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  if (!m.runningMean || !m.runningVar) {
    throw new Error(`ONNX export: layer '${name}' (BatchNorm2d) has no running statistics (trackRunningStats: false), so eval mode uses batch statistics, which the inference form cannot`);
  }
  const c = m.numFeatures;
  const scale = m.weight ? g.weight(m.weight, `${name}.weight`) : g.floats(new Array<number>(c).fill(1), [c], `${name}.ones`);
  const bias = m.bias ? g.weight(m.bias, `${name}.bias`) : g.floats(new Array<number>(c).fill(0), [c], `${name}.zeros`);
  const mean = g.weight(m.runningMean, `${name}.running_mean`);
  const variance = g.weight(m.runningVar, `${name}.running_var`);
  return g.op('BatchNormalization', [x, scale, bias, mean, variance], name, { epsilon: { f: m.eps } }, [...x.dims]);
};

/** An elementwise operator: same dims as the input. */
const elementwise =
  <M extends Module<any, any>>(opType: string, attributes?: (m: M) => Record<string, Attribute>): Emitter<M> =>
  (ctx) =>
    ctx.g.op(opType, [ctx.inputs[0]!], ctx.name, attributes?.(ctx.module), [...ctx.inputs[0]!.dims]);

/** Layers that are the identity in eval mode (Dropout) or always (Identity): no node at all. */
const passThrough: Emitter = (ctx) => ctx.inputs[0]!;

const linear: Emitter<Linear> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const w = g.weight(m.weight, `${name}.weight`);
  const b = m.bias ? g.weight(m.bias, `${name}.bias`) : null;
  const dims = deriveDims(ctx, x, x.dims.map((_, a) => a).slice(0, -1));
  if (x.dims.length === 2) return g.op('Gemm', [x, w, b], name, { transB: { i: 1 } }, dims);
  const wt = g.op('Transpose', [w], `${name}/weight_t`, { perm: { ints: [1, 0] } });
  if (!b) return g.op('MatMul', [x, wt], name, undefined, dims);
  const product = g.op('MatMul', [x, wt], `${name}/matmul`, undefined, dims);
  return g.op('Add', [product, b], name, undefined, dims);
};

const flatten: Emitter<Flatten> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const rank = ctx.inputShapes[0]!.length;
  const norm = (d: number): number => (d < 0 ? d + rank : d);
  const [start, end] = [norm(m.startDim), norm(m.endDim)];
  if (start === end) return x;
  const merged = x.dims.slice(start, end + 1);
  const mergedDim = merged.every((d) => typeof d === 'number') ? (merged as number[]).reduce((a, b) => a * b, 1) : null;
  const dims = [...x.dims.slice(0, start), mergedDim, ...x.dims.slice(end + 1)];
  if (start === 1 && end === rank - 1) return g.op('Flatten', [x], name, { axis: { i: 1 } }, dims);
  // The new shape from the input's own: dims before start, -1, dims after end.
  const shape = g.op('Shape', [x], `${name}/shape`);
  const parts: Value[] = [];
  if (start > 0) parts.push(g.op('Slice', [shape, g.int64s([0]), g.int64s([start]), g.int64s([0])], `${name}/head`));
  parts.push(g.int64s([-1]));
  if (end < rank - 1) parts.push(g.op('Slice', [shape, g.int64s([end + 1]), g.int64s([rank]), g.int64s([0])], `${name}/tail`));
  const target = parts.length === 1 ? parts[0]! : g.op('Concat', parts, `${name}/target_shape`, { axis: { i: 0 } });
  return g.op('Reshape', [x, target], name, undefined, dims);
};

const upsample: Emitter<Upsample> = (ctx) => {
  const { g, module: m, name } = ctx;
  const x = ctx.inputs[0]!;
  const o = m.options;
  const mode = o.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') {
    throw new Error(`ONNX export: layer '${name}' (Upsample) uses mode '${mode}'; nearest and bilinear export`);
  }
  const attributes: Record<string, Attribute> =
    mode === 'nearest'
      ? // PyTorch's nearest: source = floor(destination / scale).
        { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }
      : { mode: { s: 'linear' }, coordinate_transformation_mode: { s: o.alignCorners ? 'align_corners' : 'pytorch_half_pixel' } };
  const dims = deriveDims(ctx, x, [0, 1]);
  if (o.size) {
    // Resize wants all four sizes: N and C from the input, the fixed height and width.
    const shape = g.op('Shape', [x], `${name}/shape`);
    const nc = g.op('Slice', [shape, g.int64s([0]), g.int64s([2]), g.int64s([0])], `${name}/batch_channels`);
    const sizes = g.op('Concat', [nc, g.int64s(o.size)], `${name}/sizes`, { axis: { i: 0 } });
    return g.op('Resize', [x, null, null, sizes], name, attributes, dims.map((d, a) => (a >= 2 ? o.size![a - 2]! : d)));
  }
  const sf = typeof o.scaleFactor === 'number' ? [o.scaleFactor, o.scaleFactor] : o.scaleFactor!;
  const scales = g.floats([1, 1, sf[0]!, sf[1]!], [4], `${name}/scales`);
  return g.op('Resize', [x, null, scales], name, attributes, dims);
};

/** The nn layers and their emitters (exact classes: a subclass may compute something else). */
export const NN_EMITTERS: [Ctor, Emitter<any>][] = [
  [Conv2d, conv2d],
  [ConvTranspose2d, convTranspose2d],
  [MaxPool2d, maxPool2d],
  [AvgPool2d, avgPool2d],
  [AdaptiveAvgPool2d, adaptiveAvgPool2d],
  [BatchNorm2d, batchNorm2d],
  [ReLU, elementwise('Relu')],
  [LeakyReLU, elementwise<LeakyReLU>('LeakyRelu', (m) => ({ alpha: { f: m.negativeSlope } }))],
  [Sigmoid, elementwise('Sigmoid')],
  [Tanh, elementwise('Tanh')],
  [Softmax, elementwise<Softmax>('Softmax', (m) => ({ axis: { i: m.dim } }))],
  [LogSoftmax, elementwise<LogSoftmax>('LogSoftmax', (m) => ({ axis: { i: m.dim } }))],
  [Dropout, passThrough],
  [Dropout2d, passThrough],
  [Identity, passThrough],
  [Linear, linear],
  [Flatten, flatten],
  [Upsample, upsample],
];

export { linear as emitLinear, elementwise };
