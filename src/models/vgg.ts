// VGG (Simonyan & Zisserman, 2014) with torchvision's module layout and parameter names
// (`features.<i>`, `avgpool`, `classifier.0/3/6`), so torchvision's ImageNet weights load as they
// are (weights/ maps the other layouts: Keras, TF-slim, Caffe, ...). Besides the classifier it runs
// fully convolutionally (fc6 as a 7x7 convolution, fc7/fc8 as 1x1, the same weights viewed as
// kernels) for a coarse map of class scores, and returns pool1..pool5 for encoders such as FCN's.
import { tidy, type Tensor } from '../torch/index.js';
import * as nn from '../nn/index.js';
import { BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential } from '../nn/index.js';
import { classActivation, defineModel, type FeatureStage, type ModelContract } from './contract.js';

/** Convolutions per block (each block ends with a 2x2 max pool): VGG configurations A, B, D, E. */
export const VGG_BLOCKS = {
  11: [1, 1, 2, 2, 2],
  13: [2, 2, 2, 2, 2],
  16: [2, 2, 3, 3, 3],
  19: [2, 2, 4, 4, 4],
} as const;

export type VggDepth = keyof typeof VGG_BLOCKS;

/** Block widths relative to baseWidth (64 in the paper: 64, 128, 256, 512, 512). */
export const VGG_WIDTH_FACTORS = [1, 2, 4, 8, 8] as const;

export const POOL_NAMES = ['pool1', 'pool2', 'pool3', 'pool4', 'pool5'] as const;
export type PoolName = (typeof POOL_NAMES)[number];
/** pool1..pool5: strides 2, 4, 8, 16, 32. */
export type VggPools = Record<PoolName, Tensor>;

export interface VggFeaturesOptions {
  depth?: VggDepth;
  inChannels?: number;
  baseWidth?: number;
  batchNorm?: boolean;
  /** Padding of conv1_1 (1 = 'same'; FCN uses 100 so that any input size survives fc6). */
  firstPadding?: number;
  /** Round pooled sizes up (Caffe, FCN) instead of down (torchvision, Keras). */
  ceilMode?: boolean;
}

/**
 * VGG's convolutional part as torchvision builds it: conv3x3 [+ BatchNorm] + ReLU(inplace) per
 * layer, MaxPool2d(2) after each block, children named '0', '1', ... in that order.
 */
export class VggFeatures extends Sequential {
  /** Index in this sequence of each block's pooling layer (pool1..pool5). */
  readonly poolIndices: readonly number[];
  /** Channels of pool1..pool5. */
  readonly poolChannels: readonly number[];
  readonly depth: VggDepth;

  constructor(options: VggFeaturesOptions = {}) {
    const depth = checkDepth(options.depth ?? 16);
    const inChannels = positiveInt('inChannels', options.inChannels ?? 3);
    const baseWidth = positiveInt('baseWidth', options.baseWidth ?? 64);
    const layers: Module<any, any>[] = [];
    const poolIndices: number[] = [];
    const poolChannels: number[] = [];
    let channels = inChannels;
    VGG_BLOCKS[depth].forEach((convs, block) => {
      const width = baseWidth * VGG_WIDTH_FACTORS[block]!;
      for (let i = 0; i < convs; i++) {
        const padding = layers.length === 0 ? (options.firstPadding ?? 1) : 1;
        layers.push(new Conv2d(channels, width, 3, { padding }));
        if (options.batchNorm) layers.push(new BatchNorm2d(width));
        layers.push(new ReLU({ inplace: true }));
        channels = width;
      }
      poolIndices.push(layers.length);
      poolChannels.push(width);
      layers.push(new MaxPool2d(2, { stride: 2, ceilMode: options.ceilMode ?? false }));
    });
    super(...layers);
    this.depth = depth;
    this.poolIndices = poolIndices;
    this.poolChannels = poolChannels;
  }

  /**
   * Runs children [from, to) (a non-empty range) on x, freeing each intermediate as soon as
   * the next layer has consumed it; autograd keeps what backward needs.
   */
  runRange(x: Tensor, from: number, to: number): Tensor {
    const layers = this.children();
    if (!(from >= 0 && from < to && to <= layers.length)) {
      throw new RangeError(`VggFeatures.runRange: expected 0 <= from < to <= ${layers.length}, got [${from}, ${to})`);
    }
    let h = x;
    try {
      for (let i = from; i < to; i++) {
        const next = layers[i]!.forward(h) as Tensor;
        if (h !== x) h.dispose();
        h = next;
      }
    } catch (err) {
      if (h !== x) h.dispose();
      throw err;
    }
    return h;
  }

  override forward(x: Tensor): Tensor {
    return this.runRange(x, 0, this.length);
  }

