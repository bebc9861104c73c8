// The convolutional autoencoder of the Keras segmentation lecture (MNIST, 2-D latent space), with Keras
// 'same' semantics: stride-2 convolutions halve the size (rounding up) and stride-2 transposed
// convolutions double it exactly, so 28 -> 14 -> 7 -> 1x1 latent -> 7 -> 14 -> 28.
import { tensor, Tensor } from '../torch/index.js';
import { Module } from '../nn/module.js';
import { Conv2d, ConvTranspose2d } from '../nn/layers/conv.js';
import { ReLU } from '../nn/layers/activation.js';
import type { Pair } from '../nn/geometry.js';
import { Stage } from './unet.js';
import { defineModel, type ModelContract, type ZooModel } from './contract.js';

export interface ConvAutoencoderOptions {
  /** Image channels (1 for MNIST). Default 1. */
  inChannels?: number;
  /** Size of the latent code (the lecture's 2-D latent space). Default 2. */
  latentDim?: number;
  /** Image height and width, multiples of 4 (the latent convolution covers size / 4). Default 28. */
  imageSize?: number | Pair;
  /** Channels of the first convolution, doubled in the second. Default 32. */
  baseWidth?: number;
}

/** The resolved options, JSON-able: new ConvAutoencoder(config) rebuilds the model. */
export interface ConvAutoencoderConfig {
  inChannels: number;
  latentDim: number;
  imageSize: Pair;
  baseWidth: number;
}

/** A latent point or batch: (N, latentDim[, 1, 1]) tensor, [z1, z2] or [[z1, z2], ...]. */
export type LatentInput = Tensor | readonly number[] | readonly (readonly number[])[];

