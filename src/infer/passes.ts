// How an image goes through a segmentation model, whatever engine runs the network: the image
// planned and padded as training prepared it, split into sliding windows when asked, each window
// padded to what the model accepts and normalised, the windows' outputs blended and cropped
// back, and the label map taken from the probabilities. No tensors here: libtorch (predict.ts)
// and onnxruntime (onnx/runtime.ts) drive the same passes, so both give the same predictions.
// The passes are a generator: it yields each window's model input and receives that window's
// output, so a synchronous engine and an asynchronous one share every line of it.
import type { ChwImage, RawImage } from '../image/types.js';
import { checkImage, toChw } from '../image/convert.js';
import { resizeChw } from '../image/resize.js';
import { normalizeChw, resolveNormalization } from '../image/normalization.js';
import { padImage, type Padding } from '../data/transforms/pad.js';
import { cropImage } from '../data/transforms/geometry.js';
import { gridAlignment, planInput, windowPadding, type InputPlan, type PlanOptions, type PlanTarget, type ScaleMode } from './geometry.js';
import { axisStarts, axisWeights, checkTiling, defaultOverlap } from './tiles.js';

/** How to predict: the input plan's options (scale, padMode, name, fit), tiling and the binary threshold. */
export interface PredictOptions extends PlanOptions {
  /**
   * Sliding windows of this many model-input pixels for images larger than it (rounded down to
   * the model's grid: U-Net 2^depth, FCN 32); null/undefined: the whole image at once.
   */
  tile?: number | null;
  /** Pixels shared by neighbouring windows, at least (default a quarter of the tile; rounded up to the grid). */
  overlap?: number;
  /** One-output (binary) models: foreground where probability > threshold (default 0.5). */
  threshold?: number;
}

export interface Prediction {
  width: number;
  height: number;
  /** Class index per pixel, row-major, at the image's full resolution. */
  labels: Uint8Array | Uint16Array;
  /** C x H x W class probabilities, or H x W foreground probabilities for a one-output model. */
  probabilities: Float32Array;
  /** Planes in `probabilities`: the number of classes, or 1 for a one-output model. */
  planes: number;
  /** The class indices that occur in `labels`, ascending. */
  classesPresent: number[];
  /** The size the model ran at (before padding). */
  modelWidth: number;
  modelHeight: number;
}

/** C planes of H x W values, channels first. */
export interface Planes {
  data: Float32Array;
  channels: number;
}

/** What a pass asks the engine to run: the normalised input of one window, padded to what the model accepts. */
export interface WindowInput {
  input: ChwImage & { data: Float32Array };
  /** The padding around the window in `input`; the engine's output is cropped by it. */
  padding: Padding;
}

/**
 * What an engine answers: the model's output for `input` with the contract's output activation
 * applied (softmax over classes, sigmoid), at the input's size.
 */
export type WindowRun = (window: WindowInput) => Planes;

/** The image checked and planned, as the model's planes at run size with the training padding (not yet normalised). */
export function modelPlanes(target: PlanTarget, image: RawImage<Uint8Array | Float32Array>, options: PlanOptions): { planes: ChwImage; plan: InputPlan } {
  checkImage(image, options.name ?? 'image');
  const plan = planInput(target, image.width, image.height, options);
  let planes = toChw(image, target.contract.inChannels as 1 | 3);
  if (plan.resized) planes = resizeChw(planes, plan.runWidth, plan.runHeight, plan.resizeMode);
  return { planes: padImage(planes, plan.pad, plan.padMode, plan.padValue), plan };
}

/** One window of `planes` as the model's input: padded to a size the model accepts, normalised. */
export function windowInput(target: PlanTarget, planes: ChwImage, plan: InputPlan): WindowInput {
  const padding = windowPadding(target, planes.width, planes.height);
  const padded = padImage(planes, padding, plan.padMode, plan.padValue);
  return { input: normalizeChw(padded, resolveNormalization(target.preprocess.normalize)), padding };
}