  /** pool1..pool5 of x (the caller owns all five). */
  forwardPools(x: Tensor): VggPools {
    const pools: Tensor[] = [];
    let h = x;
    let from = 0;
    try {
      for (const index of this.poolIndices) {
        h = this.runRange(h, from, index + 1);
        pools.push(h);
        from = index + 1;
      }
    } catch (err) {
      for (const p of pools) p.dispose();
      throw err;
    }
    return Object.fromEntries(POOL_NAMES.map((name, i) => [name, pools[i]!])) as VggPools;
  }

  /** The dotted names ('features.4', ...) of pool1..pool5 under `prefix`. */
  poolLayerNames(prefix = 'features'): Record<PoolName, string> {
    return Object.fromEntries(POOL_NAMES.map((name, i) => [name, `${prefix}.${this.poolIndices[i]}`])) as Record<PoolName, string>;
  }

  /** pool1..pool5 as feature stages (strides 2..32) under `prefix`. */
  featureStages(prefix = 'features'): FeatureStage[] {
    return POOL_NAMES.map((name, i) => ({ name, layer: `${prefix}.${this.poolIndices[i]}`, channels: this.poolChannels[i]!, stride: 2 ** (i + 1) }));
  }
}

/**
 * A Linear layer whose weight (out, inChannels * k * k) also serves as a k x k convolution
 * (out, inChannels, k, k) on 4-d inputs: a 2-d input runs as Linear, a 4-d one as the
 * convolution. Flattening a (C, k, k) map is row-major, so both compute the same sums.
 */
export class LinearConv2d extends Linear {
  readonly inChannels: number;
  readonly kernelSize: number;
  /** Padding of the convolutional form: 'valid' (no padding) or Keras-style 'same'. */
  convPadding: 'valid' | 'same' = 'valid';

  constructor(inChannels: number, kernelSize: number, outFeatures: number) {
    super(inChannels * kernelSize * kernelSize, outFeatures);
    this.inChannels = inChannels;
    this.kernelSize = kernelSize;
  }

  /** The weight viewed as convolution kernels (a view: gradients reach the weight). */
  convWeight(): Tensor {
    return this.weight.view([this.outFeatures, this.inChannels, this.kernelSize, this.kernelSize]);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4) return super.forward(x);
    if (x.size(1) !== this.inChannels) {
      throw new Error(`LinearConv2d: expected ${this.inChannels} input channels, got ${x}`);
    }
    const kernels = this.convWeight();
    try {
      return nn.functional.conv2d(x, kernels, this.bias, { padding: this.convPadding });
    } finally {
      kernels.dispose();
    }
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, asConv=(${this.inChannels}, kernel=${this.kernelSize}, padding='${this.convPadding}')`;
  }
}

export interface VggOptions {
  /** 16 (VGG16, configuration D) or 19 (VGG19, E); 11 and 13 also exist. */
  depth?: VggDepth;
  /** Output classes (1000 for ImageNet). */
  numClasses?: number;
  inChannels?: number;
  /** Width of the first block (64); the blocks have baseWidth * [1, 2, 4, 8, 8] channels. */
  baseWidth?: number;
  /** Width of fc6 and fc7 (default 64 * baseWidth: 4096). */
  fcWidth?: number;
  /** BatchNorm after every convolution (torchvision's vgg16_bn / vgg19_bn). */
  batchNorm?: boolean;
  /** Dropout probability after fc6 and fc7. */
  dropout?: number;
  /** forward returns (N, numClasses, h, w) class-score maps instead of (N, numClasses). */
  fullyConvolutional?: boolean;
  /** fc6 as a convolution: 'valid' (the classifier slid over the image, map = input/32 - 6) or 'same' (map = input/32). */
  fc6Padding?: 'valid' | 'same';
}

export type VggConfig = Required<VggOptions>;

/**
 * VGG classifier: features, AdaptiveAvgPool2d(7), classifier (fc6 4096, fc7 4096, fc8
 * numClasses). forward returns logits (N, numClasses), or with fullyConvolutional a map of
 * class scores (softmax / argmax belong to prediction).
 */
export class VGG extends Module {
  readonly features: VggFeatures;
  readonly avgpool: nn.AdaptiveAvgPool2d;
  readonly flatten: nn.Flatten;
  readonly classifier: Sequential;
  readonly numClasses: number;
  /** forward returns class-score maps (switchable at any time). */
  fullyConvolutional: boolean;
  readonly #options: VggConfig;

  constructor(options: VggOptions = {}) {
    super();
    const depth = checkDepth(options.depth ?? 16);
    const baseWidth = positiveInt('baseWidth', options.baseWidth ?? 64);
    const config: VggConfig = {
      depth,
      numClasses: positiveInt('numClasses', options.numClasses ?? 1000),
      inChannels: positiveInt('inChannels', options.inChannels ?? 3),
      baseWidth,
      fcWidth: positiveInt('fcWidth', options.fcWidth ?? 64 * baseWidth),
      batchNorm: options.batchNorm ?? false,
      dropout: checkDropout(options.dropout ?? 0.5),
      fullyConvolutional: options.fullyConvolutional ?? false,
      fc6Padding: checkFc6Padding(options.fc6Padding ?? 'valid'),
    };
    this.#options = config;
    this.numClasses = config.numClasses;
    this.fullyConvolutional = config.fullyConvolutional;
    this.features = this.registerModule(
      'features',
      new VggFeatures({ depth, inChannels: config.inChannels, baseWidth, batchNorm: config.batchNorm }),
    );
    this.avgpool = this.registerModule('avgpool', new nn.AdaptiveAvgPool2d(7));
    this.flatten = this.registerModule('flatten', new nn.Flatten(1));
    const c5 = this.features.poolChannels[4]!;
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new LinearConv2d(c5, 7, config.fcWidth),
        new ReLU({ inplace: true }),
        new nn.Dropout(config.dropout),
        new LinearConv2d(config.fcWidth, 1, config.fcWidth),
        new ReLU({ inplace: true }),
        new nn.Dropout(config.dropout),
        new LinearConv2d(config.fcWidth, 1, config.numClasses),
      ),
    );
    this.fc6Padding = config.fc6Padding;
    initVggWeights(this);
  }

  /** Everything needed to rebuild this model, with the current mode (JSON-able; saved with checkpoints). */
  get config(): VggConfig {
    return { ...this.#options, fullyConvolutional: this.fullyConvolutional, fc6Padding: this.fc6Padding };
  }

  /** 'vgg16', 'vgg19', ... (the registry name). */
  get architecture(): string {
    return `vgg${this.#options.depth}`;
  }