function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`ConvAutoencoder: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function resolve(options: ConvAutoencoderOptions): ConvAutoencoderConfig {
  const known = ['inChannels', 'latentDim', 'imageSize', 'baseWidth'];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`ConvAutoencoder: unknown option(s) ${unknown.join(', ')}; expected ${known.join(', ')}`);
  const size = options.imageSize ?? 28;
  if (typeof size !== 'number' && !(Array.isArray(size) && size.length === 2)) {
    throw new Error(`ConvAutoencoder: imageSize must be a number or [height, width], got ${JSON.stringify(size)}`);
  }
  const imageSize: Pair = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  for (const s of imageSize) {
    if (positiveInt('imageSize', s) % 4 !== 0) {
      throw new Error(`ConvAutoencoder: imageSize must be a multiple of 4 (two stride-2 layers each way), got ${JSON.stringify(size)}`);
    }
  }
  return {
    inChannels: positiveInt('inChannels', options.inChannels ?? 1),
    latentDim: positiveInt('latentDim', options.latentDim ?? 2),
    imageSize,
    baseWidth: positiveInt('baseWidth', options.baseWidth ?? 32),
  };
}

/**
 * encoder: conv1 (3x3, stride 2, same) relu1, conv2 (3x3, stride 2, same) relu2, conv3 (size/4
 * valid: the 1x1 latent). decoder: deconv1 (size/4, valid) relu1, deconv2 (3x3, stride 2, same)
 * relu2, deconv3 (7x7, stride 2, same). The reconstruction is linear (the lecture trains it with MSE).
 */
export class ConvAutoencoder extends Module {
  readonly config: ConvAutoencoderConfig;
  /** Output channels (= inChannels): a reconstruction, not class scores. */
  readonly numClasses: number;
  /** The output is used as it is (no sigmoid or softmax). */
  readonly outputActivation = 'identity' as const;
  readonly architecture = 'cae';
  readonly latentDim: number;
  readonly encoder: Stage;
  readonly decoder: Stage;

  constructor(options: ConvAutoencoderOptions = {}) {
    super();
    const c = resolve(options);
    this.config = c;
    this.numClasses = c.inChannels;
    this.latentDim = c.latentDim;
    const latentKernel: Pair = [c.imageSize[0] / 4, c.imageSize[1] / 4];
    const [w1, w2] = [c.baseWidth, 2 * c.baseWidth];
    this.encoder = this.registerModule(
      'encoder',
      new Stage({
        conv1: new Conv2d(c.inChannels, w1, 3, { stride: 2, padding: 'same' }),
        relu1: new ReLU(),
        conv2: new Conv2d(w1, w2, 3, { stride: 2, padding: 'same' }),
        relu2: new ReLU(),
        conv3: new Conv2d(w2, c.latentDim, latentKernel, { padding: 'valid' }),
      }),
    );
    this.decoder = this.registerModule(
      'decoder',
      new Stage({
        deconv1: new ConvTranspose2d(c.latentDim, w2, latentKernel, { padding: 'valid' }),
        relu1: new ReLU(),
        deconv2: new ConvTranspose2d(w2, w1, 3, { stride: 2, padding: 'same' }),
        relu2: new ReLU(),
        deconv3: new ConvTranspose2d(w1, c.inChannels, 7, { stride: 2, padding: 'same' }),
      }),
    );
  }

  /** The latent codes (N, latentDim, 1, 1) of images (N, inChannels, H, W). */
  encode(x: Tensor): Tensor {
    const [h, w] = this.config.imageSize;
    if (x.ndim !== 4 || x.size(1) !== this.config.inChannels || x.size(2) !== h || x.size(3) !== w) {
      throw new Error(`ConvAutoencoder: expected images (N, ${this.config.inChannels}, ${h}, ${w}), got ${x}`);
    }
    return this.encoder.forward(x);
  }

  /** Images (N, inChannels, H, W) generated from latent points, e.g. decode([2, -4]). */
  decode(z: LatentInput): Tensor {
    const d = this.latentDim;
    if (!(z instanceof Tensor)) {
      const rows = (z.length > 0 && Array.isArray(z[0]) ? z : [z]) as readonly (readonly number[])[];
      if (!rows.every((r) => Array.isArray(r) && r.length === d && r.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
        throw new Error(`ConvAutoencoder.decode: expected latent point(s) of ${d} finite numbers, got ${JSON.stringify(z)}`);
      }
      const points = tensor(new Float32Array(rows.flat()), { shape: [rows.length, d, 1, 1], device: this.#device() });
      try {
        return this.decoder.forward(points);
      } finally {
        points.dispose();
      }
    }
    const ok = (z.ndim === 2 || (z.ndim === 4 && z.size(2) === 1 && z.size(3) === 1)) && z.size(1) === d;
    if (!ok) throw new Error(`ConvAutoencoder.decode: expected a latent tensor (N, ${d}) or (N, ${d}, 1, 1), got ${z}`);
    if (z.ndim === 4) return this.decoder.forward(z);
    const points = z.reshape([z.size(0), d, 1, 1]);
    try {
      return this.decoder.forward(points);
    } finally {
      points.dispose();
    }
  }

  /** One input size (the latent convolution covers the whole size / 4 map); the output is the reconstruction as it is. */
  get contract(): ModelContract {
    const c = this.config;
    return {
      task: 'reconstruction',
      numClasses: c.inChannels,
      inChannels: c.inChannels,
      inputMultiple: 4,
      minInputSize: Math.min(...c.imageSize),
      outputStride: 4,
      outputActivation: 'identity',
      fixedInputSize: [c.imageSize[0], c.imageSize[1]],
      fixedSizeLayers: ['encoder.conv3', 'decoder.deconv1'],
      featureStages: [],
    };
  }

  /** Reconstructions of x: decode(encode(x)). */
  forward(x: Tensor): Tensor {
    const z = this.encode(x);
    try {
      return this.decoder.forward(z);
    } finally {
      z.dispose();
    }
  }

  /** Dotted names of the layers in the order forward runs them. */
  get layerNames(): string[] {
    return [...this.namedModules()].filter(([name, m]) => name !== '' && m.children().length === 0).map(([name]) => name);
  }

  override extraRepr(): string {
    const c = this.config;
    return `inChannels=${c.inChannels}, latentDim=${c.latentDim}, imageSize=(${c.imageSize.join(', ')}), baseWidth=${c.baseWidth}`;
  }

  #device(): string {
    return this.parameters()[0]!.device;
  }
}

/** The model as the convolutional autoencoder (encode / decode / latentDim), or null for any other model. */
export function asAutoencoder(model: ZooModel): ConvAutoencoder | null {
  return (model as unknown) instanceof ConvAutoencoder ? (model as unknown as ConvAutoencoder) : null;
}

/** The convolutional autoencoder in the registry. */
export const caeModel = defineModel({
  description: 'convolutional autoencoder with a 2-D latent space (the Keras MNIST autoencoder tutorial)',
  options: ['inChannels', 'latentDim', 'imageSize', 'baseWidth'],
  create: (o: ConvAutoencoderOptions) => new ConvAutoencoder(o),
});
