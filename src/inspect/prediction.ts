// What a trained model makes of one image, as plain maps the viz functions draw: class labels,
// the foreground probability of a binary model, or an autoencoder's reconstruction.
import { noGrad, tidy } from '../torch/index.js';
import type { RawImage } from '../data/raw-image.js';
import type { SampleImage } from '../data/datasets/types.js';
import { normalizeParams, validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import { outputActivation, type ZooModel } from '../models/registry.js';
import type { LabelMap, ScalarMap } from '../viz/maps.js';
import { prepareModelInput, toSourceGeometry, type ModelInput } from './model-input.js';

export interface PredictionMaps {
  activation: 'softmax' | 'sigmoid' | 'identity';
  /** Winning class per pixel (segmentation models). */
  labels: LabelMap | null;
  /** Probability of class 1 per pixel (one-output sigmoid models and two-class softmax models). */
  foreground: ScalarMap | null;
  /** The autoencoder's output as an 8-bit image (normalisation undone). */
  reconstruction: RawImage | null;
}

/** Runs the model on a prepared input (eval mode, no gradients) and reads its output back at the image's size. */
export function predictInput(model: ZooModel, input: ModelInput, preprocess: PreprocessSpec | Record<string, unknown> = {}): PredictionMaps {
  const activation = outputActivation(model);
  const [, , ih, iw] = input.tensor.shape as [number, number, number, number];
  const { sourceHeight: height, sourceWidth: width } = input.geometry;
  model.eval();
  return noGrad(() =>
    tidy(() => {
      const output = model.forward(input.tensor);
      if (activation === 'identity') {
        const out = toSourceGeometry(output, input.geometry, ih, iw);
        return { activation, labels: null, foreground: null, reconstruction: outputToImage(out.data() as Float32Array, out.size(1), height, width, preprocess) };
      }
      const logits = toSourceGeometry(output, input.geometry, ih, iw);
      const classes = logits.size(1);
      if (activation === 'sigmoid') {
        const p = logits.sigmoid().data() as Float32Array;
        const labels = Uint8Array.from(p, (v) => (v > 0.5 ? 1 : 0));
        return { activation, labels: { width, height, data: labels }, foreground: { width, height, data: p }, reconstruction: null };
      }
      const labels = logits.argmax(1).int().data() as Int32Array;
      const foreground = classes === 2 ? { width, height, data: logits.softmax(1).narrow(1, 1, 1).contiguous().data() as Float32Array } : null;
      return { activation, labels: { width, height, data: labels }, foreground, reconstruction: null };
    }),
  );
}

/** prepareModelInput + predictInput for one image. */
export function predictImage(model: ZooModel, image: SampleImage, preprocess: PreprocessSpec | Record<string, unknown> = {}): PredictionMaps {
  const input = prepareModelInput(image, model, preprocess);
  try {
    return predictInput(model, input, preprocess);
  } finally {
    input.tensor.dispose();
  }
}

/** A decoded model output (N = 1, channels-first, normalised) as 8-bit pixels under the checkpoint's normalisation. */
export function outputToImage(data: Float32Array, channels: number, height: number, width: number, preprocess: PreprocessSpec | Record<string, unknown> = {}): RawImage {
  const n = normalizeParams((validatePreprocess(preprocess) as PreprocessSpec).normalize);
  const plane = width * height;
  const out = new Uint8Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    const mean = n.mean.length === 1 ? n.mean[0]! : n.mean[c]!;
    const std = n.std.length === 1 ? n.std[0]! : n.std[c]!;
    for (let i = 0; i < plane; i++) {
      const v = (data[c * plane + i]! * std + mean) / n.scale;
      out[i * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width, height, channels: channels as RawImage['channels'], data: out };
}
