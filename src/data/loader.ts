// Batches for training: seeded shuffling (a different order every epoch, the same order for
// the same (seed, epoch), so a resumed run sees exactly the batches it would have), stacking,
// and prefetch in worker threads that decode and augment while the main thread computes.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { tensor, type Tensor } from '../torch/index.js';
import { SampleSource, type BatchArrays } from './batch.js';
import type { CacheStats } from './cache.js';
import { openDataset } from './datasets/open.js';
import type { Dataset, DatasetSpec } from './datasets/types.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './loader-worker.js';
import { permutation } from './transforms/random.js';
import { maxImagePixels } from '../image/limits.js';
import { validatePreprocess, type PreprocessSpec } from './transforms/spec.js';

export interface LoaderOptions {
  /** Default 1. */
  batchSize?: number;
  /** Shuffle every epoch (seeded by (seed, epoch)); default false. */
  shuffle?: boolean;
  /** Seeds shuffling and augmentation; default 0. */
  seed?: number;
  /** Preprocessing, augmentation included when it has an `augment` part. Default: normalise to 0..1. */
  preprocess?: PreprocessSpec;
  /** Worker threads; 0 loads in the calling thread (tests, debugging). Default: min(2, cores - 1). */
  workers?: number;
  /** Batches requested ahead of the one being consumed; default 2 per worker (1 with workers 0). */
  prefetch?: number;
  /** Drop a last batch smaller than batchSize; default false. */
  dropLast?: boolean;
  /** Folder of the on-disk sample cache (see SampleCache); default none. */
  cacheDir?: string | null;
  /**
   * The dataset indices of an epoch in order, given the epoch and the dataset's length; replaces
   * `shuffle`. A distributed run passes each process its shard here (train/distributed.ts).
   */
  indices?: EpochIndices | null;
}

/** The dataset indices of one epoch, in order (every epoch the same length). */
export type EpochIndices = (epoch: number, size: number) => readonly number[];

/** One batch; dispose it (or `using` it) when done. */
export interface Batch {
  /** float32 (N, C, H, W) */
  images: Tensor;
  /** int64 (N, H, W), or null for image-only datasets. */
  labels: Tensor | null;
  names: string[];
  /** Dataset indices in batch order. */
  indices: number[];
  /** Whole-image classes (MNIST digits) or null. */
  classIndices: number[] | null;
  epoch: number;
  /** Position of this batch in its epoch. */
  batch: number;
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Batches of a dataset, as an async iterator.
 * @example
 *   const loader = new DataLoader(dataset, { batchSize: 8, shuffle: true, workers: 2, preprocess: { resize: { width: 256, height: 256 } } });
 *   for await (const batch of loader.epoch(0)) { using _ = batch; train(batch.images, batch.labels!); }
 *   await loader.close();
 */
export class DataLoader implements AsyncIterable<Batch> {
  readonly options: Readonly<Required<Omit<LoaderOptions, 'cacheDir' | 'indices'>>> & { cacheDir: string | null; indices: EpochIndices | null };
  /** The epoch the next `for await` runs; advances after each complete pass. */
  epochCounter = 0;
  private readonly input: DatasetSpec | Dataset;
  private opened: Promise<Dataset> | undefined;
  private data: Dataset | undefined;
  private pool: WorkerPool | undefined;
  private local: SampleSource | undefined;
  private readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0 };

