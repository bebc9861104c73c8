// Dropout layers: active in training mode only, the identity in eval mode.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import { probability } from './args.js';

/** Zeroes each element with probability p while training, scaling the rest by 1 / (1 - p). */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout', p);
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of (N, C, H, W) with probability p while training (spatial dropout). */
export class Dropout2d extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout2d', p);
  }

  forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
