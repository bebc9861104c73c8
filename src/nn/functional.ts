// nn.functional: stateless layers (convolution, pooling, normalisation, resampling,
// padding, activations). Losses live in losses.ts. Names and defaults follow PyTorch.
import { op, opMany, Tensor, tensor, tidy } from '../torch/index.js';
import { pair, samePadding, type Pair } from './geometry.js';

/** Explicit padding, or TensorFlow/Keras-style 'same' (any stride; extra pixel at the end) / 'valid'. */
export type Padding = number | Pair | 'same' | 'valid';

export interface ConvOptions {
  stride?: number | Pair;
  padding?: Padding;
  dilation?: number | Pair;
  groups?: number;
}

function checkInput(name: string, x: Tensor, dims: number[]): void {
  if (!dims.includes(x.ndim)) {
    throw new Error(`${name}: expected a ${dims.join('-d or ')}-d input (N, C, H, W), got ${x}`);
  }
}

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return op('aten::linear', [x, weight, bias ?? null]);
}

/**
 * 2-D convolution. padding 'same' keeps ceil(H / stride) rows like Keras/TensorFlow, padding
 * asymmetrically (one more row/column at the bottom/right) when the total is odd.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  checkInput('conv2d', x, [3, 4]);
  const stride = pair(options.stride ?? 1);
  const dilation = pair(options.dilation ?? 1);
  const groups = options.groups ?? 1;
  const padding = options.padding ?? 0;
  if (padding === 'same') {
    const [kh, kw] = [weight.size(2), weight.size(3)];
    const [ph, pw] = [
      samePadding(x.size(-2), kh, stride[0], dilation[0]),
      samePadding(x.size(-1), kw, stride[1], dilation[1]),
    ];
    if (ph[0] === ph[1] && pw[0] === pw[1]) {
      return op('aten::conv2d', [x, weight, bias ?? null, stride, [ph[0], pw[0]], dilation, groups]);
    }
    const padded = pad(x, [pw[0], pw[1], ph[0], ph[1]]);
    try {
      return op('aten::conv2d', [padded, weight, bias ?? null, stride, [0, 0], dilation, groups]);
    } finally {
      padded.dispose();
    }
  }
  const explicit = padding === 'valid' ? [0, 0] : pair(padding);
  return op('aten::conv2d', [x, weight, bias ?? null, stride, explicit, dilation, groups]);
}

export interface ConvTransposeOptions {
  stride?: number | Pair;
  /** Explicit padding (cropped from both sides, as in PyTorch), or Keras 'same' (output = input * stride) / 'valid'. */
  padding?: Padding;
  outputPadding?: number | Pair;
  groups?: number;
  dilation?: number | Pair;
}

/**
 * Transposed convolution (the gradient of conv2d w.r.t. its input). weight is
 * (inChannels, outChannels / groups, kH, kW) as in PyTorch. With padding 'same' the output is
 * exactly input * stride, cropping like TensorFlow's conv2d_transpose (extra crop at the end).
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTransposeOptions = {}): Tensor {
  checkInput('convTranspose2d', x, [3, 4]);
  const stride = pair(options.stride ?? 1);
  const dilation = pair(options.dilation ?? 1);
  const groups = options.groups ?? 1;
  const padding = options.padding ?? 0;
  if (padding === 'same') {
    if (options.outputPadding) throw new Error("convTranspose2d: outputPadding cannot be combined with padding 'same'");
    const [h, w] = [x.size(-2), x.size(-1)];
    const [kh, kw] = [weight.size(2), weight.size(3)];
    // The forward convolution this transposes maps (h*s) -> h with 'same' padding.
    const ph = samePadding(h * stride[0], kh, stride[0], dilation[0]);
    const pw = samePadding(w * stride[1], kw, stride[1], dilation[1]);
    const [outH, outW] = [h * stride[0], w * stride[1]];
    // A kernel narrower than the stride leaves the full output short of size * stride; TF fills
    // the rest with zeros (+ bias), which is what output padding (then < stride) adds.
    const extra = (size: number, k: number, s: number, d: number, before: number): number =>
      Math.max(0, size * s - ((size - 1) * s + d * (k - 1) + 1 - 2 * before));
    const outputPadding = [extra(h, kh, stride[0], dilation[0], ph[0]), extra(w, kw, stride[1], dilation[1], pw[0])];
    const y = op('aten::conv_transpose2d.input', [
      x,
      weight,
      bias ?? null,
      stride,
      [ph[0], pw[0]],
      outputPadding,
      groups,
      dilation,
    ]);
    if (y.size(-2) === outH && y.size(-1) === outW) return y;
    try {
      return tidy(() => y.narrow(-2, 0, outH).narrow(-1, 0, outW).contiguous());
    } finally {
      y.dispose();
    }
  }
  const explicit = padding === 'valid' ? [0, 0] : pair(padding);
  return op('aten::conv_transpose2d.input', [
    x,
    weight,
    bias ?? null,
    stride,
    explicit,
    pair(options.outputPadding ?? 0),
    groups,
    dilation,
  ]);
}

export interface PoolOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  ceilMode?: boolean;
}

export function maxPool2d(x: Tensor, kernelSize: number | Pair, options?: PoolOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: number | Pair,
  options: PoolOptions & { returnIndices: true },
): { values: Tensor; indices: Tensor };
export function maxPool2d(
  x: Tensor,
  kernelSize: number | Pair,
  options: PoolOptions & { returnIndices?: boolean } = {},
): Tensor | { values: Tensor; indices: Tensor } {
  checkInput('maxPool2d', x, [3, 4]);
  const args = [
    x,
    pair(kernelSize),
    pair(options.stride ?? kernelSize),
    pair(options.padding ?? 0),
    pair(options.dilation ?? 1),
    options.ceilMode ?? false,
  ];
  if (options.returnIndices) {
    const [values, indices] = opMany('aten::max_pool2d_with_indices', args);
    return { values: values!, indices: indices! };
  }
  return op('aten::max_pool2d', args);
}

/** The inverse of maxPool2d with returnIndices: scatters values back to their positions. */
export function maxUnpool2d(x: Tensor, indices: Tensor, outputSize: Pair): Tensor {
  return op('aten::max_unpool2d', [x, indices, outputSize]);
}

