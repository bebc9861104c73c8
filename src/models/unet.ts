// U-Net (Ronneberger et al., 2015) with "same" padding: an encoder of conv3x3-BN-ReLU pairs
// and 2x2 max pooling, a bottleneck, a decoder that upsamples by 2 (transposed conv or
// bilinear + conv), concatenates the encoder's map of the same size and convolves again,
// and a 1x1 head. Output size = input size whenever both are multiples of 2^depth.
import { cat, isGradEnabled, op, type Tensor } from '../torch/index.js';
import { Module } from '../nn/module.js';
import { Conv2d, ConvTranspose2d } from '../nn/layers/conv.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { ReLU } from '../nn/layers/activation.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Upsample } from '../nn/layers/upsampling.js';
import { ModuleList, Sequential } from '../nn/layers/container.js';
import * as F from '../nn/functional.js';
import { classActivation, type ModelContract, type OutputActivation } from './contract.js';

export type UpMode = 'transpose' | 'bilinear';
export type UNetVariant = 'tgs';

export interface UNetOptions {
  /** Output channels: 1 for a binary mask (sigmoid), N >= 2 for N classes (softmax). Default 2. */
  numClasses?: number;
  /** Input image channels (1 grayscale, 3 RGB, or any other count). Default 3. */
  inChannels?: number;
  /** Number of 2x2 poolings; inputs must be multiples of 2^depth. Default 4 (the paper's). */
  depth?: number;
  /** Channels of the first level, doubled at every level below. Default 64 (the paper's). */
  baseWidth?: number;
  /** BatchNorm after every 3x3 convolution. Default true. */
  batchNorm?: boolean;
  /** Dropout probability at the end of the contracting path (the bottleneck), as in the paper. Default 0. */
  dropout?: number;
  /** 'transpose': 2x2 transposed conv, stride 2; 'bilinear': bilinear x2 then a 3x3 conv. Default 'transpose'. */
  upMode?: UpMode;
  /** A preset (see UNet.presets); the other options override its values. */
  variant?: UNetVariant;
}

/** The resolved options, JSON-able, stored with checkpoints: new UNet(config) rebuilds the model. */
export interface UNetConfig {
  numClasses: number;
  inChannels: number;
  depth: number;
  baseWidth: number;
  batchNorm: boolean;
  dropout: number;
  upMode: UpMode;
  variant?: UNetVariant;
}

/** How to pad an image to a size the model accepts, and where to crop the prediction back. */
export interface ValidPadding {
  /** The padded size. */
  height: number;
  width: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  /** The same amounts in F.pad order: [left, right, top, bottom]. */
  pads: [number, number, number, number];
}

/**
 * The smallest size >= (height, width) made of multiples of `multiple`, with the padding split
 * between both sides (the odd pixel before, as the TGS salt tutorial pads 101 to 128 with 14 + 13).
 */
export function padToMultiple(height: number, width: number, multiple: number): ValidPadding {
  for (const [name, v] of [['height', height], ['width', width], ['multiple', multiple]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`padToMultiple: ${name} must be a positive integer, got ${String(v)}`);
  }
  const split = (size: number): [number, number, number] => {
    const padded = Math.ceil(size / multiple) * multiple;
    const after = Math.floor((padded - size) / 2);
    return [padded, padded - size - after, after];
  };
  const [h, top, bottom] = split(height);
  const [w, left, right] = split(width);
  return { height: h, width: w, top, bottom, left, right, pads: [left, right, top, bottom] };
}

/**
 * ReLU that overwrites its input while autograd records (training: no extra buffer per layer,
 * like PyTorch's inplace=True after BatchNorm) and writes a new tensor otherwise, so outputs
 * captured from the layer before it (activation viewers run without gradients) stay intact.
 */
export class LeanReLU extends ReLU {
  constructor() {
    super({ inplace: true });
  }

  override get typeName(): string {
    return 'ReLU';
  }

