// Prediction at full resolution for any input size on libtorch: the passes of passes.ts
// (channels and normalisation as trained, the training scale or the image's own, padding to
// what the model accepts and cropping back, optional sliding windows) with the model's forward
// as the engine, probabilities resized back to the image with bilinear interpolation before the
// argmax.
import { forwardIn, inputInLayout, noGrad, tensor, tidy, type Tensor } from '../torch/index.js';
import { interpolate } from '../nn/functional.js';
import type { RawImage } from '../image/types.js';
import { validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import { denormalizeChw, resolveNormalization } from '../image/normalization.js';
import type { PlanOptions } from './geometry.js';
import { checkThreshold, imagePasses, labelPrediction, modelPlanes, runPasses, windowInput, type Planes, type PlanesAtRunSize, type PredictOptions, type Prediction, type WindowInput } from './passes.js';
import type { Predictor } from './predictor.js';

export type { PredictOptions, Prediction } from './passes.js';

/**
 * The input the model sees for `image` in a whole-image pass (training preprocessing, padding
 * to the model's grid), for looking inside the model; the caller disposes it.
 */
export function modelInput(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PlanOptions = {}): Tensor {
  const { planes, plan } = modelPlanes(predictor, image, options);
  return inputTensor(predictor, windowInput(predictor, planes, plan));
}

function inputTensor(predictor: Predictor, w: WindowInput): Tensor {
  const { data, channels, height, width } = w.input;
  return tensor(data, { shape: [1, channels, height, width], device: predictor.device });
}

/** The libtorch engine: the model's forward on one window (in the predictor's precision), with its output activation in float32. */
function runWindow(predictor: Predictor, w: WindowInput): Planes {
  const out = noGrad(() =>
    tidy(() => {
      const x = inputTensor(predictor, w);
      const input = inputInLayout(x, predictor.memoryFormat);
      const y = forwardIn(predictor.precision, predictor.device, () => predictor.model.forward(input));
      if (y.ndim !== 4 || y.size(2) !== x.size(2) || y.size(3) !== x.size(3)) {
        throw new Error(`${predictor.model.architecture} returned ${y} for an input ${x}; prediction expects outputs of the input's size`);
      }
      const activation = predictor.contract.outputActivation;
      const act = activation === 'softmax' ? y.softmax(1) : activation === 'sigmoid' ? y.sigmoid() : y;
      return act.float();
    }),
  );
  try {
    return { data: out.data() as Float32Array, channels: out.size(1) };
  } finally {
    out.dispose();
  }
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

/** Model output planes at the image's full resolution, and the plan that produced them. */
function outputPlanes(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>, options: PredictOptions): PlanesAtRunSize {
  const out = runPasses(imagePasses(predictor, image, options), (w) => runWindow(predictor, w));
  const { plan } = out;
  return { data: resizePlanes(out.data, out.channels, plan.runWidth, plan.runHeight, plan.width, plan.height), channels: out.channels, plan };
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
  const threshold = checkThreshold(options.threshold);
  const { data, channels, plan } = outputPlanes(predictor, image, options);
  return labelPrediction(data, channels, plan, threshold);
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
