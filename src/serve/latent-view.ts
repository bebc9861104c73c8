// The autoencoder's latent space as the inspector's Latent view draws it: the 2-D codes of a
// split's images (inspect's encodeSamples, the numbers `pixelwise inspect latent` plots), each
// image's pixels for the hover thumbnail, and the decoder's image at a point of the plane
// (inspect's decodePoint). Images are named by their index in the split only.
import type { Dataset, Sample } from '../data/datasets/types.js';
import { to8Bit } from '../image/convert.js';
import { qualitativePalette } from '../image/palette.js';
import type { RawImage } from '../image/types.js';
import type { Predictor } from '../infer/predictor.js';
import { asLatent2d, decodePoint, encodeSamples, type LatentCodes } from '../inspect/latent.js';
import { loadSamples } from '../inspect/samples.js';
import { asAutoencoder } from '../models/autoencoder.js';

/** The first this many images of a split are encoded (MNIST's test split is exactly this). */
export const LATENT_LIMIT = 10_000;

/** Whether a predictor's model is an autoencoder with a 2-D latent space (the Latent view). */
export function hasLatent2d(p: Predictor): boolean {
  return asAutoencoder(p.model)?.latentDim === 2;
}

export class LatentSpace {
  private constructor(
    readonly predictor: Predictor,
    readonly dataset: Dataset,
    readonly samples: readonly Sample[],
    readonly codes: LatentCodes,
  ) {}

  /** Encodes the first LATENT_LIMIT images of the split; errors say why the model or data do not fit. */
  static async open(predictor: Predictor, dataset: Dataset): Promise<LatentSpace> {
    const model = asLatent2d(predictor.model, predictor.source);
    const count = Math.min(dataset.length, LATENT_LIMIT);
    const samples = await loadSamples(dataset, Array.from({ length: count }, (_, i) => i));
    return new LatentSpace(predictor, dataset, samples, encodeSamples(model, samples, predictor.preprocess));
  }

  /** What the page needs to draw the scatter: codes, labels, and the legend (names and colours as `inspect latent` draws them). */
  summary(): Record<string, unknown> {
    const [h, w] = asLatent2d(this.predictor.model, this.predictor.source).config.imageSize;
    const present = [...new Set(this.codes.labels)].sort((a, b) => a - b);
    const palette = qualitativePalette(Math.max(1, present.length));
    return {
      classes: present.map((label, k) => ({ label, name: label < 0 ? 'no label' : (this.dataset.classNames[label] ?? String(label)), color: [...palette[k]!] })),
      count: this.samples.length,
      total: this.dataset.length,
      points: Array.from(this.codes.points),
      labels: Array.from(this.codes.labels),
      imageSize: [h, w],
    };
  }

  /** Image i of the split as RGBA (the hover thumbnail). */
  thumbnail(i: number): RawImage {
    return rgba(to8Bit(this.samples[i]!.image as RawImage<Uint8Array | Float32Array>));
  }

  /** The decoder's image at (z1, z2), as RGBA. */
  decode(z: readonly [number, number]): RawImage {
    return rgba(decodePoint(asLatent2d(this.predictor.model, this.predictor.source), z, this.predictor.preprocess));
  }
}

/** A gray or RGB 8-bit image as RGBA, what the page's ImageData takes. */
export function rgba(image: RawImage): RawImage {
  const n = image.width * image.height;
  const c = image.channels;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) out[i * 4 + k] = image.data[i * c + (c >= 3 ? k : 0)] as number;
    out[i * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, channels: 4, data: out };
}

/** A latent point from the query text 'z1,z2': two finite numbers, else null. */
export function parsePoint(text: string | null): [number, number] | null {
  if (text === null) return null;
  const parts = text.split(',');
  if (parts.length !== 2 || parts.some((p) => !/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(p.trim()))) return null;
  const z = parts.map(Number) as [number, number];
  return z.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6) ? z : null;
}
