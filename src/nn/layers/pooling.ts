// Pooling layers: MaxPool2d (optionally with indices for unpooling), AvgPool2d, AdaptiveAvgPool2d.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import type { Pair } from '../geometry.js';
import { intPair, showPair } from './args.js';

export interface MaxPool2dOptions<R extends boolean = boolean> {
  /** Defaults to kernelSize (non-overlapping windows). */
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  /** Round the output size up, adding a partial window at the end (as PyTorch's ceil_mode). */
  ceilMode?: boolean;
  /** Also return the argmax positions (for MaxUnpool / SegNet-style decoders). */
  returnIndices?: R;
}

/** Max values and their flat positions within each input plane. */
export interface PooledWithIndices {
  values: Tensor;
  indices: Tensor;
}

/** PyTorch's rule: padding at most half the kernel on each axis. */
function checkPadding(layer: string, padding: Pair, kernelSize: Pair): void {
  if (padding[0] * 2 > kernelSize[0] || padding[1] * 2 > kernelSize[1]) {
    throw new Error(`${layer}: padding (${showPair(padding)}) must be at most half the kernel size (${showPair(kernelSize)})`);
  }
}

/** Shows the optional pooling settings that differ from their defaults. */
function poolExtras(padding: Pair, ceilMode: boolean, dilation?: Pair): string {
  let s = '';
  if (padding[0] !== 0 || padding[1] !== 0) s += `, padding=${showPair(padding)}`;
  if (dilation && (dilation[0] !== 1 || dilation[1] !== 1)) s += `, dilation=${showPair(dilation)}`;
  if (ceilMode) s += ', ceilMode=true';
  return s;
}

/** 2-D max pooling; with returnIndices: true the forward returns { values, indices }. */
export class MaxPool2d<R extends boolean = false> extends Module<[Tensor], R extends true ? PooledWithIndices : Tensor> {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;
  readonly returnIndices: R;

  constructor(kernelSize: number | Pair, options: MaxPool2dOptions<R> = {}) {
    super();
    this.kernelSize = intPair('MaxPool2d', 'kernelSize', kernelSize, 1);
    this.stride = intPair('MaxPool2d', 'stride', options.stride ?? kernelSize, 1);
    this.padding = intPair('MaxPool2d', 'padding', options.padding ?? 0, 0);
    this.dilation = intPair('MaxPool2d', 'dilation', options.dilation ?? 1, 1);
    this.ceilMode = options.ceilMode ?? false;
    this.returnIndices = (options.returnIndices ?? false) as R;
    checkPadding('MaxPool2d', this.padding, this.kernelSize);
  }

  forward(x: Tensor): R extends true ? PooledWithIndices : Tensor {
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    const out = this.returnIndices
      ? F.maxPool2d(x, this.kernelSize, { ...options, returnIndices: true })
      : F.maxPool2d(x, this.kernelSize, options);
    return out as R extends true ? PooledWithIndices : Tensor;
  }

  override extraRepr(): string {
    return (
      `kernel=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}` +
      poolExtras(this.padding, this.ceilMode, this.dilation) +
      (this.returnIndices ? ', returnIndices=true' : '')
    );
  }
}

export interface AvgPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: number | Pair;
  padding?: number | Pair;
  ceilMode?: boolean;
  /** Count the zero padding in the average (true by default, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number;
}

/** 2-D average pooling. */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | undefined;

  constructor(kernelSize: number | Pair, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = intPair('AvgPool2d', 'kernelSize', kernelSize, 1);
    this.stride = intPair('AvgPool2d', 'stride', options.stride ?? kernelSize, 1);
    this.padding = intPair('AvgPool2d', 'padding', options.padding ?? 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride;
    if (this.divisorOverride !== undefined && !(Number.isInteger(this.divisorOverride) && this.divisorOverride > 0)) {
      throw new Error(`AvgPool2d: divisorOverride must be a positive integer, got ${this.divisorOverride}`);
    }
    checkPadding('AvgPool2d', this.padding, this.kernelSize);
  }

  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return (
      `kernel=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}` +
      poolExtras(this.padding, this.ceilMode) +
      (this.countIncludePad ? '' : ', countIncludePad=false') +
      (this.divisorOverride === undefined ? '' : `, divisorOverride=${this.divisorOverride}`)
    );
  }
}

/** Average pooling to a fixed output size (e.g. 1 for global pooling), whatever the input size. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: Pair;

  constructor(outputSize: number | Pair) {
    super();
    this.outputSize = intPair('AdaptiveAvgPool2d', 'outputSize', outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${showPair(this.outputSize)}`;
  }
}
