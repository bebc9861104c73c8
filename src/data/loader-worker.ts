// A loader worker: opens the dataset from its spec, then turns batch requests into batch
// arrays and hands their buffers back by transfer (no copy). Runs without the native addon.
import { parentPort, workerData } from 'node:worker_threads';
import { SampleSource, type BatchArrays } from './batch.js';
import type { CacheStats } from './cache.js';
import { openDataset } from './datasets/open.js';
import type { DatasetSpec } from './datasets/types.js';
import type { PreprocessSpec } from './transforms/spec.js';
import { setMaxImagePixels } from '../image/limits.js';

/** What the loader passes to each worker at start. */
export interface WorkerInit {
  dataset: DatasetSpec;
  preprocess: PreprocessSpec;
  seed: number;
  cacheDir: string | null;
  /** The loading thread's image pixel limit (Infinity: none). */
  maxImagePixels: number;
}

/** A request: the dataset indices of one batch, or to stop after the batch in hand. */
export type WorkerRequest = { id: number; indices: number[]; epoch: number } | { stop: true };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { id: number; type: 'batch'; batch: BatchArrays; cache: CacheStats }
  | { id: number; type: 'error'; message: string };

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  setMaxImagePixels(init.maxImagePixels);
  let source: SampleSource | undefined;
  // Requests run one at a time, in arrival order.
  let queue: Promise<void> = openDataset(init.dataset).then(
    (dataset) => {
      source = new SampleSource(dataset, init.preprocess, init.seed, init.cacheDir);
      port.postMessage({ type: 'ready' } satisfies WorkerReply);
    },
    (e: Error) => port.postMessage({ type: 'fatal', message: e.message } satisfies WorkerReply),
  );
  let stopping = false;
  port.on('message', (request: WorkerRequest) => {
    if ('stop' in request) {
      // Batches still queued are skipped; closing the port lets the thread exit on its own.
      stopping = true;
      queue = queue.then(() => port.close());
      return;
    }
    queue = queue.then(async () => {
      if (!source || stopping) return;
      const before = source.cacheStats();
      try {
        const batch = await source.batch(request.indices, request.epoch);
        const after = source.cacheStats();
        const cache: CacheStats = {
          hits: after.hits - before.hits,
          misses: after.misses - before.misses,
          corrupt: after.corrupt - before.corrupt,
          writes: after.writes - before.writes,
        };
        const transfer: ArrayBuffer[] = [batch.images.buffer as ArrayBuffer];
        if (batch.labels) transfer.push(batch.labels.buffer as ArrayBuffer);
        port.postMessage({ id: request.id, type: 'batch', batch, cache } satisfies WorkerReply, transfer);
      } catch (e) {
        port.postMessage({ id: request.id, type: 'error', message: (e as Error).message ?? String(e) } satisfies WorkerReply);
      }
    });
  });
}
