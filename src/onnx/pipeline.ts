// The --pipeline form of a segmentation model: one graph from an image as decoded from a file
// (uint8 [H, W, 3], RGB) to its label map (uint8 [H, W]), doing in the graph what `pixelwise
// predict --scale native` does around the network, in the same order: gray conversion where the
// model takes one channel (ITU-R 601 luma, integer-exact), the training padding, padding to the
// model's input multiple and minimum size (numpy's modes), the normalization record (channel
// order, range, mean, std), the network, its output activation, the crop back, and the argmax —
// or the threshold of a one-output model. So a consumer needs no pixelwise code.
import { zeros } from '../torch/index.js';
import type { PadMode, PreprocessSpec } from '../data/transforms/spec.js';
import { channelPlan, resolveNormalization } from '../image/normalization.js';
import type { ZooModel } from '../models/contract.js';
import { DEFAULT_PAD_MODE } from '../infer/geometry.js';
import { GraphBuilder, MAX_OPSET, type Value } from './graph.js';
import { DataType, type ModelProto } from './proto.js';
import { traceModule } from './trace.js';
import { emitTrace } from './emit.js';
import { zooOnnxParts } from './zoo.js';

export interface PipelineOptions {
  /** The preprocessing the model was trained with (a checkpoint's): normalize, pad. */
  preprocess: PreprocessSpec;
  /** Padding to the input multiple (default: the training pad's mode, else predict's default 'reflect'). */
  padMode?: PadMode;
  /** One-output models: foreground where the probability exceeds it (default 0.5). */
  threshold?: number;
  opset?: number;
  metadata?: Record<string, string>;
  producerVersion?: string;
  docString?: string;
}

export interface PipelineExport {
  model: ModelProto;
  padMode: PadMode;
  /** The threshold baked in (one-output models), else null. */
  threshold: number | null;
}

/** The values a shape-derived computation needs: 1-element int64 tensors. */
interface Axis {
  /** The size of the axis, shape [1]. */
  size: Value;
  /** Its index in a [1, C, H, W] tensor. */
  index: number;
  name: 'height' | 'width';
}

/**
 * The pipeline graph of a segmentation model. Errors name what cannot be put in a graph: a
 * model that is not a segmentation model, a fixed input size, more than 256 classes (labels are
 * uint8), and any layer the network export itself refuses.
 */
