// Prediction at full resolution for any input size: channels and normalisation as trained,
// the training scale (or the image's own), padding to what the model accepts and cropping
// back, optional sliding windows with blended overlaps, probabilities resized back to the
// image with bilinear interpolation before the argmax.
import { noGrad, tensor, tidy, type Tensor } from '../torch/index.js';
import { interpolate } from '../nn/functional.js';
import type { ChwImage, RawImage } from '../image/types.js';
import { checkImage, toChw } from '../image/convert.js';
import { resizeChw } from '../image/resize.js';
import { padImage, type Padding } from '../data/transforms/pad.js';
import { cropImage } from '../data/transforms/geometry.js';
import { validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import { denormalizeChw, normalizeChw, resolveNormalization } from '../image/normalization.js';
import { gridAlignment, planInput, windowPadding, type InputPlan, type PlanOptions, type ScaleMode } from './geometry.js';
import { axisStarts, axisWeights, checkTiling, defaultOverlap } from './tiles.js';
import type { Predictor } from './predictor.js';

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

/** The image checked and planned, as the model's planes at run size with the training padding (not yet normalised). */
function modelPlanes(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PlanOptions): { planes: ChwImage; plan: InputPlan } {
  checkImage(image, options.name ?? 'image');
  const plan = planInput(predictor, image.width, image.height, options);
  let planes = toChw(image, predictor.contract.inChannels as 1 | 3);
  if (plan.resized) planes = resizeChw(planes, plan.runWidth, plan.runHeight, plan.resizeMode);
  return { planes: padImage(planes, plan.pad, plan.padMode, plan.padValue), plan };
}

/** One window of `planes` as the model's (1, C, H, W) input: padded to a size the model accepts, normalised. */
function windowInput(predictor: Predictor, planes: ChwImage, plan: InputPlan): { x: Tensor; padding: Padding } {
  const padding = windowPadding(predictor, planes.width, planes.height);
  const padded = padImage(planes, padding, plan.padMode, plan.padValue);
  const input = normalizeChw(padded, resolveNormalization(predictor.preprocess.normalize));
  return { x: tensor(input.data, { shape: [1, input.channels, input.height, input.width], device: predictor.device }), padding };
}

/**
 * The input the model sees for `image` in a whole-image pass (training preprocessing, padding
 * to the model's grid), for looking inside the model; the caller disposes it.
 */
export function modelInput(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PlanOptions = {}): Tensor {
  const { planes, plan } = modelPlanes(predictor, image, options);
  return windowInput(predictor, planes, plan).x;
}

/** Model output planes for one window of `planes`: the model's input, activated output cropped back to the window. */
function runWindow(predictor: Predictor, planes: ChwImage, plan: InputPlan): { data: Float32Array; channels: number } {
  const out = noGrad(() =>
    tidy(() => {
      const { x, padding: p } = windowInput(predictor, planes, plan);
      const y = predictor.model.forward(x);
      if (y.ndim !== 4 || y.size(2) !== x.size(2) || y.size(3) !== x.size(3)) {
        throw new Error(`${predictor.model.architecture} returned ${y} for an input ${x}; prediction expects outputs of the input's size`);
      }
      const activation = predictor.contract.outputActivation;
      const act = activation === 'softmax' ? y.softmax(1) : activation === 'sigmoid' ? y.sigmoid() : y;
      return act.narrow(2, p.top, planes.height).narrow(3, p.left, planes.width).float();
    }),
  );
  try {
    return { data: out.data() as Float32Array, channels: out.size(1) };
  } finally {
    out.dispose();
  }
}

/**
 * Output planes for the whole of `planes`, window by window when the image is larger than the
 * tile. The image is first padded as a whole pass would pad it, plus up to the grid alignment at
 * the bottom/right; tiles and their starts are multiples of the alignment (tile rounded down,
 * overlap up), so each window sees the pooling grid of the whole pass. Window outputs are blended
 * with raised-cosine ramps over the overlaps, then the padding is cropped off again.
 */
function runTiled(predictor: Predictor, planes: ChwImage, plan: InputPlan, tile: number | null, overlap: number): { data: Float32Array; channels: number } {
  if (tile === null || (planes.width <= tile && planes.height <= tile)) return runWindow(predictor, planes, plan);
  const align = gridAlignment(predictor);
  const base = windowPadding(predictor, planes.width, planes.height);
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
      const out = runWindow(predictor, cropImage(image, x0, y0, tw, th), plan);
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

/** Crops planes (C x H x W) to the rectangle at (left, top) of w x h. */
function cropPlanes(data: Float32Array, channels: number, width: number, height: number, left: number, top: number, w: number, h: number): Float32Array {
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

/** Bilinear resize of C planes (align_corners false, as the training resize). */
function resizePlanes(data: Float32Array, channels: number, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (width === toWidth && height === toHeight) return data;
  const out = tidy(() =>
    interpolate(tensor(data, { shape: [1, channels, height, width] }), { size: [toHeight, toWidth], mode: 'bilinear', alignCorners: false }),
  );
  try {
    return out.data() as Float32Array;
  } finally {
    out.dispose();
  }
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

/** Model output planes at the image's full resolution, and the plan that produced them. */
function outputPlanes(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, given: PredictOptions): { data: Float32Array; channels: number; plan: InputPlan } {
  const options = tiledScale(given);
  const { planes, plan } = modelPlanes(predictor, image, options);
  const { tile, overlap } = tiling(options);
  const out = runTiled(predictor, planes, plan, tile, overlap);
  const cropped = cropPlanes(out.data, out.channels, planes.width, planes.height, plan.pad.left, plan.pad.top, plan.runWidth, plan.runHeight);
  const data = resizePlanes(cropped, out.channels, plan.runWidth, plan.runHeight, plan.width, plan.height);
  return { data, channels: out.channels, plan };
}

/**
 * Segments `image` (any size, gray or colour) with a predictor: per-pixel class labels and
 * probabilities at the image's full resolution.
 * @example
 *   const p = predict(predictor, await readImage('street.png'), { tile: 512, overlap: 64 });
 *   p.labels;          // Uint8Array, one class per pixel at full resolution
 *   p.classesPresent;  // [0, 3, 8]
 */
export function predict(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PredictOptions = {}): Prediction {
  if (predictor.contract.task !== 'segmentation') {
    throw new Error(`${predictor.source}: ${predictor.model.architecture} is a reconstruction model (autoencoder); use reconstruct() instead of predict()`);
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold ${threshold}, expected a probability in [0, 1]`);
  const { data, channels, plan } = outputPlanes(predictor, image, options);
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

/**
 * Runs an autoencoder predictor on `image`: its reconstruction at the image's size, as 8-bit
 * pixels with the training normalisation undone.
 * @example
 *   const pixels = reconstruct(loadPredictor('cae.safetensors'), digit); // RawImage, normalisation undone
 */
export function reconstruct(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PlanOptions = {}): RawImage {
  if (predictor.contract.task !== 'reconstruction') {
    throw new Error(`${predictor.source}: ${predictor.model.architecture} is a segmentation model; use predict() instead of reconstruct()`);
  }
  const { data, channels, plan } = outputPlanes(predictor, image, options);
  return outputToImage(data, channels, plan.height, plan.width, predictor.preprocess);
}

/** Model output planes (C x H x W, normalised) as 8-bit pixels: the preprocessing's normalisation undone. */
export function outputToImage(data: Float32Array, channels: number, height: number, width: number, preprocess: PreprocessSpec | Record<string, unknown> = {}): RawImage {
  return denormalizeChw(data, channels, height, width, resolveNormalization(validatePreprocess(preprocess).normalize));
}
