// The latent space of the MNIST autoencoder tutorial: encode digits with the autoencoder,
// scatter the 2-D codes coloured by digit, and decode a chosen point into a generated image.
import { noGrad, tensor, tidy } from '../torch/index.js';
import type { RawImage } from '../image/types.js';
import type { Sample } from '../data/datasets/types.js';
import { finish, prepare } from '../data/transforms/pipeline.js';
import { validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import { asAutoencoder, type ConvAutoencoder } from '../models/autoencoder.js';
import type { ZooModel } from '../models/contract.js';
import { outputToImage } from '../infer/predict.js';
import type { Figure } from '../viz/figure.js';
import { latentScatter } from '../viz/plot.js';

/** The model as a 2-D autoencoder, or an error saying what it is instead. */
export function asLatent2d(model: ZooModel, source: string): ConvAutoencoder {
  const ae = asAutoencoder(model);
  if (!ae) throw new Error(`${source} holds a ${model.architecture} model; latent needs the convolutional autoencoder (cae)`);
  if (ae.latentDim !== 2) throw new Error(`${source}: the autoencoder's latent space has ${ae.latentDim} dimensions; the scatter needs 2 (train with --latent-dim 2)`);
  return ae;
}

export interface LatentCodes {
  /** x0, y0, x1, y1, ... */
  points: Float32Array;
  /** The class (digit) of each point. */
  labels: Int32Array;
}

/** Encodes samples (preprocessed as in training) in batches of 256. */
export function encodeSamples(model: ConvAutoencoder, samples: readonly Sample[], preprocess: PreprocessSpec | Record<string, unknown> = {}): LatentCodes {
  const { augment: _a, ...spec } = validatePreprocess(preprocess) as PreprocessSpec;
  spec.channels = model.config.inChannels === 1 ? 1 : 3;
  const [h, w] = model.config.imageSize;
  const size = spec.channels * h * w;
  const d = model.latentDim;
  const points = new Float32Array(samples.length * d);
  model.eval();
  for (let start = 0; start < samples.length; start += 256) {
    const chunk = samples.slice(start, start + 256);
    const batch = new Float32Array(chunk.length * size);
    chunk.forEach((s, k) => {
      if (s.image.width !== w || s.image.height !== h) throw new Error(`sample ${s.name} is ${s.image.height}x${s.image.width} (HxW), the autoencoder takes ${h}x${w}`);
      batch.set(finish(prepare(s, spec, { ignoreIndex: null }), spec, { ignoreIndex: null }).image, k * size);
    });
    const codes = noGrad(() => tidy(() => model.encode(tensor(batch, { shape: [chunk.length, spec.channels!, h, w] })).float().contiguous().data() as Float32Array));
    points.set(codes, start * d);
  }
  return { points, labels: Int32Array.from(samples, (s) => s.classIndex ?? -1) };
}

/** The image the decoder generates at a latent point, as 8-bit pixels. */
export function decodePoint(model: ConvAutoencoder, point: readonly number[], preprocess: PreprocessSpec | Record<string, unknown> = {}): RawImage {
  const [h, w] = model.config.imageSize;
  const data = noGrad(() => tidy(() => model.decode([...point]).float().contiguous().data() as Float32Array));
  return outputToImage(data, model.config.inChannels, h, w, preprocess);
}

export interface LatentFigureOptions {
  /** The classes to plot, in legend order; default every class present. */
  classes?: readonly number[];
  point?: readonly [number, number];
  generated?: RawImage;
}

/** The scatter of the codes coloured by class, the chosen point in black, the generated image beside it. */
export function latentFigure(codes: LatentCodes, o: LatentFigureOptions = {}): Figure {
  const p = o.point;
  return latentScatter(codes.points, codes.labels, {
    classes: o.classes,
    highlight: p ? { x: p[0], y: p[1], label: `new data (${p[0]}, ${p[1]})` } : undefined,
    image: o.generated,
    imageTitle: p ? `Generated at (${p[0]}, ${p[1]})` : 'Generated image',
    markerSize: 5,
    height: 560,
    width: 560,
  });
}