export function buildPipelineOnnx(model: ZooModel, options: PipelineOptions): PipelineExport {
  const contract = model.contract;
  const what = `ONNX --pipeline export of ${model.architecture}`;
  if (contract.task !== 'segmentation') throw new Error(`${what}: a pipeline turns images into label maps, which needs a segmentation model; this is a ${contract.task} model`);
  if (contract.fixedInputSize) throw new Error(`${what}: the model takes only ${contract.fixedInputSize.join('x')} inputs; a pipeline takes images of any size`);
  const classes = contract.numClasses === 1 ? 2 : contract.numClasses;
  if (classes > 256) throw new Error(`${what}: ${classes} classes do not fit the pipeline's uint8 labels (at most 256)`);
  if (contract.inChannels !== 1 && contract.inChannels !== 3) throw new Error(`${what}: the model takes ${contract.inChannels}-channel inputs; a pipeline feeds 1 (gray) or 3 (RGB)`);
  const spec = options.preprocess;
  const padMode = options.padMode ?? spec.pad?.mode ?? DEFAULT_PAD_MODE;
  const padValue = spec.pad?.value ?? 0;
  const threshold = contract.numClasses === 1 ? (options.threshold ?? 0.5) : null;
  if (threshold !== null && !(threshold >= 0 && threshold <= 1)) throw new Error(`${what}: threshold ${threshold}, expected a probability in [0, 1]`);
  const normalization = resolveNormalization(spec.normalize);
  const plan = channelPlan(normalization, contract.inChannels, `${what}: normalize`);

  const [part] = zooOnnxParts(model);
  const example = zeros([...part!.options.inputShape]);
  let trace;
  try {
    trace = traceModule(model, example);
  } finally {
    example.dispose();
  }

  const g = new GraphBuilder(options.opset ?? MAX_OPSET);
  const image = g.input('image', DataType.UINT8, ['H', 'W', 3]);
  g.reserve('labels');
  const chw = g.op('Unsqueeze', [g.op('Transpose', [image], 'pre/chw', { perm: { ints: [2, 0, 1] } }), g.int64s([0])], 'pre/nchw');
  let x = contract.inChannels === 1 ? luma(g, chw) : g.node('Cast', [chw], { name: 'pre/float', attributes: { to: { i: DataType.FLOAT } }, elemType: DataType.FLOAT })[0]!;

  const shape = g.op('Shape', [x], 'pre/shape');
  const sizeOf = (index: number, name: Axis['name']): Axis => ({ index, name, size: g.op('Slice', [shape, g.int64s([index]), g.int64s([index + 1]), g.int64s([0])], `pre/${name}`) });
  const axes = [sizeOf(2, 'height'), sizeOf(3, 'width')];

  // The training padding (a fixed target size and/or fixed amounts), then padding up to what the
  // model accepts: two steps, as predict pads (reflecting twice is not reflecting once by the sum).
  const offsets: Value[] = [];
  if (spec.pad) {
    const p = spec.pad;
    const before: Value[] = [];
    const after: Value[] = [];
    for (const axis of axes) {
      const target = axis.name === 'height' ? p.height : p.width;
      const [fixedBefore, fixedAfter] = axis.name === 'height' ? [p.top ?? 0, p.bottom ?? 0] : [p.left ?? 0, p.right ?? 0];
      const [b, a] = target === undefined ? [g.int64s([0]), g.int64s([0])] : centerPadding(g, axis.size, g.int64s([target]), `pre/train_pad_${axis.name}`);
      before.push(g.op('Add', [b, g.int64s([fixedBefore])], `pre/train_pad_${axis.name}_before`));
      after.push(g.op('Add', [a, g.int64s([fixedAfter])], `pre/train_pad_${axis.name}_after`));
    }
    x = pad(g, x, axes, before, after, padMode, padValue, 'pre/train_pad');
    offsets.push(...before);
  }
  const paddedShape = g.op('Shape', [x], 'pre/padded_shape');
  const windowAxes = axes.map((a) => ({ ...a, size: g.op('Slice', [paddedShape, g.int64s([a.index]), g.int64s([a.index + 1]), g.int64s([0])], `pre/padded_${a.name}`) }));
  const before: Value[] = [];
  const after: Value[] = [];
  for (const axis of windowAxes) {
    // target = ceil(max(size, minimum) / multiple) * multiple
    const m = contract.inputMultiple;
    const atLeast = g.op('Max', [axis.size, g.int64s([contract.minInputSize])], `pre/${axis.name}_at_least_min`);
    const target = g.op('Mul', [g.op('Div', [g.op('Add', [atLeast, g.int64s([m - 1])], `pre/${axis.name}_plus`), g.int64s([m])], `pre/${axis.name}_blocks`), g.int64s([m])], `pre/${axis.name}_target`);
    const [b, a] = centerPadding(g, axis.size, target, `pre/window_pad_${axis.name}`);
    before.push(b);
    after.push(a);
  }
  x = pad(g, x, windowAxes, before, after, padMode, padValue, 'pre/window_pad');
  const top = offsets.length ? g.op('Add', [offsets[0]!, before[0]!], 'post/top') : before[0]!;
  const left = offsets.length ? g.op('Add', [offsets[1]!, before[1]!], 'post/left') : before[1]!;

  x = normalize(g, x, normalization.range / 255, plan);
  let out = emitTrace(g, trace, x);
  const activation = contract.outputActivation;
  if (activation === 'softmax') out = g.op('Softmax', [out], 'post/softmax', { axis: { i: 1 } });
  if (activation === 'sigmoid') out = g.op('Sigmoid', [out], 'post/sigmoid');
  // Back to the image: [top, left] to [top + H, left + W].
  const starts = g.op('Concat', [top, left], 'post/crop_starts', { axis: { i: 0 } });
  const ends = g.op('Add', [starts, g.op('Concat', [axes[0]!.size, axes[1]!.size], 'post/image_size', { axis: { i: 0 } })], 'post/crop_ends');
  out = g.op('Slice', [out, starts, ends, g.int64s([2, 3])], 'post/crop');
  let labels: Value;
  if (contract.numClasses === 1) {
    labels = g.op('Greater', [out, g.floats([threshold!], [], 'post/threshold')], 'post/foreground');
  } else {
    labels = g.op('ArgMax', [out], 'post/argmax', { axis: { i: 1 }, keepdims: { i: 0 }, select_last_index: { i: 0 } });
  }
  if (contract.numClasses === 1) labels = g.op('Squeeze', [labels, g.int64s([1])], 'post/drop_channel');
  labels = g.op('Squeeze', [labels, g.int64s([0])], 'post/drop_batch');
  labels = g.node('Cast', [labels], { name: 'post/uint8', attributes: { to: { i: DataType.UINT8 } }, elemType: DataType.UINT8 })[0]!;
  g.output(labels, 'labels', ['H', 'W']);
  const built = g.build({ producerVersion: options.producerVersion, docString: options.docString, graphName: `${model.typeName} pipeline`, metadata: options.metadata });
  return { model: built, padMode, threshold };
}

