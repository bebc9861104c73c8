// BatchNorm2d with PyTorch's parameter and buffer names, so PyTorch state dicts load as they are.
import { empty, noGrad, ones, zeros, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import { ones_, zeros_ } from '../init.js';
import { int } from './args.js';

export interface BatchNorm2dOptions {
  /** Added to the variance for numerical stability. */
  eps?: number;
  /** Weight of the new batch in the running statistics; null for a cumulative average over all batches. */
  momentum?: number | null;
  /** Learnable per-channel scale (weight) and shift (bias). */
  affine?: boolean;
  /** Keep running_mean / running_var for eval mode; without them eval also uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over (N, H, W) for each channel of a (N, C, H, W) input. Training mode
 * normalises with batch statistics and updates the running ones; eval mode uses the running ones.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    this.numFeatures = int('BatchNorm2d', 'numFeatures', numFeatures, 1);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    if (!(this.eps > 0)) throw new Error(`BatchNorm2d: eps must be > 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNorm2d: momentum must be in [0, 1] or null (cumulative average), got ${this.momentum}`);
    }
    this.weight = this.affine ? this.registerParameter('weight', empty([numFeatures])) : null;
    this.bias = this.affine ? this.registerParameter('bias', empty([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
      this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
    } else {
      this.runningMean = this.runningVar = this.numBatchesTracked = null;
    }
    this.resetParameters();
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.runningMean!);
    ones_(this.runningVar!);
    zeros_(this.numBatchesTracked!);
  }

  /** Running statistics reset, weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      ones_(this.weight!);
      zeros_(this.bias!);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected a 4-d input (N, C, H, W), got ${x}`);
    if (x.size(1) !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels, got ${x}`);
    }
    let factor = this.momentum ?? 0;
    const updating = this.training && this.trackRunningStats;
    if (updating) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked!.item();
    }
    // Eval without running statistics falls back to batch statistics, as PyTorch.
    const useBatchStats = this.training || this.runningMean === null;
    const useBuffers = !this.training || this.trackRunningStats;
    return F.batchNorm(x, useBuffers ? this.runningMean : null, useBuffers ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}` +
      (this.affine ? '' : ', affine=false') +
      (this.trackRunningStats ? '' : ', trackRunningStats=false')
    );
  }
}
