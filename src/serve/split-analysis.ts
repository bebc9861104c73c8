// A model over a data split as the inspector shows it: each image at the training size (the
// checkpoint's evaluation preprocessing, as `pixelwise eval` scores it), its ground truth, the
// predicted class per pixel and, for one-output (binary) models, the foreground probability
// in 8 bits. Per image a confusion matrix (for its mIoU and the images behind a matrix cell);
// over the split the SplitScores accumulator eval uses, so the table and matrix equal
// `eval --json`'s. Predictions are computed on demand and kept in memory (never in the run).
import { noGrad, tensor, tidy } from '../torch/index.js';
import type { Dataset } from '../data/datasets/types.js';
import { finish, prepare } from '../data/transforms/pipeline.js';
import type { Predictor } from '../infer/predictor.js';
import { predictLabels } from '../train/objective.js';
import { ConfusionMatrix } from '../metrics/confusion.js';
import { meanIoU } from '../metrics/scores.js';
import { SplitScores } from '../metrics/split-scores.js';
import type { Summary } from '../metrics/scores.js';
import type { BinaryDetails } from '../metrics/split-scores.js';

/** One image of the split as the browser gets it: pixels and masks at the training size. */
export interface SampleView {
  index: number;
  name: string;
  width: number;
  height: number;
  /** RGBA, row-major (what a canvas ImageData holds). */
  rgba: Uint8Array;
  /** True class per pixel (ignored pixels keep the ignore index), or null for unlabelled data. */
  truth: Uint8Array | null;
  /** Predicted class per pixel. */
  prediction: Uint8Array;
  /** Binary models: round(255 * foreground probability) per pixel; else null. */
  probability: Uint8Array | null;
}

/** What one image contributes to the scores. */
export interface ImageScore {
  index: number;
  name: string;
  /** nanmean of the image's per-class IoU (null when undefined). */
  meanIoU: number | null;
  /** Its confusion counts, row-major (rows = truth). */
  counts: Float64Array;
}

export interface SplitProgress {
  done: number;
  total: number;
  summary: Summary | null;
  binary: BinaryDetails | null;
}

/** A model's view of a split; predictions on demand, the split's scores by `scoreAll`. */
export class SplitAnalysis {
  readonly predictor: Predictor;
  readonly dataset: Dataset;
  readonly numClasses: number;
  readonly ignoreIndex: number | null;
  readonly binary: boolean;
  readonly threshold: number;
  readonly #views = new Map<number, SampleView>();
  #viewBytes = 0;
  readonly #maxViewBytes: number;
  readonly #scores = new Map<number, ImageScore>();
  #split: SplitScores | null = null;
  #result: { summary: Summary; binary: BinaryDetails | null } | null = null;
  #running: Promise<void> | null = null;

