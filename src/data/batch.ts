// Loading samples and stacking them into batch arrays: the work a loader worker does, and the
// in-process loader too, so both give identical batches. No tensors here: workers run without
// the native addon.
import { SampleCache, type CacheStats } from './cache.js';
import type { Dataset } from './datasets/types.js';
import { finish, prepare, type PipelineContext, type ProcessedSample } from './transforms/pipeline.js';
import { mixSeed, Rng } from './transforms/random.js';
import type { PreprocessSpec } from './transforms/spec.js';

/** A batch as plain arrays, ready to move between threads (transfer the buffers) and become tensors. */
export interface BatchArrays {
  names: string[];
  /** Dataset indices of the samples, in batch order. */
  indices: number[];
  /** [N, C, H, W] */
  shape: [number, number, number, number];
  /** (N, C, H, W) float32 */
  images: Float32Array;
  /** (N, H, W) class indices, or null for image-only data. */
  labels: Int32Array | null;
  /** Whole-image classes (MNIST digits) when the dataset has them. */
  classIndices: Int32Array | null;
}

/** Turns dataset indices into processed samples: cache or decode + prepare, then the seeded finish. */
export class SampleSource {
  readonly dataset: Dataset;
  readonly spec: PreprocessSpec;
  readonly cache: SampleCache | undefined;
  private readonly ctx: PipelineContext;
  private readonly seed: number;

  constructor(dataset: Dataset, spec: PreprocessSpec, seed: number, cacheDir?: string | null) {
    this.dataset = dataset;
    this.spec = spec;
    this.seed = seed;
    this.ctx = { ignoreIndex: dataset.ignoreIndex };
    this.cache = cacheDir ? new SampleCache(cacheDir, dataset, spec) : undefined;
  }

  /** Sample i as the model sees it in `epoch` (augmentation drawn from (seed, epoch, i) only). */
  async load(i: number, epoch: number): Promise<ProcessedSample> {
    try {
      const prepared = this.cache ? await this.cache.get(i) : prepare(await this.dataset.get(i), this.spec, this.ctx);
      const rng = this.spec.augment ? new Rng(mixSeed(this.seed, epoch, i)) : undefined;
      return finish(prepared, this.spec, this.ctx, rng);
    } catch (e) {
      // Decoding errors name their file already; preprocessing errors (a normalisation that
      // does not fit the channels, ...) would otherwise reach the user without it.
      const sources = this.dataset.sources(i);
      const where = sources[0] ?? this.dataset.name(i);
      if (e instanceof Error && ![where, ...sources].some((s) => e.message.includes(s))) e.message = `${where}: ${e.message}`;
      throw e;
    }
  }

  /** Loads and stacks the samples of one batch. */
  async batch(indices: readonly number[], epoch: number): Promise<BatchArrays> {
    const samples = await Promise.all(indices.map((i) => this.load(i, epoch)));
    return collate(samples, indices);
  }

  /** Cache counters so far (zeros without a cache). */
  cacheStats(): CacheStats {
    return this.cache ? { ...this.cache.stats } : { hits: 0, misses: 0, corrupt: 0, writes: 0 };
  }
}

/** Stacks processed samples; all must share size and channels (resize, pad or crop otherwise). */
export function collate(samples: readonly ProcessedSample[], indices: readonly number[]): BatchArrays {
  if (samples.length === 0) throw new Error('collate: empty batch');
  const first = samples[0]!;
  const { channels: c, height: h, width: w } = first;
  const n = samples.length;
  const withLabels = first.label !== null;
  const images = new Float32Array(n * c * h * w);
  const labels = withLabels ? new Int32Array(n * h * w) : null;
  const withClasses = first.classIndex !== undefined;
  const classIndices = withClasses ? new Int32Array(n) : null;
  samples.forEach((s, k) => {
    if (s.channels !== c || s.height !== h || s.width !== w) {
      throw new Error(
        `collate: sample ${s.name} is ${s.channels}x${s.height}x${s.width} (CxHxW) but ${first.name} is ${c}x${h}x${w}; ` +
          'samples of a batch must match: add resize, pad or augment.crop to the preprocess spec, or use batchSize 1',
      );
    }
    if ((s.label !== null) !== withLabels) throw new Error(`collate: sample ${s.name} ${withLabels ? 'has no' : 'has a'} label map unlike ${first.name}`);
    images.set(s.image, k * c * h * w);
    if (labels) labels.set(s.label!, k * h * w);
    if (classIndices) classIndices[k] = s.classIndex ?? -1;
  });
  return { names: samples.map((s) => s.name), indices: [...indices], shape: [n, c, h, w], images, labels, classIndices };
}