export function avgPool2d(
  x: Tensor,
  kernelSize: number | Pair,
  options: Omit<PoolOptions, 'dilation'> & { countIncludePad?: boolean; divisorOverride?: number } = {},
): Tensor {
  checkInput('avgPool2d', x, [3, 4]);
  return op('aten::avg_pool2d', [
    x,
    pair(kernelSize),
    pair(options.stride ?? kernelSize),
    pair(options.padding ?? 0),
    options.ceilMode ?? false,
    options.countIncludePad ?? true,
    options.divisorOverride ?? null,
  ]);
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: number | Pair): Tensor {
  return op('aten::adaptive_avg_pool2d', [x, pair(outputSize)]);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Batch normalisation over (N, H, W) per channel; updates running statistics when training. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const training = options.training ?? false;
  // As PyTorch's F.batch_norm: with one value per channel the batch variance is 0 and the unbiased
  // running variance 0/0, which libtorch would write into the running statistics as NaN.
  if (training && x.ndim >= 2 && x.numel / x.size(1) === 1) {
    throw new Error(`batchNorm: expected more than 1 value per channel when training, got input ${x}`);
  }
  return op('aten::batch_norm', [
    x,
    options.weight ?? null,
    options.bias ?? null,
    runningMean,
    runningVar,
    training,
    options.momentum ?? 0.1,
    options.eps ?? 1e-5,
    false,
  ]);
}

/** Zeroes elements with probability p (scaling the rest by 1/(1-p)) when training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkProbability('dropout', p);
  return op('aten::dropout', [x, p, training]);
}

/** Zeroes whole channels with probability p when training (spatial dropout). */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkProbability('dropout2d', p);
  return op('aten::feature_dropout', [x, p, training]);
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name}: probability must be in [0, 1], got ${p}`);
}

export const relu = (x: Tensor): Tensor => x.relu();
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => x.leakyRelu(negativeSlope);
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);

export type InterpolateMode = 'nearest' | 'bilinear' | 'area';

export interface InterpolateOptions {
  size?: Pair;
  scaleFactor?: number | Pair;
  mode?: InterpolateMode;
  /** bilinear only: align the corner pixels' centres (false by default, as in PyTorch). */
  alignCorners?: boolean;
}

/** Resizes (N, C, H, W) to `size` or by `scaleFactor`; labels must use 'nearest'. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  checkInput('interpolate', x, [4]);
  const mode = options.mode ?? 'nearest';
  if ((options.size === undefined) === (options.scaleFactor === undefined)) {
    throw new Error('interpolate: give exactly one of size and scaleFactor');
  }
  if (options.alignCorners !== undefined && mode !== 'bilinear') {
    throw new Error(`interpolate: alignCorners only applies to mode 'bilinear', not '${mode}'`);
  }
  const size = options.size ?? null;
  const scales = options.scaleFactor === undefined ? null : pairFloat(options.scaleFactor);
  switch (mode) {
    case 'nearest':
      return op('aten::upsample_nearest2d.vec', [x, size, scales]);
    case 'bilinear':
      return op('aten::upsample_bilinear2d.vec', [x, size, options.alignCorners ?? false, scales]);
    case 'area': {
      const target = size ?? [Math.floor(x.size(2) * scales![0]), Math.floor(x.size(3) * scales![1])];
      return adaptiveAvgPool2d(x, target as Pair);
    }
    default:
      throw new Error(`interpolate: unknown mode '${mode as string}', expected nearest, bilinear or area`);
  }
}

function pairFloat(v: number | Pair): Pair {
  return typeof v === 'number' ? [v, v] : v;
}

/** numpy.pad / torch pad modes: 'symmetric' repeats the edge pixel, 'reflect' does not; 'circular' wraps. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular' | 'symmetric';

/**
 * Pads the last dimensions; pads lists (before, after) pairs starting from the last
 * dimension, as in PyTorch: [left, right, top, bottom] for an image.
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(`pad: expected (before, after) pairs for at most ${x.ndim} dims, got [${pads}]`);
  }
  if (mode === 'constant') return op('aten::constant_pad_nd', [x, pads, value]);
  if (mode === 'symmetric') return padByIndex(x, pads, symmetricIndex);
  return op('aten::pad', [x, pads, mode, null]);
}

// numpy 'symmetric': the edge is repeated (abc -> cba|abc|cba); any pad width works.
function symmetricIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

function padByIndex(x: Tensor, pads: readonly number[], indexOf: (i: number, n: number) => number): Tensor {
  let out = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const [before, after] = [pads[2 * k]!, pads[2 * k + 1]!];
    if (before === 0 && after === 0) continue;
    const n = out.size(dim);
    const idx = Array.from({ length: n + before + after }, (_, i) => indexOf(i - before, n));
    const index = tensor(new BigInt64Array(idx.map(BigInt)));
    let next: Tensor;
    try {
      next = out.indexSelect(dim, index);
    } finally {
      index.dispose();
      if (out !== x) out.dispose();
    }
    out = next;
  }
  return out === x ? x.clone() : out;
}

/** Integer class labels (any shape) to one-hot along a new last dimension (int64). */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  return op('aten::one_hot', [labels, numClasses]);
}
