// Convolution layers: Conv2d and ConvTranspose2d with PyTorch's weight layouts and defaults.
import { empty, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import { fillBilinear_ } from '../bilinear.js';
import { zeros_ } from '../init.js';
import type { Pair } from '../geometry.js';
import { int, intPair, showPair } from './args.js';
import { resetWeightAndBias } from './reset.js';

export interface Conv2dOptions {
  stride?: number | Pair;
  /** Explicit zero padding, TensorFlow/Keras 'same' (output = ceil(input / stride)) or 'valid'. */
  padding?: F.Padding;
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

function checkPadding(layer: string, padding: F.Padding): Pair | 'same' | 'valid' {
  if (padding === 'same' || padding === 'valid') return padding;
  if (typeof padding === 'string') throw new Error(`${layer}: padding must be a number, a pair, 'same' or 'valid', got '${padding}'`);
  return intPair(layer, 'padding', padding, 0);
}

function checkGroups(layer: string, inChannels: number, outChannels: number, groups: number): void {
  int(layer, 'groups', groups, 1);
  if (inChannels % groups !== 0) throw new Error(`${layer}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
  if (outChannels % groups !== 0) throw new Error(`${layer}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
}

/** The optional settings a convolution's description shows when they differ from the defaults. */
function extras(dilation: Pair, groups: number, bias: Tensor | null): string {
  let s = '';
  if (dilation[0] !== 1 || dilation[1] !== 1) s += `, dilation=${showPair(dilation)}`;
  if (groups !== 1) s += `, groups=${groups}`;
  if (bias === null) s += ', bias=false';
  return s;
}

/** 2-D convolution over (N, C, H, W); weight (outChannels, inChannels / groups, kH, kW). */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | Pair, options: Conv2dOptions = {}) {
    super();
    const name = 'Conv2d';
    this.inChannels = int(name, 'inChannels', inChannels, 1);
    this.outChannels = int(name, 'outChannels', outChannels, 1);
    this.kernelSize = intPair(name, 'kernelSize', kernelSize, 1);
    this.stride = intPair(name, 'stride', options.stride ?? 1, 1);
    this.padding = checkPadding(name, options.padding ?? 0);
    this.dilation = intPair(name, 'dilation', options.dilation ?? 1, 1);
    this.groups = options.groups ?? 1;
    checkGroups(name, inChannels, outChannels, this.groups);
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / this.groups, kh, kw]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outChannels])) : null;
    this.resetParameters();
  }

  /** Re-draws weight and bias as PyTorch does (kaiming uniform with a = sqrt(5)). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    return (
      `${this.inChannels}, ${this.outChannels}, kernel=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, ` +
      `padding=${showPair(this.padding)}${extras(this.dilation, this.groups, this.bias)}`
    );
  }
}

export interface ConvTranspose2dOptions {
  stride?: number | Pair;
  /** Explicit padding (cropped from both sides, as PyTorch), Keras 'same' (output = input * stride) or 'valid'. */
  padding?: F.Padding;
  outputPadding?: number | Pair;
  groups?: number;
  bias?: boolean;
  dilation?: number | Pair;
  /** 'bilinear': bilinear-interpolation kernels and zero bias (FCN upsampling), still learnable. */
  init?: 'default' | 'bilinear';
}

/**
 * Transposed 2-D convolution (learnable upsampling); weight (inChannels, outChannels / groups,
 * kH, kW) as in PyTorch.
 */
export class ConvTranspose2d extends Module<[x: Tensor, outputSize?: Pair]> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly outputPadding: Pair;
  readonly dilation: Pair;
  readonly groups: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | Pair, options: ConvTranspose2dOptions = {}) {
    super();
    const name = 'ConvTranspose2d';
    this.inChannels = int(name, 'inChannels', inChannels, 1);
    this.outChannels = int(name, 'outChannels', outChannels, 1);
    this.kernelSize = intPair(name, 'kernelSize', kernelSize, 1);
    this.stride = intPair(name, 'stride', options.stride ?? 1, 1);
    this.padding = checkPadding(name, options.padding ?? 0);
    this.outputPadding = intPair(name, 'outputPadding', options.outputPadding ?? 0, 0);
    this.dilation = intPair(name, 'dilation', options.dilation ?? 1, 1);
    this.groups = options.groups ?? 1;
    checkGroups(name, inChannels, outChannels, this.groups);
    const padded = this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0;
    if (padded && this.padding === 'same') {
      throw new Error(`${name}: outputPadding cannot be combined with padding 'same' (the output is input * stride)`);
    }
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i]! >= Math.max(this.stride[i]!, this.dilation[i]!)) {
        throw new Error(
          `${name}: outputPadding (${showPair(this.outputPadding)}) must be smaller than stride ` +
            `(${showPair(this.stride)}) or dilation (${showPair(this.dilation)})`,
        );
      }
    }
    const init = options.init ?? 'default';
    if (init !== 'default' && init !== 'bilinear') {
      throw new Error(`${name}: init must be 'default' or 'bilinear', got '${String(init)}'`);
    }
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter('weight', empty([inChannels, outChannels / this.groups, kh, kw]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outChannels])) : null;
    // The default draw happens even for 'bilinear', keeping the random stream aligned with
    // PyTorch code that constructs the layer and then overwrites its weights.
    this.resetParameters();
    if (init === 'bilinear') {
      fillBilinear_(this.weight);
      if (this.bias) zeros_(this.bias);
    }
  }

  /** Re-draws weight and bias as PyTorch does (kaiming uniform with a = sqrt(5), fan-in from dim 1). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /**
   * Upsamples x. outputSize (explicit padding only) picks the outputPadding that gives exactly
   * that (H, W), as PyTorch's output_size argument: e.g. to match an encoder feature map whose
   * odd size a strided layer rounded down.
   */
  forward(x: Tensor, outputSize?: Pair): Tensor {
    let outputPadding: Pair | undefined = this.padding === 'same' ? undefined : this.outputPadding;
    if (outputSize !== undefined) {
      if (this.padding === 'same') throw new Error("ConvTranspose2d: outputSize cannot be combined with padding 'same'");
      outputPadding = this.#outputPaddingFor(x, outputSize);
    }
    return F.convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  #outputPaddingFor(x: Tensor, outputSize: Pair): Pair {
    const padding = this.padding === 'valid' ? [0, 0] : (this.padding as Pair);
    const out: number[] = [];
    for (let i = 0; i < 2; i++) {
      const size = x.size(i - 2);
      const [s, d, k, p] = [this.stride[i]!, this.dilation[i]!, this.kernelSize[i]!, padding[i]!];
      const min = (size - 1) * s - 2 * p + d * (k - 1) + 1;
      const max = min + s - 1;
      const want = outputSize[i]!;
      if (!(want >= min && want <= max)) {
        throw new Error(`ConvTranspose2d: outputSize [${outputSize}] not reachable from input ${x}: dim ${i} must be in [${min}, ${max}]`);
      }
      out.push(want - min);
    }
    return out as Pair;
  }

  override extraRepr(): string {
    const op = this.outputPadding;
    return (
      `${this.inChannels}, ${this.outChannels}, kernel=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, ` +
      `padding=${showPair(this.padding)}` +
      (op[0] !== 0 || op[1] !== 0 ? `, outputPadding=${showPair(op)}` : '') +
      extras(this.dilation, this.groups, this.bias)
    );
  }
}
