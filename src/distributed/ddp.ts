// DistributedDataParallel: every rank holds a full replica of the model, computes gradients
// on its own share of the batch, and before the optimizer step the gradients are averaged
// over the ranks, so the replicas stay identical. The bucketing and the overlap with backward
// live in the addon (native/distributed.cc); this file sets them up and orders the collectives.
import type { Module } from '../nn/index.js';
import { tensor, type Tensor } from '../torch/index.js';
import { distAddon, type ReducerHandle } from './addon.js';
import { defaultGroup, type ProcessGroup } from './group.js';
import { convertSyncBatchNorm } from './sync-batchnorm.js';

export interface DDPOptions {
  /** Default: the group of distributed.init(). */
  group?: ProcessGroup;
  /** Size of a gradient bucket in MB (PyTorch's bucket_cap_mb); default 25. */
  bucketCapMB?: number;
  /** Size of the first bucket (the last layers' gradients, ready first) in MB; default 1. */
  firstBucketMB?: number;
  /**
   * Start each bucket's all-reduce from autograd hooks as soon as backward has filled it
   * (true), or all of them after backward (false). Default false: on the 2-core machine this
   * was measured on, overlap was slower (bench/distributed.ts); on more cores it usually helps.
   */
  overlap?: boolean;
  /** Copy rank 0's buffers (BatchNorm running statistics) to every rank after each step; default true. */
  broadcastBuffers?: boolean;
  /** Replace BatchNorm2d's batch statistics by statistics over the whole global batch; default false. */
  syncBatchNorm?: boolean;
}

export class DistributedDataParallel<In extends unknown[] = [Tensor], Out = Tensor> {
  readonly module: Module<In, Out>;
  readonly group: ProcessGroup;
  readonly options: Readonly<Required<Omit<DDPOptions, 'group'>>>;
  readonly #params: [string, Tensor][];
  #reducer: ReducerHandle | null;
  #restoreBatchNorm: (() => void) | null = null;

  private constructor(module: Module<In, Out>, group: ProcessGroup, options: Required<Omit<DDPOptions, 'group'>>) {
    this.module = module;
    this.group = group;
    this.options = options;
    this.#params = [...module.namedParameters()].filter(([, p]) => p.requiresGrad);
    if (this.#params.length === 0) throw new Error(`DistributedDataParallel: ${module.typeName} has no parameter that requires grad`);
    const MB = 1024 * 1024;
    this.#reducer = distAddon().reducerCreate(
      group.handle,
      this.#params.map(([, p]) => p.handle),
      options.firstBucketMB * MB,
      options.bucketCapMB * MB,
      options.overlap,
    );
    if (options.syncBatchNorm) this.#restoreBatchNorm = convertSyncBatchNorm(module, group);
  }

  /**
   * Wraps a model for data-parallel training: checks that every rank built the same model
   * (names, shapes, dtypes, memory layout), then copies rank 0's parameters and buffers to all.
   * Move the model to its device / memory format before wrapping it.
   */
  static async create<I extends unknown[], O>(module: Module<I, O>, options: DDPOptions = {}): Promise<DistributedDataParallel<I, O>> {
    const group = options.group ?? defaultGroup();
    const full = {
      bucketCapMB: options.bucketCapMB ?? 25,
      firstBucketMB: options.firstBucketMB ?? 1,
      overlap: options.overlap ?? false,
      broadcastBuffers: options.broadcastBuffers ?? true,
      syncBatchNorm: options.syncBatchNorm ?? false,
    };
    for (const key of ['bucketCapMB', 'firstBucketMB'] as const) {
      if (!(full[key] > 0 && Number.isFinite(full[key]))) throw new Error(`DistributedDataParallel: ${key} ${full[key]}, expected a positive number`);
    }
    await checkSameModel(module, group);
    const state = [...module.parameters(), ...module.buffers()];
    if (group.worldSize > 1 && state.length > 0) await group.broadcast(state, 0);
    return new DistributedDataParallel(module, group, full);
  }

  /** The wrapped module's forward. */
  forward(...inputs: In): Out {
    return this.module.forward(...inputs);
  }

  /** loss.backward(), then synchronize(). */
  async backward(loss: Tensor): Promise<void> {
    loss.backward();
    await this.synchronize();
  }

  /**
   * Averages the gradients over the ranks (call it after backward, before the optimizer step)
   * and, with broadcastBuffers, gives every rank rank 0's buffers. A parameter without a
   * gradient on any rank keeps none; one used on some ranks only gets the average (zeros count
   * for the others).
   */
  async synchronize(): Promise<void> {
    const reducer = this.#live();
    const pending = [distAddon().reducerFinish(reducer)];
    const buffers = this.options.broadcastBuffers ? this.module.buffers() : [];
    if (buffers.length > 0 && this.group.worldSize > 1) pending.push(this.group.broadcast(buffers, 0));
    await Promise.all(pending);
  }

  /**
   * Runs fn (forwards and backwards) without reducing gradients, e.g. to accumulate several
   * micro-batches; the next synchronized step reduces the accumulated gradients.
   */
  noSync<T>(fn: () => T): T {
    const reducer = this.#live();
    const addon = distAddon();
    addon.reducerSetEnabled(reducer, false);
    try {
      const result = fn();
      if (result instanceof Promise) throw new TypeError('noSync(fn): fn must be synchronous');
      return result;
    } finally {
      addon.reducerSetEnabled(reducer, true);
    }
  }

  /** Parameter names of each gradient bucket, in the order they are reduced. */
  buckets(): string[][] {
    return distAddon()
      .reducerBuckets(this.#live())
      .map((b) => b.map((i) => this.#params[i]![0]));
  }

  /** Steps reduced so far, and how many buckets started their all-reduce during backward (overlap). */
  stats(): { steps: number; bucketsStartedInBackward: number } {
    return distAddon().reducerStats(this.#live());
  }

  /** Removes the hooks (and SyncBatchNorm); the module stays usable on its own. */
  destroy(): void {
    if (this.#reducer === null) return;
    distAddon().reducerDestroy(this.#reducer);
    this.#reducer = null;
    this.#restoreBatchNorm?.();
    this.#restoreBatchNorm = null;
  }

  #live(): ReducerHandle {
    if (this.#reducer === null) throw new Error('DistributedDataParallel: destroyed');
    return this.#reducer;
  }
}

/**
 * Throws on every rank when the ranks' models differ: a hash of each parameter's and buffer's
 * name, shape, strides and dtype, compared through one all-reduce of (max, -min).
 */
async function checkSameModel(module: Module<any, any>, group: ProcessGroup): Promise<void> {
  if (group.worldSize === 1) return;
  const parts: string[] = [];
  for (const [name, t] of module.namedParameters()) parts.push(`p:${name}:${t.shape}:${t.strides}:${t.dtype}:${t.requiresGrad}`);
  for (const [name, t] of module.namedBuffers()) parts.push(`b:${name}:${t.shape}:${t.strides}:${t.dtype}`);
  const h = fnv1a(parts.join('|'));
  const probe = tensor([h, -h], { dtype: 'float64' });
  try {
    await group.allReduce(probe, 'max');
    const [max, negMin] = probe.data() as Float64Array;
    if (max !== -negMin!) {
      throw new Error(
        `DistributedDataParallel: rank ${group.rank}: the ranks' models differ (parameter or buffer names, shapes, dtypes or memory formats); every rank must build the same model`,
      );
    }
  } finally {
    probe.dispose();
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