/**
 * ITU-R 601-2 luma on uint8 [1, 3, H, W] as float [1, 1, H, W], bit-exact with toGray's
 * (19595 R + 38470 G + 7471 B + 2^15) >> 16 (integer arithmetic in int32).
 */
function luma(g: GraphBuilder, rgb: Value): Value {
  const wide = g.node('Cast', [rgb], { name: 'pre/int32', attributes: { to: { i: DataType.INT32 } }, elemType: DataType.INT32 })[0]!;
  const int32 = (v: number, name: string): Value => g.initializer(name, DataType.INT32, [], new Uint8Array(Int32Array.of(v).buffer), `int32:${v}`);
  const weights = [19595, 38470, 7471];
  let sum: Value | null = null;
  for (const [c, w] of weights.entries()) {
    const channel = g.op('Slice', [wide, g.int64s([c]), g.int64s([c + 1]), g.int64s([1])], `pre/luma_c${c}`);
    const term = g.op('Mul', [channel, int32(w, `pre/luma_w${c}`)], `pre/luma_t${c}`);
    sum = sum === null ? term : g.op('Add', [sum, term], `pre/luma_sum${c}`);
  }
  const rounded = g.op('Div', [g.op('Add', [sum!, int32(1 << 15, 'pre/half')], 'pre/luma_round'), int32(1 << 16, 'pre/shift')], 'pre/luma');
  return g.node('Cast', [rounded], { name: 'pre/float', attributes: { to: { i: DataType.FLOAT } }, elemType: DataType.FLOAT })[0]!;
}

/** numpy users' split of padding from size to target: before = ceil(extra / 2), after = floor(extra / 2), extra >= 0. */
function centerPadding(g: GraphBuilder, size: Value, target: Value, name: string): [Value, Value] {
  const extra = g.op('Max', [g.op('Sub', [target, size], `${name}_diff`), g.int64s([0])], `${name}_extra`);
  const before = g.op('Div', [g.op('Add', [extra, g.int64s([1])], `${name}_extra_plus`), g.int64s([2])], `${name}_before`);
  return [before, g.op('Sub', [extra, before], `${name}_after`)];
}

/**
 * Pads [1, C, H, W] by per-axis amounts (1-element int64 values) as numpy.pad does for any
 * amount. 'constant' is a Pad; the other modes gather each axis through index arithmetic (the
 * same map from an outside index to an inside one as data/transforms/pad.ts), because opset 17's
 * Pad has no 'symmetric' or 'wrap' and its 'reflect' cannot pad by more than the size.
 */