  /** Padding of fc6 in fully convolutional mode. */
  get fc6Padding(): 'valid' | 'same' {
    return (this.classifier.at(0) as LinearConv2d).convPadding;
  }
  set fc6Padding(padding: 'valid' | 'same') {
    (this.classifier.at(0) as LinearConv2d).convPadding = checkFc6Padding(padding);
  }

  override forward(x: Tensor): Tensor {
    return this.fullyConvolutional ? this.forwardFullyConvolutional(x) : this.forwardClassifier(x);
  }

  /** Class logits (N, numClasses) of (N, C, H, W) images (H, W >= 32; 224 as trained). */
  forwardClassifier(x: Tensor): Tensor {
    this.#checkInput(x, 32, 'the classifier');
    return tidy(() => {
      const f = this.features.forward(x);
      const pooled = this.avgpool.forward(f);
      f.dispose();
      const flat = this.flatten.forward(pooled);
      pooled.dispose();
      return this.classifier.forward(flat);
    });
  }

  /**
   * Class-score maps (N, numClasses, h, w): the classifier slid over the image with a stride of
   * 32 pixels. With fc6Padding 'valid', h = floor(H / 32) - 6 (inputs >= 224); with 'same', h = floor(H / 32).
   * At 224x224 the single score equals forwardClassifier's.
   */
  forwardFullyConvolutional(x: Tensor): Tensor {
    const valid = this.fc6Padding === 'valid';
    this.#checkInput(x, valid ? 224 : 32, valid ? "fully convolutional mode with fc6Padding 'valid' (or use 'same')" : 'fully convolutional mode');
    return tidy(() => this.classifier.forward(this.features.forward(x)));
  }

  /** pool1..pool5 (strides 2..32); the caller owns the five tensors. */
  forwardFeatures(x: Tensor): VggPools {
    this.#checkInput(x, 32, 'features mode');
    return this.features.forwardPools(x);
  }

  /** Dotted names of pool1..pool5 for getSubmodule / forward hooks. */
  get poolLayerNames(): Record<PoolName, string> {
    return this.features.poolLayerNames('features');
  }

  /**
   * Classifier: inputs of at least 32x32 (224x224 as trained); the classifier after
   * AdaptiveAvgPool2d(7) ties it to that pooled size. Fully convolutional: any size from 32
   * (224 with fc6 'valid'), class-score maps at stride 32.
   */
  get contract(): ModelContract {
    const valid = this.fullyConvolutional && this.fc6Padding === 'valid';
    return {
      task: 'classification',
      numClasses: this.numClasses,
      inChannels: this.#options.inChannels,
      inputMultiple: 1,
      minInputSize: valid ? 224 : 32,
      outputStride: 32,
      outputActivation: classActivation(this.numClasses),
      fixedInputSize: null,
      fixedSizeLayers: this.fullyConvolutional ? [] : ['avgpool'],
      featureStages: this.features.featureStages('features'),
    };
  }