  constructor(predictor: Predictor, dataset: Dataset, o: { threshold?: number; maxCacheBytes?: number } = {}) {
    if (predictor.contract.task !== 'segmentation') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${predictor.contract.task}) model; predictions need a segmentation model`);
    const names = predictor.classes.names;
    if (names.length !== dataset.numClasses) {
      throw new Error(`${predictor.source} was trained on ${names.length} classes (${names.join(', ')}); the data has ${dataset.numClasses} (${dataset.classNames.join(', ')})`);
    }
    if (dataset.numClasses > 255) throw new Error(`the data has ${dataset.numClasses} classes; the inspector sends masks as 8-bit class indices (at most 255 classes)`);
    this.predictor = predictor;
    this.dataset = dataset;
    this.numClasses = dataset.numClasses;
    this.ignoreIndex = dataset.ignoreIndex ?? predictor.classes.ignoreIndex ?? null;
    this.binary = predictor.model.numClasses === 1;
    this.threshold = o.threshold ?? 0.5;
    this.#maxViewBytes = o.maxCacheBytes ?? 256 * 2 ** 20;
  }

  /** Image i with its truth and prediction (computed once, then from memory while it fits). */
  async view(i: number): Promise<SampleView> {
    const cached = this.#views.get(i);
    if (cached) return cached;
    const view = await this.#compute(i);
    this.#remember(view);
    return view;
  }

  /** Image i's score (computing its prediction if needed). */
  async score(i: number): Promise<ImageScore> {
    const known = this.#scores.get(i);
    if (known) return known;
    await this.view(i);
    return this.#scores.get(i)!;
  }

  /** Scores the whole split once, in order (later calls return the same run); yields between images. */
  scoreAll(): Promise<void> {
    this.#running ??= (async () => {
      const split = new SplitScores({ numClasses: this.numClasses, classNames: this.dataset.classNames, ignoreIndex: this.ignoreIndex, threshold: this.threshold, binaryDetails: this.binary });
      this.#split = split;
      for (let i = 0; i < this.dataset.length; i++) {
        await this.#scoreInto(i, split);
        await new Promise((ok) => setImmediate(ok));
      }
      this.#result = split.result();
    })();
    return this.#running;
  }

  /** How far `scoreAll` is, and its result once done. */
  progress(): SplitProgress {
    return { done: this.#scores.size, total: this.dataset.length, summary: this.#result?.summary ?? null, binary: this.#result?.binary ?? null };
  }

  /** Per-image scores computed so far, in index order. */
  imageScores(): ImageScore[] {
    return [...this.#scores.values()].sort((a, b) => a.index - b.index);
  }

  /** Images with pixels of class `truth` predicted as `predicted`, most such pixels first. */
  cellImages(truth: number, predicted: number): { index: number; name: string; pixels: number }[] {
    const c = this.numClasses;
    return this.imageScores()
      .map((s) => ({ index: s.index, name: s.name, pixels: s.counts[truth * c + predicted]! }))
      .filter((s) => s.pixels > 0)
      .sort((a, b) => b.pixels - a.pixels || a.index - b.index);
  }

  // scoreAll adds each image's tensors to the split accumulator as eval's loop does (batch size 1).
  async #scoreInto(i: number, split: SplitScores): Promise<void> {
    const view = this.#views.get(i);
    if (view && this.#scores.has(i) && !this.binary) {
      const w = view.width, h = view.height;
      tidy(() => split.add(tensor(Int32Array.from(view.prediction), { shape: [1, h, w], dtype: 'int64' }), tensor(Int32Array.from(view.truth!), { shape: [1, h, w], dtype: 'int64' })));
      return;
    }
    this.#remember(await this.#compute(i, split));
  }

  /** The model's input for image i (1, C, H, W): the evaluation preprocessing at the training size. */
  async input(i: number): Promise<{ data: Float32Array; shape: [number, number, number, number] }> {
    const { ready } = await this.#prepare(i);
    return { data: Float32Array.from(ready.image), shape: [1, ready.channels, ready.height, ready.width] };
  }

  async #prepare(i: number) {
    if (!Number.isInteger(i) || i < 0 || i >= this.dataset.length) throw new RangeError(`image ${i} is outside 0..${this.dataset.length - 1}`);
    const sample = await this.dataset.get(i);
    const ctx = { ignoreIndex: this.ignoreIndex };
    const prepared = prepare(sample, this.predictor.preprocess, ctx);
    return { sample, prepared, ready: finish(prepared, this.predictor.preprocess, ctx) };
  }

  async #compute(i: number, split?: SplitScores): Promise<SampleView> {
    const { sample, prepared, ready } = await this.#prepare(i);
    const { width, height, channels } = ready;
    const n = width * height;
    const device = this.predictor.device;
    const out = noGrad(() =>
      tidy(() => {
        const input = tensor(ready.image, { shape: [1, channels, height, width] });
        let logits = this.predictor.model.forward(device === 'cpu' ? input : input.to({ device }));
        if (device !== 'cpu') logits = logits.to({ device: 'cpu' });
        const predicted = predictLabels(logits, this.threshold);
        const foreground = this.binary ? logits.squeeze(1).sigmoid() : null;
        if (split && ready.label) split.add(predicted, tensor(ready.label, { shape: [1, height, width], dtype: 'int64' }), foreground ?? undefined);
        return {
          prediction: Uint8Array.from(predicted.to({ dtype: 'int32' }).data() as Int32Array),
          probability: foreground ? Uint8Array.from(foreground.data() as Float32Array, (p) => Math.round(p * 255)) : null,
        };
      }),
    );
    const truth = ready.label ? Uint8Array.from(ready.label) : null;
    if (!this.#scores.has(i) && ready.label) {
      const cm = new ConfusionMatrix(this.numClasses, { ignoreIndex: this.ignoreIndex });
      cm.update(Int32Array.from(out.prediction), ready.label);
      const miou = meanIoU(cm);
      this.#scores.set(i, { index: i, name: sample.name, meanIoU: Number.isFinite(miou) ? miou : null, counts: cm.counts() });
    }
    return { index: i, name: sample.name, width, height, rgba: toRgba(prepared.image, n), truth, prediction: out.prediction, probability: out.probability };
  }

  #remember(view: SampleView): void {
    const bytes = view.rgba.length + 3 * view.prediction.length;
    if (this.#views.has(view.index)) return;
    // Oldest first out: a Map iterates in insertion order.
    while (this.#viewBytes + bytes > this.#maxViewBytes && this.#views.size) {
      const [k, v] = this.#views.entries().next().value as [number, SampleView];
      this.#views.delete(k);
      this.#viewBytes -= v.rgba.length + 3 * v.prediction.length;
    }
    this.#views.set(view.index, view);
    this.#viewBytes += bytes;
  }
}

/** Channels-first pixels (8-bit, or float in 0..1 or 0..255) as RGBA for a canvas. */
function toRgba(image: { channels: number; data: Uint8Array | Float32Array }, n: number): Uint8Array {
  const { channels, data } = image;
  let scale = 1;
  if (!(data instanceof Uint8Array)) {
    let max = -Infinity;
    for (const v of data) if (v > max) max = v;
    scale = max <= 1 ? 255 : 1;
  }
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.max(0, Math.min(255, Math.round(data[(channels >= 3 ? c : 0) * n + i]! * scale)));
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
