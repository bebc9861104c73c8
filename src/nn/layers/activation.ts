// Activation layers. Every forward returns a new Tensor handle, even when it aliases the
// input (Identity, inplace), so disposing a layer's output never frees its input handle.
import { op, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import { int } from './args.js';

/** max(0, x); inplace overwrites the input (saves memory when nothing else needs it). */
export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? op('aten::relu_', [x]) : F.relu(x);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=true' : '';
  }
}

/** x for x >= 0, negativeSlope * x otherwise. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;

  constructor(negativeSlope = 0.01, options: { inplace?: boolean } = {}) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new Error(`LeakyReLU: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
    }
    this.negativeSlope = negativeSlope;
    this.inplace = options.inplace ?? false;
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? op('aten::leaky_relu_', [x, this.negativeSlope]) : F.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}${this.inplace ? ', inplace=true' : ''}`;
  }
}

/** 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** Softmax along dim (1: over the classes of (N, C, H, W) scores). */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = int('Softmax', 'dim', dim);
  }

  forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along dim, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = int('LogSoftmax', 'dim', dim);
  }

  forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Returns its input (as a new handle to the same tensor); a placeholder in configurable models. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return op('aten::alias', [x]);
  }
}