  override forward(x: Tensor): Tensor {
    return isGradEnabled() ? op('aten::relu_', [x]) : F.relu(x);
  }
}

/** Concatenation along channels as a layer, so summaries and hooks see the skip connection. */
export class Concat extends Module<Tensor[], Tensor> {
  forward(...xs: Tensor[]): Tensor {
    return cat(xs, 1);
  }
}

/**
 * Layers run in order like Sequential, freeing each intermediate handle once the next layer
 * has consumed it (autograd keeps what backward needs), so inference holds two maps at a time.
 * Forward hooks that keep an output must take their own handle (detach() or clone()).
 */
export class Stage extends Sequential {
  override forward(x: Tensor): Tensor {
    return chain(this.children(), x);
  }
}

function chain(layers: Module<any, any>[], x: Tensor): Tensor {
  let h = x;
  for (const layer of layers) {
    const next = layer.forward(h) as Tensor;
    if (h !== x && next !== h) h.dispose();
    h = next;
  }
  return h;
}

type Layers = Record<string, Module<any, any>>;

/** conv1 [bn1] relu1 conv2 [bn2] relu2: two 3x3 'same' convolutions (padding 1). */
function doubleConv(inChannels: number, outChannels: number, batchNorm: boolean): Layers {
  const layers: Layers = {};
  for (const i of [1, 2]) {
    layers[`conv${i}`] = new Conv2d(i === 1 ? inChannels : outChannels, outChannels, 3, { padding: 1 });
    if (batchNorm) layers[`bn${i}`] = new BatchNorm2d(outChannels);
    layers[`relu${i}`] = new LeanReLU();
  }
  return layers;
}

/** One decoder level: up (+ upConv), concat with the skip, then the two convolutions. */
export class UNetUpBlock extends Module<[x: Tensor, skip: Tensor]> {
  readonly up: ConvTranspose2d | Upsample;
  readonly upConv: Conv2d | null;
  readonly concat: Concat;
  readonly #convs: Module<any, any>[];

  constructor(inChannels: number, outChannels: number, upMode: UpMode, batchNorm: boolean) {
    super();
    if (upMode === 'transpose') {
      this.up = this.registerModule('up', new ConvTranspose2d(inChannels, outChannels, 2, { stride: 2 }));
      this.upConv = null;
    } else {
      this.up = this.registerModule('up', new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }));
      this.upConv = this.registerModule('upConv', new Conv2d(inChannels, outChannels, 3, { padding: 1 }));
    }
    this.concat = this.registerModule('concat', new Concat());
    this.#convs = Object.entries(doubleConv(2 * outChannels, outChannels, batchNorm)).map(([n, m]) => this.registerModule(n, m));
  }

  forward(x: Tensor, skip: Tensor): Tensor {
    let up = this.up.forward(x);
    if (this.upConv) {
      const reduced = this.upConv.forward(up);
      up.dispose();
      up = reduced;
    }
    const joined = this.concat.forward(up, skip);
    up.dispose();
    const out = chain(this.#convs, joined);
    if (out !== joined) joined.dispose();
    return out;
  }
}

const DEFAULTS: UNetConfig = {
  numClasses: 2,
  inChannels: 3,
  depth: 4,
  baseWidth: 64,
  batchNorm: true,
  dropout: 0,
  upMode: 'transpose',
};