function pad(g: GraphBuilder, x: Value, axes: Axis[], before: Value[], after: Value[], mode: PadMode, value: number, name: string): Value {
  if (mode === 'constant') {
    const zero = g.int64s([0, 0]);
    const pads = g.op('Concat', [zero, before[0]!, before[1]!, zero, after[0]!, after[1]!], `${name}_pads`, { axis: { i: 0 } });
    return g.op('Pad', [x, pads, g.floats([value], [], `${name}_value`)], name, { mode: { s: 'constant' } });
  }
  let out = x;
  for (const [k, axis] of axes.entries()) {
    const n = axis.size;
    const tag = `${name}_${axis.name}`;
    const scalar = (v: Value, what: string): Value => g.op('Squeeze', [v, g.int64s([0])], `${tag}_${what}_scalar`);
    const length = g.op('Add', [g.op('Add', [n, before[k]!], `${tag}_n_before`), after[k]!], `${tag}_length`);
    const positions = g.op('Range', [scalar(g.int64s([0]), 'zero'), scalar(length, 'length'), scalar(g.int64s([1]), 'one')], `${tag}_positions`);
    const i = g.op('Sub', [positions, before[k]!], `${tag}_outside_index`);
    let index: Value;
    if (mode === 'edge') {
      index = g.op('Max', [g.op('Min', [i, g.op('Sub', [n, g.int64s([1])], `${tag}_last`)], `${tag}_below_last`), g.int64s([0])], `${tag}_index`);
    } else if (mode === 'wrap') {
      index = g.op('Mod', [i, n], `${tag}_index`, { fmod: { i: 0 } });
    } else {
      // reflect: period 2(n - 1) (a single pixel mirrors itself: period 1 gives index 0);
      // symmetric: period 2n. ONNX's integer Mod takes the divisor's sign, so m >= 0.
      const period =
        mode === 'reflect'
          ? g.op('Max', [g.op('Mul', [g.op('Sub', [n, g.int64s([1])], `${tag}_n_minus_1`), g.int64s([2])], `${tag}_twice`), g.int64s([1])], `${tag}_period`)
          : g.op('Mul', [n, g.int64s([2])], `${tag}_period`);
      const m = g.op('Mod', [i, period], `${tag}_phase`, { fmod: { i: 0 } });
      const mirrored = mode === 'reflect' ? g.op('Sub', [period, m], `${tag}_mirrored`) : g.op('Sub', [g.op('Sub', [period, g.int64s([1])], `${tag}_period_minus_1`), m], `${tag}_mirrored`);
      index = g.op('Where', [g.op('Less', [m, n], `${tag}_inside`), m, mirrored], `${tag}_index`);
    }
    out = g.op('Gather', [out, index], tag, { axis: { i: axis.index } });
  }
  return out;
}

/** (x * scale - mean[c]) * (1 / std[c]) over the model's channels, BGR models reading the image's channels reversed. */
function normalize(g: GraphBuilder, x: Value, scale: number, plan: { source: number; mean: number; std: number }[]): Value {
  const c = plan.length;
  let ordered = x;
  if (plan.some((p, i) => p.source !== i)) ordered = g.op('Gather', [x, g.int64s(plan.map((p) => p.source))], 'pre/channel_order', { axis: { i: 1 } });
  const scaled = scale === 1 ? ordered : g.op('Mul', [ordered, g.floats([scale], [], 'pre/range')], 'pre/scaled');
  const centred = plan.every((p) => p.mean === 0) ? scaled : g.op('Sub', [scaled, g.floats(plan.map((p) => p.mean), [1, c, 1, 1], 'pre/mean')], 'pre/centred');
  return plan.every((p) => p.std === 1) ? centred : g.op('Mul', [centred, g.floats(plan.map((p) => 1 / p.std), [1, c, 1, 1], 'pre/inv_std')], 'pre/normalized');
}
