// Which dataset indices each rank sees in an epoch. Training (pad: true) follows PyTorch's
// DistributedSampler exactly: shuffle by seed + epoch, pad by repeating the first indices up to
// a multiple of the world size, then rank r takes every worldSize-th index from r. So the
// ranks' batches interleave into the batches of one process with worldSize times the batch
// size. Evaluation (pad: false) gives uneven shards that together hold every index once, so
// summed confusion matrices count each image exactly once.
import { getRngState, manualSeed, randperm, setRngState } from '../torch/index.js';
import { getRank, getWorldSize } from './group.js';

/** An epoch's order of 0..n-1 for a seed; the default is PyTorch's (see torchPermutation). */
export type OrderFn = (n: number, seed: number, epoch: number) => number[];

export interface DistributedSamplerOptions {
  /** Default: the default group's rank (0 without one). */
  rank?: number;
  /** Default: the default group's world size (1 without one). */
  worldSize?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Default 0; the same on every rank. */
  seed?: number;
  /** Drop the tail that does not divide evenly instead of padding (training only); default false. */
  dropLast?: boolean;
  /** Pad to equal shards (training, default true), or uneven shards without repeats (false: evaluation). */
  pad?: boolean;
  /** The shuffled order; default PyTorch's torch.randperm(n, generator seeded with seed + epoch). */
  order?: OrderFn;
}

/**
 * torch.randperm(n) from a generator seeded with seed + epoch (PyTorch's DistributedSampler),
 * drawn from libtorch's own generator; the global generator's state is restored afterwards.
 */
export function torchPermutation(n: number, seed: number, epoch: number): number[] {
  const saved = getRngState();
  try {
    manualSeed(seed + epoch);
    const perm = randperm(n, { dtype: 'int64' });
    try {
      return Array.from(perm.data() as BigInt64Array, Number);
    } finally {
      perm.dispose();
    }
  } finally {
    setRngState(saved);
  }
}

export class DistributedSampler {
  readonly length: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly pad: boolean;
  readonly #order: OrderFn;

  constructor(length: number, options: DistributedSamplerOptions = {}) {
    const worldSize = options.worldSize ?? getWorldSize();
    const rank = options.rank ?? getRank();
    if (!Number.isInteger(length) || length < 0) throw new Error(`DistributedSampler: length ${length}, expected a non-negative integer`);
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`DistributedSampler: worldSize ${worldSize}, expected a positive integer`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new Error(`DistributedSampler: rank ${rank}, expected an integer in 0..${worldSize - 1}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`DistributedSampler: seed ${seed}, expected a non-negative integer`);
    this.length = length;
    this.rank = rank;
    this.worldSize = worldSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = seed;
    this.pad = options.pad ?? true;
    this.dropLast = options.dropLast ?? false;
    if (this.dropLast && !this.pad) throw new Error('DistributedSampler: dropLast applies to padded (training) shards only; pass pad: true');
    this.#order = options.order ?? torchPermutation;
  }

  /** Indices per rank in an epoch (with pad: false, rank 0's count; later ranks may have one fewer). */
  get numSamples(): number {
    if (!this.pad) return Math.ceil(this.length / this.worldSize);
    if (this.dropLast && this.length % this.worldSize !== 0) return Math.ceil((this.length - this.worldSize) / this.worldSize);
    return Math.ceil(this.length / this.worldSize);
  }

  /** Indices over all ranks in an epoch (padding included). */
  get totalSize(): number {
    return this.pad ? this.numSamples * this.worldSize : this.length;
  }

  /** This rank's dataset indices for the epoch, in order. */
  indices(epoch: number): number[] {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`DistributedSampler: epoch ${epoch}, expected a non-negative integer`);
    let order = this.shuffle ? this.#order(this.length, this.seed, epoch) : Array.from({ length: this.length }, (_, i) => i);
    if (order.length !== this.length) throw new Error(`DistributedSampler: the order function gave ${order.length} indices for ${this.length} samples`);
    const total = this.totalSize;
    if (this.pad && !this.dropLast && order.length > 0) {
      while (order.length < total) order = order.concat(order.slice(0, total - order.length));
    } else if (this.pad) {
      order = order.slice(0, total);
    }
    const mine: number[] = [];
    for (let i = this.rank; i < order.length; i += this.worldSize) mine.push(order[i]!);
    return mine;
  }
}
