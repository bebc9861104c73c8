// What a trained model makes of one image, as plain maps the viz functions draw: class labels,
// the foreground probability of a binary model, or an autoencoder's reconstruction. Computed
// by infer's prediction, so the pictures show what `pixelwise predict` does.
import type { RawImage } from '../image/types.js';
import { predict, reconstruct } from '../infer/predict.js';
import type { Predictor } from '../infer/predictor.js';
import type { LabelMap, ScalarMap } from '../image/types.js';

export interface PredictionMaps {
  activation: Predictor['contract']['outputActivation'];
  /** Winning class per pixel (segmentation models). */
  labels: LabelMap | null;
  /** Probability of class 1 per pixel (one-output sigmoid models and two-class softmax models). */
  foreground: ScalarMap | null;
  /** The autoencoder's output as an 8-bit image (normalisation undone). */
  reconstruction: RawImage | null;
}

/**
 * The predictor's maps for one image at the image's size; an autoencoder takes any image, resized to its input.
 * @example
 *   const { labels, foreground } = predictImage(predictor, image); // maps for viz
 */
export function predictImage(predictor: Predictor, image: RawImage<Uint8Array | Float32Array>): PredictionMaps {
  const activation = predictor.contract.outputActivation;
  if (predictor.contract.task === 'reconstruction') {
    return { activation, labels: null, foreground: null, reconstruction: reconstruct(predictor, image, { fit: true }) };
  }
  const { width, height, labels, probabilities, planes } = predict(predictor, image);
  // The one sigmoid plane, or the second of two softmax planes.
  const n = width * height;
  const foreground = planes <= 2 ? { width, height, data: probabilities.subarray((planes - 1) * n, planes * n) } : null;
  return { activation, labels: { width, height, data: labels }, foreground, reconstruction: null };
}
