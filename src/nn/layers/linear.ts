// Fully connected layer and the Flatten that usually precedes it.
import { empty, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import { int } from './args.js';
import { resetWeightAndBias } from './reset.js';

/** y = x Wᵀ + b over the last dimension; weight (outFeatures, inFeatures). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    this.inFeatures = int('Linear', 'inFeatures', inFeatures, 1);
    this.outFeatures = int('Linear', 'outFeatures', outFeatures, 1);
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** Re-draws weight and bias as PyTorch does (kaiming uniform with a = sqrt(5)). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.size(-1) !== this.inFeatures) {
      throw new Error(`Linear: expected ${this.inFeatures} features in the last dimension, got ${x}`);
    }
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}${this.bias ? '' : ', bias=false'}`;
  }
}

/** Merges dimensions startDim..endDim into one ((N, C, H, W) -> (N, C*H*W) by default). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = int('Flatten', 'startDim', startDim);
    this.endDim = int('Flatten', 'endDim', endDim);
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
