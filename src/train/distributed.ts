// A training run as one rank of a data-parallel group (c10d/Gloo): the model wrapped in
// DistributedDataParallel, each epoch's samples sharded by the DistributedSampler over the
// loader's own shuffled order (so N ranks x batch B see the batches of one process x N*B),
// validation sharded without repeats and its counts summed, one small all-reduce per step for
// the global loss and a common decision to stop, and the resume checkpoint sent from rank 0.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { tensor, zeros } from '../torch/index.js';
import type { EpochIndices } from '../data/loader.js';
import { permutation } from '../data/transforms/random.js';
import type { ZooModel } from '../models/contract.js';
import { DistributedDataParallel, DistributedSampler, defaultGroup, init, isInitialized, type InitOptions, type ProcessGroup } from '../distributed/index.js';
import { SINGLE_PROCESS, type DataParallel, type StepAgreement } from './parallel.js';

/** How a training run takes part in data-parallel training (TrainRunOptions.distributed). */
export interface DistributedTrainingOptions {
  /** A process group already joined; default the default group, joined here when there is none. */
  group?: ProcessGroup;
  /** How to join (rank, world size, rendezvous, timeout in seconds); default torchrun's environment. */
  init?: InitOptions;
  /** Reduce gradient buckets while backward runs (DDPOptions.overlap; default false). */
  overlap?: boolean;
  /** Gradient bucket size in MB (default 25). */
  bucketCapMB?: number;
}

/** Bytes per broadcast when a file travels from rank 0. */
const FILE_CHUNK = 64 * 1024 * 1024;

class DistributedRun implements DataParallel {
  readonly group: ProcessGroup;
  readonly rank: number;
  readonly worldSize: number;
  readonly writes: boolean;
  readonly combine: (totals: Float64Array) => Promise<void>;
  readonly #ownsGroup: boolean;
  readonly #options: DistributedTrainingOptions;
  #ddp: DistributedDataParallel<any, any> | null = null;

  constructor(group: ProcessGroup, ownsGroup: boolean, options: DistributedTrainingOptions) {
    this.group = group;
    this.rank = group.rank;
    this.worldSize = group.worldSize;
    this.writes = group.rank === 0;
    this.#ownsGroup = ownsGroup;
    this.#options = options;
    this.combine = async (totals) => {
      const t = tensor(totals);
      try {
        await group.allReduce(t, 'sum');
        totals.set(t.data() as Float64Array);
      } finally {
        t.dispose();
      }
    };
  }

  // Padded shards of the loader's permutation: interleaved, they are the one-process order.
  trainIndices(seed: number): EpochIndices {
    return this.#shards({ seed, order: permutation, pad: true, shuffle: true });
  }

  // Uneven shards holding every sample once, so the summed counts count each image once.
  valIndices(): EpochIndices {
    return this.#shards({ pad: false, shuffle: false });
  }

  #shards(options: { seed?: number; order?: typeof permutation; pad: boolean; shuffle: boolean }): EpochIndices {
    let sampler: DistributedSampler | null = null;
    return (epoch, size) => {
      if (sampler?.length !== size) sampler = new DistributedSampler(size, { ...options, rank: this.rank, worldSize: this.worldSize });
      return sampler.indices(epoch);
    };
  }

  async wrap(model: ZooModel, options: { syncBatchNorm: boolean }): Promise<void> {
    if (this.#ddp) throw new Error('distributed training: the model is already wrapped');
    this.#ddp = await DistributedDataParallel.create(model, {
      group: this.group,
      syncBatchNorm: options.syncBatchNorm,
      overlap: this.#options.overlap ?? false,
      ...(this.#options.bucketCapMB !== undefined ? { bucketCapMB: this.#options.bucketCapMB } : {}),
    });
  }

  async syncGradients(): Promise<void> {
    if (!this.#ddp) throw new Error('distributed training: wrap() the model before training it');
    await this.#ddp.synchronize();
  }

  async agree(loss: number, interrupt: boolean, budget: boolean): Promise<StepAgreement> {
    const t = tensor([loss, interrupt ? 1 : 0, budget ? 1 : 0], { dtype: 'float64' });
    try {
      await this.group.allReduce(t, 'sum');
      const [sum, stops, budgets] = t.data() as Float64Array;
      return { loss: sum! / this.worldSize, interrupt: stops! > 0, budget: budgets! > 0 };
    } finally {
      t.dispose();
    }
  }

  barrier(): Promise<void> {
    return this.group.barrier();
  }

  /**
   * Ranks on rank 0's host read the file itself; when the group spans hosts, rank 0 sends it to
   * the others (a temporary copy), so resuming needs the run folder on rank 0's host only.
   */
  async shareFile(path: string, check: (path: string) => void): Promise<{ path: string; remove(): void }> {
    const oneHost = this.group.localWorldSize === this.worldSize;
    const head = tensor([-1], { dtype: 'float64' });
    let failure: unknown = null;
    try {
      if (this.rank === 0) {
        try {
          check(path);
          head.fill_(statSync(path).size);
        } catch (err) {
          failure = err;
        }
      }
      // Every rank learns whether rank 0 can read the file, so none waits for it in vain.
      await this.group.broadcast(head, 0);
      if (failure) throw failure;
      const size = (head.data() as Float64Array)[0]!;
      if (size < 0) throw new Error(`rank ${this.rank}: rank 0 could not read ${path}`);
      if (oneHost) return { path, remove: () => undefined };
      return await this.#sendFile(path, size);
    } finally {
      head.dispose();
    }
  }

  async #sendFile(path: string, size: number): Promise<{ path: string; remove(): void }> {
    const root = this.rank === 0;
    const dir = root ? null : mkdtempSync(join(tmpdir(), 'pixelwise-resume-'));
    const target = dir ? join(dir, basename(path)) : path;
    const fd = openSync(target, root ? 'r' : 'w');
    try {
      for (let offset = 0; offset < size; offset += FILE_CHUNK) {
        const n = Math.min(FILE_CHUNK, size - offset);
        const chunk = root ? readChunk(fd, offset, n) : zeros([n], { dtype: 'uint8' });
        try {
          await this.group.broadcast(chunk, 0);
          if (!root) writeSync(fd, chunk.data() as Uint8Array);
        } finally {
          chunk.dispose();
        }
      }
    } catch (err) {
      if (dir) rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      closeSync(fd);
    }
    return { path: target, remove: () => dir && rmSync(dir, { recursive: true, force: true }) };
  }

  close(): void {
    this.#ddp?.destroy();
    this.#ddp = null;
    if (this.#ownsGroup) this.group.destroy();
  }
}

function readChunk(fd: number, offset: number, n: number): ReturnType<typeof tensor> {
  const buf = new Uint8Array(n);
  for (let got = 0; got < n; ) {
    const r = readSync(fd, buf, got, n - got, offset + got);
    if (r === 0) throw new Error(`the file shrank while it was being sent (${offset + got} of ${offset + n} bytes)`);
    got += r;
  }
  return tensor(buf);
}

/**
 * The processes a run trains on: this one alone (no options), or this one as a rank of the
 * default process group (joined here from `init` or torchrun's environment unless `group` is given).
 */
export async function startParallel(spec: DistributedTrainingOptions | boolean | null | undefined): Promise<DataParallel> {
  if (!spec) return SINGLE_PROCESS;
  const o = spec === true ? {} : spec;
  if (o.group) return new DistributedRun(o.group, false, o);
  if (isInitialized()) return new DistributedRun(defaultGroup(), false, o);
  return new DistributedRun(await init(o.init ?? {}), true, o);
}