/** Crops planes (C x H x W) to the rectangle at (left, top) of w x h. */
export function cropPlanes(data: Float32Array, channels: number, width: number, height: number, left: number, top: number, w: number, h: number): Float32Array {
  if (left === 0 && top === 0 && w === width && h === height) return data;
  const out = new Float32Array(channels * w * h);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * height + top + y) * width + left;
      out.set(data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return out;
}

/** Model output planes for one window: its input yielded to the engine, the answer cropped back to the window. */
function* window(target: PlanTarget, planes: ChwImage, plan: InputPlan): Generator<WindowInput, Planes, Planes> {
  const w = windowInput(target, planes, plan);
  const out = yield w;
  const { width, height } = w.input;
  if (out.data.length !== out.channels * width * height) {
    throw new Error(`${target.architecture} returned ${out.data.length} values for a ${height}x${width} (HxW) input; prediction expects outputs of the input's size`);
  }
  return { data: cropPlanes(out.data, out.channels, width, height, w.padding.left, w.padding.top, planes.width, planes.height), channels: out.channels };
}

/**
 * Output planes for the whole of `planes`, window by window when the image is larger than the
 * tile. The image is first padded as a whole pass would pad it, plus up to the grid alignment at
 * the bottom/right; tiles and their starts are multiples of the alignment (tile rounded down,
 * overlap up), so each window sees the pooling grid of the whole pass. Window outputs are blended
 * with raised-cosine ramps over the overlaps, then the padding is cropped off again.
 */
function* tiled(target: PlanTarget, planes: ChwImage, plan: InputPlan, tile: number | null, overlap: number): Generator<WindowInput, Planes, Planes> {
  if (tile === null || (planes.width <= tile && planes.height <= tile)) return yield* window(target, planes, plan);
  const align = gridAlignment(target);
  const base = windowPadding(target, planes.width, planes.height);
  const up = (v: number): number => Math.ceil(v / align) * align - v;
  const pad = {
    ...base,
    bottom: base.bottom + up(planes.height + base.top + base.bottom),
    right: base.right + up(planes.width + base.left + base.right),
  };
  const image = padImage(planes, pad, plan.padMode, plan.padValue);
  const { width, height } = image;
  const units = Math.max(1, Math.floor(tile / align));
  const overlapUnits = Math.min(Math.ceil(overlap / align), units - 1);
  const starts = (size: number): number[] => axisStarts(size / align, units, overlapUnits).map((s) => s * align);
  const [xs, ys] = [starts(width), starts(height)];
  const tw = Math.min(units * align, width);
  const th = Math.min(units * align, height);
  const [wx, wy] = [axisWeights(xs, tw), axisWeights(ys, th)];
  const n = width * height;
  const weightSum = new Float32Array(n);
  let sum = new Float32Array(0);
  let channels = 0;
  for (let j = 0; j < ys.length; j++) {
    for (let i = 0; i < xs.length; i++) {
      const [x0, y0] = [xs[i]!, ys[j]!];
      const out = yield* window(target, cropImage(image, x0, y0, tw, th), plan);
      if (channels === 0) {
        channels = out.channels;
        sum = new Float32Array(channels * n);
      }
      const [rowW, colW] = [wy[j]!, wx[i]!];
      for (let y = 0; y < th; y++) {
        const row = (y0 + y) * width + x0;
        const ry = rowW[y]!;
        for (let x = 0; x < tw; x++) weightSum[row + x]! += ry * colW[x]!;
        for (let c = 0; c < channels; c++) {
          const src = (c * th + y) * tw;
          const dst = c * n + row;
          for (let x = 0; x < tw; x++) sum[dst + x]! += ry * colW[x]! * out.data[src + x]!;
        }
      }
    }
  }
  for (let c = 0; c < channels; c++) for (let k = 0; k < n; k++) sum[c * n + k]! /= weightSum[k]!;
  return { data: cropPlanes(sum, channels, width, height, pad.left, pad.top, planes.width, planes.height), channels };
}