function checkInt(name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(`UNet: ${name} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function resolve(options: UNetOptions): UNetConfig {
  const known = new Set([...Object.keys(DEFAULTS), 'variant']);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`UNet: unknown option(s) ${unknown.join(', ')}; expected ${[...known].join(', ')}`);
  const { variant } = options;
  if (variant !== undefined && !Object.hasOwn(UNet.presets, variant)) {
    throw new Error(`UNet: unknown variant '${String(variant)}', expected one of ${Object.keys(UNet.presets).join(', ')}`);
  }
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== 'variant' && v !== undefined));
  const c: UNetConfig = { ...DEFAULTS, ...(variant ? UNet.presets[variant] : {}), ...given };
  checkInt('numClasses', c.numClasses, 1);
  checkInt('inChannels', c.inChannels, 1);
  checkInt('depth', c.depth, 1, 16);
  checkInt('baseWidth', c.baseWidth, 1);
  if (typeof c.batchNorm !== 'boolean') throw new Error(`UNet: batchNorm must be true or false, got ${JSON.stringify(c.batchNorm)}`);
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) {
    throw new Error(`UNet: dropout must be a probability in [0, 1), got ${JSON.stringify(c.dropout)}`);
  }
  if (c.upMode !== 'transpose' && c.upMode !== 'bilinear') {
    throw new Error(`UNet: upMode must be 'transpose' or 'bilinear', got ${JSON.stringify(c.upMode)}`);
  }
  return variant ? { ...c, variant } : c;
}

/**
 * U-Net returning logits (N, numClasses, H, W); apply `outputActivation` (sigmoid for one
 * class, softmax over dim 1 otherwise) to get probabilities.
 *
 * Modules, in execution order: encoder.0 .. encoder.{depth-1} (encoder.i for i > 0 starts with
 * `pool`), bottleneck (pool, the convolutions, dropout), decoder.0 .. decoder.{depth-1} (deepest
 * first: up, [upConv], concat, conv1, bn1, relu1, conv2, bn2, relu2) and head (1x1 conv).
 * Level i has baseWidth * 2^i channels, the bottleneck baseWidth * 2^depth.
 * @example
 *   const unet = new UNet({ numClasses: 1, inChannels: 1, depth: 4, baseWidth: 16 });
 *   unet.contract.inputMultiple; // 16
 */
export class UNet extends Module {
  /**
   * tgs: the TGS salt U-Net tutorial's model (Keras): 128x128x1 inputs (101x101 padded), one
   * sigmoid output, 16 base filters and BatchNorm, so its first rows are conv 3x3 1->16 with
   * 160 parameters and a BatchNorm of 64 values (Keras counts gamma, beta, moving mean and
   * variance; here weight, bias, running_mean, running_var) before the activation. Depth 4
   * (128 -> 8) and dropout 0.5 follow the TGS kernels. The tutorial's model has 176 Keras layers
   * because it used residual blocks, which this plain U-Net does not reproduce.
   */
  static readonly presets: Readonly<Record<UNetVariant, Readonly<Partial<UNetConfig>>>> = Object.freeze({
    tgs: Object.freeze({ inChannels: 1, numClasses: 1, depth: 4, baseWidth: 16, batchNorm: true, dropout: 0.5, upMode: 'transpose' }),
  });

  readonly config: UNetConfig;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly depth: number;
  /** Input height and width must be multiples of this (2^depth). */
  readonly requiredMultiple: number;
  readonly architecture = 'unet';
  readonly outputActivation: Exclude<OutputActivation, 'identity'>;
  readonly encoder: ModuleList;
  readonly bottleneck: Stage;
  readonly decoder: ModuleList;
  readonly head: Conv2d;

  constructor(options: UNetOptions = {}) {
    super();
    const c = resolve(options);
    this.config = c;
    this.numClasses = c.numClasses;
    this.inChannels = c.inChannels;
    this.depth = c.depth;
    this.requiredMultiple = 2 ** c.depth;
    this.outputActivation = classActivation(c.numClasses) as Exclude<OutputActivation, 'identity'>;
    const width = (level: number): number => c.baseWidth * 2 ** level;

    this.encoder = this.registerModule('encoder', new ModuleList());
    for (let i = 0; i < c.depth; i++) {
      const pool: Layers = i === 0 ? {} : { pool: new MaxPool2d(2) };
      this.encoder.append(new Stage({ ...pool, ...doubleConv(i === 0 ? c.inChannels : width(i - 1), width(i), c.batchNorm) }));
    }
    const dropout: Layers = c.dropout > 0 ? { dropout: new Dropout(c.dropout) } : {};
    this.bottleneck = this.registerModule(
      'bottleneck',
      new Stage({ pool: new MaxPool2d(2), ...doubleConv(width(c.depth - 1), width(c.depth), c.batchNorm), ...dropout }),
    );
    this.decoder = this.registerModule('decoder', new ModuleList());
    for (let level = c.depth - 1; level >= 0; level--) {
      this.decoder.append(new UNetUpBlock(width(level + 1), width(level), c.upMode, c.batchNorm));
    }
    this.head = this.registerModule('head', new Conv2d(width(0), c.numClasses, 1));
  }

  /** Logits (N, numClasses, H, W) for x (N, inChannels, H, W), H and W multiples of requiredMultiple. */
  forward(x: Tensor): Tensor {
    this.#checkInput(x);
    const skips: Tensor[] = [];
    try {
      let h = x;
      for (const stage of this.encoder) {
        h = stage.forward(h) as Tensor;
        skips.push(h);
      }
      h = this.bottleneck.forward(h);
      for (const block of this.decoder) {
        const skip = skips.pop()!;
        const next = (block as UNetUpBlock).forward(h, skip);
        h.dispose();
        skip.dispose();
        h = next;
      }
      const out = this.head.forward(h);
      h.dispose();
      return out;
    } catch (err) {
      for (const s of skips) s.dispose();
      throw err;
    }
  }

  /** Inputs multiple of 2^depth (every pooling halves exactly); the encoder levels and the bottleneck as feature stages. */
  get contract(): ModelContract {
    const c = this.config;
    const stages = Array.from({ length: c.depth }, (_, i) => ({ name: `encoder.${i}`, layer: `encoder.${i}`, channels: c.baseWidth * 2 ** i, stride: 2 ** i }));
    stages.push({ name: 'bottleneck', layer: 'bottleneck', channels: c.baseWidth * 2 ** c.depth, stride: 2 ** c.depth });
    return {
      task: 'segmentation',
      numClasses: c.numClasses,
      inChannels: c.inChannels,
      inputMultiple: this.requiredMultiple,
      minInputSize: this.requiredMultiple,
      outputStride: this.requiredMultiple,
      outputActivation: this.outputActivation,
      fixedInputSize: null,
      fixedSizeLayers: [],
      featureStages: stages,
    };
  }

  /** Where to pad an image of this size to make it valid (see padToMultiple), and crop back. */
  padToValid(height: number, width: number): ValidPadding {
    return padToMultiple(height, width, this.requiredMultiple);
  }

  /** Dotted names of the layers (leaf modules) in the order forward runs them. */
  get layerNames(): string[] {
    return [...this.namedModules()].filter(([name, m]) => name !== '' && m.children().length === 0).map(([name]) => name);
  }

  override extraRepr(): string {
    const c = this.config;
    return (
      `inChannels=${c.inChannels}, numClasses=${c.numClasses}, depth=${c.depth}, baseWidth=${c.baseWidth}, ` +
      `batchNorm=${c.batchNorm}, dropout=${c.dropout}, upMode=${c.upMode}` +
      (c.variant ? `, variant=${c.variant}` : '')
    );
  }

  #checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`UNet: expected a 4-d input (N, ${this.inChannels}, H, W), got ${x}`);
    if (x.size(1) !== this.inChannels) {
      throw new Error(`UNet: expected ${this.inChannels} input channel(s), got ${x}`);
    }
    const [h, w] = [x.size(2), x.size(3)];
    const m = this.requiredMultiple;
    if (h % m !== 0 || w % m !== 0) {
      const p = this.padToValid(h, w);
      throw new Error(
        `UNet: input height and width must be multiples of ${m} (2^depth, depth ${this.depth}), got ${h}x${w}; ` +
          `pad to ${p.height}x${p.width} (UNet.padToValid gives the amounts) and crop the output back`,
      );
    }
  }
}