  /** Dotted names of the layers forward runs, in execution order. */
  get layerNames(): string[] {
    const features = this.features.children().map((_, i) => `features.${i}`);
    const classifier = this.classifier.children().map((_, i) => `classifier.${i}`);
    return this.fullyConvolutional ? [...features, ...classifier] : [...features, 'avgpool', 'flatten', ...classifier];
  }

  #checkInput(x: Tensor, minSize: number, what: string): void {
    const shape = x.shape;
    if (shape.length !== 4 || shape[1] !== this.#options.inChannels) {
      throw new Error(`${this.architecture}: expected an input (N, ${this.#options.inChannels}, H, W), got [${shape}]`);
    }
    if (shape[2]! < minSize || shape[3]! < minSize) {
      throw new Error(`${this.architecture}: ${what} needs inputs of at least ${minSize}x${minSize} pixels, got ${shape[2]}x${shape[3]}`);
    }
  }
}

/**
 * VGG16 (configuration D): 138,357,544 parameters with the ImageNet head.
 * @example
 *   const classifier = vgg16();                                    // 1000 ImageNet classes
 *   const coarse = vgg16({ fullyConvolutional: true, fc6Padding: 'same' }); // class-score maps at stride 32
 */
export function vgg16(options: Omit<VggOptions, 'depth'> = {}): VGG {
  return new VGG({ ...options, depth: 16 });
}

/** VGG19 (configuration E): 143,667,240 parameters with the ImageNet head. */
export function vgg19(options: Omit<VggOptions, 'depth'> = {}): VGG {
  return new VGG({ ...options, depth: 19 });
}

/**
 * torchvision's VGG initialisation: convolutions kaiming-normal (fan out, ReLU) with zero bias,
 * BatchNorm weight 1 / bias 0, linear layers N(0, 0.01) with zero bias.
 */
export function initVggWeights(model: Module<any, any>): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d) {
      nn.init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof BatchNorm2d) {
      if (m.weight) nn.init.ones_(m.weight);
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof Linear) {
      nn.init.normal_(m.weight, 0, 0.01);
      if (m.bias) nn.init.zeros_(m.bias);
    }
  }
}

export function checkDepth(depth: number): VggDepth {
  if (!(depth in VGG_BLOCKS)) {
    throw new Error(`VGG: depth must be one of ${Object.keys(VGG_BLOCKS).join(', ')}, got ${String(depth)}`);
  }
  return depth as VggDepth;
}

/** A VGG backbone name ('vgg16' | 'vgg19') as its depth. */
export function backboneDepth(backbone: string): VggDepth {
  const match = /^vgg(\d+)$/.exec(String(backbone));
  if (!match || !(Number(match[1]) in VGG_BLOCKS)) {
    throw new Error(`backbone must be 'vgg16' or 'vgg19' (also 'vgg11', 'vgg13'), got '${String(backbone)}'`);
  }
  return Number(match[1]) as VggDepth;
}

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer >= 1, got ${String(value)}`);
  return value;
}

export function checkDropout(p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new Error(`dropout must be a probability in [0, 1), got ${String(p)}`);
  return p;
}

function checkFc6Padding(padding: string): 'valid' | 'same' {
  if (padding !== 'valid' && padding !== 'same') throw new Error(`fc6Padding must be 'valid' or 'same', got '${String(padding)}'`);
  return padding;
}

/** VGG16 in the registry. */
export const vgg16Model = defineModel({
  description: 'VGG16 classifier (138,357,544 parameters); fullyConvolutional for coarse score maps',
  options: ['depth', 'numClasses', 'inChannels', 'baseWidth', 'fcWidth', 'batchNorm', 'dropout', 'fullyConvolutional', 'fc6Padding'],
  create: (o: VggOptions & { depth?: 16 }) => vgg16(withDepth(o, 16)),
});

/** VGG19 in the registry. */
export const vgg19Model = defineModel({
  description: 'VGG19 classifier (143,667,240 parameters); fullyConvolutional for coarse score maps',
  options: ['depth', 'numClasses', 'inChannels', 'baseWidth', 'fcWidth', 'batchNorm', 'dropout', 'fullyConvolutional', 'fc6Padding'],
  create: (o: VggOptions & { depth?: 19 }) => vgg19(withDepth(o, 19)),
});

// A VGG config records its depth; rebuilding vgg16 from it must agree.
function withDepth(o: VggOptions, depth: VggDepth): Omit<VggOptions, 'depth'> {
  const { depth: given, ...rest } = o;
  if (given !== undefined && given !== depth) throw new Error(`model vgg${depth}: option depth is ${String(given)}, expected ${depth}`);
  return rest;
}