/** Resolves tile and overlap options (null tile: no tiling). */
function tiling(options: PredictOptions): { tile: number | null; overlap: number } {
  const tile = options.tile ?? null;
  if (tile === null) return { tile, overlap: 0 };
  const overlap = options.overlap ?? defaultOverlap(tile);
  checkTiling(tile, overlap);
  return { tile, overlap };
}

/**
 * Tiles exist for images larger than the model should see at once, so tiling runs at the
 * image's own scale: a tile size implies scale 'native' (resizing to the training size first
 * would leave nothing to tile).
 */
export function tiledScale<T extends { tile?: number | null; scale?: ScaleMode }>(options: T): T {
  if (options.tile === undefined || options.tile === null) return options;
  if (options.scale === 'train') throw new Error("tiling runs the model at the image's own size (scale 'native'); scale 'train' would first resize it to the training size");
  return { ...options, scale: 'native' };
}

/** Output planes at the run size (the training padding cropped off), and the plan; not yet resized back. */
export type PlanesAtRunSize = Planes & { plan: InputPlan };

/**
 * The passes over one image: yields each window's input, receives its activated output, and
 * returns the output planes at the run size (the caller resizes them back to the image).
 */
export function* imagePasses(target: PlanTarget, image: RawImage<Uint8Array | Float32Array>, given: PredictOptions): Generator<WindowInput, PlanesAtRunSize, Planes> {
  const options = tiledScale(given);
  const { planes, plan } = modelPlanes(target, image, options);
  const { tile, overlap } = tiling(options);
  const out = yield* tiled(target, planes, plan, tile, overlap);
  const data = cropPlanes(out.data, out.channels, planes.width, planes.height, plan.pad.left, plan.pad.top, plan.runWidth, plan.runHeight);
  return { data, channels: out.channels, plan };
}

/** Drives passes with a synchronous engine. */
export function runPasses<R>(passes: Generator<WindowInput, R, Planes>, run: WindowRun): R {
  let step = passes.next();
  while (!step.done) step = passes.next(run(step.value));
  return step.value;
}

/** Drives passes with an asynchronous engine. */
export async function runPassesAsync<R>(passes: Generator<WindowInput, R, Planes>, run: (window: WindowInput) => Promise<Planes>): Promise<R> {
  let step = passes.next();
  while (!step.done) step = passes.next(await run(step.value));
  return step.value;
}

/** Throws unless the threshold is a probability; returns it (default 0.5). */
export function checkThreshold(threshold: number | undefined): number {
  const t = threshold ?? 0.5;
  if (!(t >= 0 && t <= 1)) throw new Error(`threshold ${t}, expected a probability in [0, 1]`);
  return t;
}

/**
 * The prediction from probabilities at the image's full resolution: the argmax over class
 * planes (the first of equal maxima), or foreground where a one-output model's probability
 * exceeds the threshold.
 */
export function labelPrediction(data: Float32Array, channels: number, plan: InputPlan, threshold: number): Prediction {
  const n = plan.width * plan.height;
  const numClasses = channels === 1 ? 2 : channels;
  const labels = numClasses <= 256 ? new Uint8Array(n) : new Uint16Array(n);
  const counts = new Float64Array(numClasses);
  if (channels === 1) {
    for (let i = 0; i < n; i++) labels[i] = data[i]! > threshold ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestP = data[i]!;
      for (let c = 1; c < channels; c++) {
        const v = data[c * n + i]!;
        if (v > bestP) {
          bestP = v;
          best = c;
        }
      }
      labels[i] = best;
    }
  }
  for (let i = 0; i < n; i++) counts[labels[i]!]! += 1;
  const classesPresent = [...counts.keys()].filter((c) => counts[c]! > 0);
  return {
    width: plan.width,
    height: plan.height,
    labels,
    probabilities: data,
    planes: channels,
    classesPresent,
    modelWidth: plan.runWidth,
    modelHeight: plan.runHeight,
  };
}