  constructor(dataset: DatasetSpec | Dataset, options: LoaderOptions = {}) {
    const batchSize = options.batchSize ?? 1;
    const workers = options.workers ?? Math.max(0, Math.min(2, availableParallelism() - 1));
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader: batchSize ${batchSize}, expected a positive integer`);
    if (!Number.isInteger(workers) || workers < 0) throw new Error(`DataLoader: workers ${workers}, expected a non-negative integer`);
    const prefetch = options.prefetch ?? Math.max(1, 2 * workers);
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new Error(`DataLoader: prefetch ${prefetch}, expected a positive integer`);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`DataLoader: seed ${seed}, expected an integer`);
    this.options = {
      batchSize,
      shuffle: options.shuffle ?? false,
      seed,
      preprocess: validatePreprocess(options.preprocess ?? {}),
      workers,
      prefetch,
      dropLast: options.dropLast ?? false,
      cacheDir: options.cacheDir ?? null,
      indices: options.indices ?? null,
    };
    this.input = dataset;
  }

  /** Opens the dataset (and starts the workers); awaited implicitly by iteration. */
  async ready(): Promise<Dataset> {
    this.opened ??= (async () => {
      const input = this.input;
      const dataset = 'get' in input && typeof input.get === 'function' ? input : await openDataset(input as DatasetSpec);
      this.data = dataset;
      if (this.options.workers > 0) {
        this.pool = new WorkerPool(this.options.workers, {
          dataset: dataset.spec,
          preprocess: this.options.preprocess,
          seed: this.options.seed,
          cacheDir: this.options.cacheDir,
          // The pixel limit is a per-thread setting: the workers get this thread's.
          maxImagePixels: maxImagePixels(),
        });
      } else {
        this.local = new SampleSource(dataset, this.options.preprocess, this.options.seed, this.options.cacheDir);
      }
      return dataset;
    })();
    return this.opened;
  }

  /** The opened dataset (after ready()). */
  get dataset(): Dataset {
    if (!this.data) throw new Error('DataLoader: dataset not opened yet; await loader.ready() first');
    return this.data;
  }

  /** Batches per epoch (after ready()). */
  get length(): number {
    const n = this.options.indices ? this.#order(0).length : this.dataset.length;
    const b = this.options.batchSize;
    return this.options.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  /** The dataset indices of every batch of an epoch, in order. */
  plan(epoch: number): number[][] {
    const order = this.#order(epoch);
    const n = order.length;
    const out: number[][] = [];
    for (let s = 0; s < n; s += this.options.batchSize) {
      const chunk = order.slice(s, s + this.options.batchSize);
      if (chunk.length < this.options.batchSize && this.options.dropLast) break;
      out.push(chunk);
    }
    return out;
  }

  /** The dataset indices of an epoch, in order. */
  #order(epoch: number): readonly number[] {
    const n = this.dataset.length;
    if (this.options.indices) {
      const order = this.options.indices(epoch, n);
      const bad = order.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
      if (bad !== undefined) throw new Error(`DataLoader: the indices option gave index ${bad} for a dataset of ${n} samples`);
      return order;
    }
    return this.options.shuffle ? permutation(n, this.options.seed, epoch) : Array.from({ length: n }, (_, i) => i);
  }

  /** Runs the next epoch (epochCounter), then advances the counter. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    const epoch = this.epochCounter;
    yield* this.epoch(epoch);
    this.epochCounter = epoch + 1;
  }

  /** The batches of one epoch, from `startBatch` on (exact resume after an interruption). */
  async *epoch(epoch: number, options: { startBatch?: number } = {}): AsyncGenerator<Batch> {
    await this.ready();
    const plan = this.plan(epoch);
    const start = options.startBatch ?? 0;
    if (!Number.isInteger(start) || start < 0 || start > plan.length) throw new Error(`DataLoader: startBatch ${start}, expected 0..${plan.length}`);
    const pending = new Map<number, Promise<BatchArrays>>();
    let next = start;
    const launch = () => {
      while (next < plan.length && pending.size < this.options.prefetch) {
        const promise = this.load(plan[next]!, epoch);
        // Marked handled now; awaited (and so rethrown) when its turn comes.
        promise.catch(() => undefined);
        pending.set(next++, promise);
      }
    };
    for (let b = start; b < plan.length; b++) {
      launch();
      const arrays = await pending.get(b)!;
      pending.delete(b);
      launch();
      yield toBatch(arrays, epoch, b);
    }
  }

  /** Cache counters summed over all workers so far. */
  cacheStats(): CacheStats {
    return this.local ? this.local.cacheStats() : { ...this.stats };
  }

  /** Stops the workers. The loader can't be iterated afterwards. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async load(indices: number[], epoch: number): Promise<BatchArrays> {
    if (this.local) return this.local.batch(indices, epoch);
    if (!this.pool) throw new Error('DataLoader: closed');
    const { batch, cache } = await this.pool.run(indices, epoch);
    this.stats.hits += cache.hits;
    this.stats.misses += cache.misses;
    this.stats.corrupt += cache.corrupt;
    this.stats.writes += cache.writes;
    return batch;
  }
}

/** Batch arrays to tensors (one copy into native memory). */
export function toBatch(arrays: BatchArrays, epoch = 0, batch = 0): Batch {
  const [n, , h, w] = arrays.shape;
  const images = tensor(arrays.images, { shape: arrays.shape });
  let labels: Tensor | null = null;
  try {
    labels = arrays.labels ? tensor(arrays.labels, { shape: [n, h, w], dtype: 'int64' }) : null;
  } catch (e) {
    images.dispose();
    throw e;
  }
  const dispose = () => {
    images.dispose();
    labels?.dispose();
  };
  return {
    images,
    labels,
    names: arrays.names,
    indices: arrays.indices,
    classIndices: arrays.classIndices ? Array.from(arrays.classIndices) : null,
    epoch,
    batch,
    dispose,
    [Symbol.dispose]: dispose,
  };
}

interface Task {
  resolve: (reply: { batch: BatchArrays; cache: CacheStats }) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  tasks: Map<number, Task>;
  /** Requests sent or waiting for the worker to be ready; the worker is referenced while > 0. */
  busy: number;
  dead: Error | null;
  ready: Promise<void>;
  /** Settles when the worker thread has exited, however it ended. */
  exited: Promise<void>;
}

/** How long close() waits for a worker to finish its current batch before terminating it. */
const STOP_GRACE_MS = 10_000;

// Workers are referenced only while they have work, so an idle loader never keeps the process alive.
class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closing = false;

  constructor(count: number, init: WorkerInit) {
    const url = new URL('./loader-worker.js', import.meta.url);
    for (let k = 0; k < count; k++) {
      const worker = new Worker(url, { workerData: init });
      let markReady!: () => void;
      let markFailed!: (e: Error) => void;
      const ready = new Promise<void>((res, rej) => {
        markReady = res;
        markFailed = rej;
      });
      ready.catch(() => undefined);
      const exited = new Promise<void>((res) => worker.once('exit', () => res()));
      const slot: Slot = { worker, tasks: new Map(), busy: 0, dead: null, ready, exited };
      const fail = (e: Error) => {
        slot.dead ??= e;
        markFailed(slot.dead);
        for (const t of slot.tasks.values()) t.reject(slot.dead);
        slot.tasks.clear();
        worker.unref();
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') return markReady();
        if (reply.type === 'fatal') return fail(new Error(`DataLoader worker: ${reply.message}`));
        const task = slot.tasks.get(reply.id);
        if (!task) return;
        slot.tasks.delete(reply.id);
        if (reply.type === 'batch') task.resolve({ batch: reply.batch, cache: reply.cache });
        else task.reject(new Error(reply.message));
      });
      worker.on('error', (e) => fail(e));
      worker.on('exit', (code) => fail(new Error(`DataLoader worker exited (code ${code})`)));
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** Sends a batch to the least busy live worker. */
  async run(indices: number[], epoch: number): Promise<{ batch: BatchArrays; cache: CacheStats }> {
    const live = this.slots.filter((w) => !w.dead);
    if (live.length === 0) throw this.slots[0]?.dead ?? new Error('DataLoader: no workers');
    const slot = live.reduce((a, b) => (b.busy < a.busy ? b : a));
    if (slot.busy++ === 0) slot.worker.ref();
    try {
      await slot.ready;
      if (slot.dead) throw slot.dead;
      const id = this.nextId++;
      return await new Promise((resolve, reject) => {
        slot.tasks.set(id, { resolve, reject });
        slot.worker.postMessage({ id, indices, epoch } satisfies WorkerRequest);
      });
    } finally {
      // Once closing, a reply that arrives while the worker stops must not unreference it (see close).
      if (--slot.busy === 0 && !this.closing) slot.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.dead ??= new Error('DataLoader: closed');
        // Referenced until it has exited: a worker that is stopping announces its exit through
        // an unreferenced callback, so with nothing else keeping the event loop alive this await
        // would never settle and Node would quit with code 13, the caller's error unprinted.
        slot.worker.ref();
        // Asked to stop, a worker finishes the batch it is making and exits. terminate() is
        // only the fallback: stopping a thread in the middle of a decode can abort the whole
        // process (Node 20 asserts when a zlib stream is torn down before its init finished).
        slot.worker.postMessage({ stop: true } satisfies WorkerRequest);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((res) => {
          timer = setTimeout(() => void slot.worker.terminate().then(() => res()), STOP_GRACE_MS);
        });
        await Promise.race([slot.exited, late]);
        clearTimeout(timer);
        await slot.exited;
      }),
    );
  }
}
