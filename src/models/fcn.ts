// FCN-32s, FCN-16s and FCN-8s (Long, Shelhamer & Darrell, "Fully Convolutional Networks for
// Semantic Segmentation") on a VGG16 or VGG19 encoder, with the geometry of the reference Caffe
// nets: conv1_1 padded by 100, ceil-mode pooling, fc6/fc7 as convolutions, 1x1 score layers,
// transposed convolutions (kernel 2f - f%2, no bias) initialised as bilinear interpolation, and
// crops whose offsets are computed from the layers' coordinate maps, so the output has exactly
// the input's height and width for every input size.
import { noGrad, tidy, type Tensor } from '../torch/index.js';
import * as nn from '../nn/index.js';
import { Conv2d, ConvTranspose2d, Module, ReLU, type Pair, type StateDict } from '../nn/index.js';
import { compose, cropOffset, IDENTITY, layerCoordMap, sequenceCoordMap, type CoordMap } from './coord-map.js';
import { Add, Crop } from './fusion.js';
import { resolveFcnOptions, type FcnConfig, type FcnOptions } from './fcn-options.js';
import { FCN8sSame } from './fcn-keras.js';
import { backboneDepth, initVggWeights, VggFeatures, type PoolName, type VGG } from './vgg.js';
import { classActivation, defineModel, type ModelContract } from './contract.js';

export type { FcnOptions, FcnConfig, FcnBackbone, FcnVariant } from './fcn-options.js';
export { FCN8sSame } from './fcn-keras.js';

/** Output stride of the coarsest prediction that reaches the output: 32, 16 or 8. */
export type FcnStride = 32 | 16 | 8;

/** Pad of conv1_1 in the reference nets: enough that fc6's 7x7 window fits any input. */
export const FCN_INPUT_PADDING = 100;

// Per axis (rows, columns) maps, so non-square kernels would still align.
type Maps = [CoordMap, CoordMap];
const mapsOf = (m: Module<any, any>): Maps => [layerCoordMap(m, 0), layerCoordMap(m, 1)];
const then = (a: Maps, b: Maps): Maps => [compose(a[0], b[0]), compose(a[1], b[1])];
const offsetOf = (larger: Maps, reference: Maps): Pair => [cropOffset(larger[0], reference[0]), cropOffset(larger[1], reference[1])];

/**
 * FCN with the reference (Caffe) geometry. Children, in execution order: `features` (VGG,
 * torchvision indices), fc6, relu6, drop6, fc7, relu7, drop7, scoreFr, then per stride
 * 32s: upscore, score; 16s: upscore2, scorePool4, scorePool4c, fusePool4, upscore16, score;
 * 8s: upscore2, scorePool4, scorePool4c, fusePool4, upscorePool4, scorePool3, scorePool3c,
 * fusePool3, upscore8, score. forward returns logits (N, numClasses, H, W); softmax / argmax
 * belong to prediction. Dropout is elementwise, as Caffe's.
 */
export class FCN extends Module {
  readonly stride: FcnStride;
  readonly numClasses: number;
  readonly features: VggFeatures;
  readonly fc6: Conv2d;
  readonly fc7: Conv2d;
  readonly scoreFr: Conv2d;
  /** The transposed convolutions, coarse to fine. */
  readonly upsampling: readonly ConvTranspose2d[];
  /** The 1x1 score layers on pool4 / pool3 (16s and 8s), zero-initialised as in the paper. */
  readonly scorePool4: Conv2d | null = null;
  readonly scorePool3: Conv2d | null = null;
  /** Crop offsets (rows, columns) derived from the layers' geometry: 5, 9 and 19 / 27 / 31 for VGG. */
  readonly cropOffsets: Readonly<Record<string, Pair>>;
  readonly #options: FcnConfig;
  readonly #head: Module<any, any>[] = [];
  readonly #layerNames: string[] = [];

  constructor(stride: FcnStride, options: FcnOptions = {}) {
    super();
    if (stride !== 32 && stride !== 16 && stride !== 8) throw new Error(`FCN: stride must be 32, 16 or 8, got ${String(stride)}`);
    const config = resolveFcnOptions(options);
    if (config.variant !== 'canonical') {
      throw new Error(`fcn${stride}s: variant '${config.variant}' exists only for fcn8s (use FCN8sSame or fcn8s({ variant: 'same' }))`);
    }
    this.stride = stride;
    this.#options = config;
    this.numClasses = config.numClasses;
    const C = config.numClasses;
    const fc = config.fcWidth;
    const features = new VggFeatures({
      depth: backboneDepth(config.backbone),
      inChannels: config.inChannels,
      baseWidth: config.baseWidth,
      batchNorm: config.batchNorm,
      firstPadding: FCN_INPUT_PADDING,
      ceilMode: true,
    });
    this.features = this.registerModule('features', features);
    const [c3, c4, c5] = [features.poolChannels[2]!, features.poolChannels[3]!, features.poolChannels[4]!];
    const add = <M extends Module<any, any>>(name: string, m: M): M => {
      this.#head.push(this.registerModule(name, m));
      this.#layerNames.push(name);
      return m;
    };
    this.#layerNames.push(...features.children().map((_, i) => `features.${i}`));
    this.fc6 = add('fc6', new Conv2d(c5, fc, 7));
    add('relu6', new ReLU({ inplace: true }));
    add('drop6', new nn.Dropout(config.dropout));
    this.fc7 = add('fc7', new Conv2d(fc, fc, 1));
    add('relu7', new ReLU({ inplace: true }));
    add('drop7', new nn.Dropout(config.dropout));
    this.scoreFr = add('scoreFr', new Conv2d(fc, C, 1));
    initVggWeights(this); // backbone and fc6 / fc7 as torchvision initialises VGG
    const upsample = (factor: number): ConvTranspose2d =>
      new ConvTranspose2d(C, C, nn.getKernelSize(factor), { stride: factor, bias: false, init: 'bilinear' });

    // Coordinate maps from the input to each map the crops align.
    const poolMaps = (k: number): Maps => {
      const layers = features.children().slice(0, features.poolIndices[k]! + 1);
      return [sequenceCoordMap(layers, 0), sequenceCoordMap(layers, 1)];
    };
    let scoreMap: Maps = poolMaps(4);
    for (const m of this.#head) scoreMap = then(scoreMap, mapsOf(m));
    const offsets: Record<string, Pair> = {};
    const ups: ConvTranspose2d[] = [];

    if (stride === 32) {
      const upscore = add('upscore', upsample(32));
      ups.push(upscore);
      offsets.score = offsetOf(then(scoreMap, mapsOf(upscore)), [IDENTITY, IDENTITY]);
    } else {
      const upscore2 = add('upscore2', upsample(2));
      ups.push(upscore2);
      this.scorePool4 = add('scorePool4', new Conv2d(c4, C, 1));
      let fused = then(scoreMap, mapsOf(upscore2));
      offsets.scorePool4c = offsetOf(then(poolMaps(3), mapsOf(this.scorePool4)), fused);
      add('scorePool4c', new Crop(offsets.scorePool4c));
      add('fusePool4', new Add());
      if (stride === 8) {
        const upscorePool4 = add('upscorePool4', upsample(2));
        ups.push(upscorePool4);
        this.scorePool3 = add('scorePool3', new Conv2d(c3, C, 1));
        fused = then(fused, mapsOf(upscorePool4));
        offsets.scorePool3c = offsetOf(then(poolMaps(2), mapsOf(this.scorePool3)), fused);
        add('scorePool3c', new Crop(offsets.scorePool3c));
        add('fusePool3', new Add());
      }
      const last = add(stride === 16 ? 'upscore16' : 'upscore8', upsample(stride));
      ups.push(last);
      offsets.score = offsetOf(then(fused, mapsOf(last)), [IDENTITY, IDENTITY]);
    }
    add('score', new Crop(offsets.score!, { contiguous: true }));
    this.upsampling = ups;
    this.cropOffsets = offsets;
    for (const conv of [this.scoreFr, this.scorePool4, this.scorePool3]) {
      if (!conv) continue;
      nn.init.zeros_(conv.weight);
      nn.init.zeros_(conv.bias!);
    }
    if (!config.learnableUpsampling) this.setUpsamplingLearnable(false);
    if (config.freezeBackbone) this.freezeBackbone();
  }

  /** 'fcn32s', 'fcn16s' or 'fcn8s' (the registry name). */
  get architecture(): string {
    return `fcn${this.stride}s`;
  }

  /** Everything needed to rebuild this model, with the current frozen state (JSON-able). */
  get config(): FcnConfig {
    return {
      ...this.#options,
      learnableUpsampling: this.upsampling.every((u) => u.weight.requiresGrad),
      freezeBackbone: this.features.parameters().every((p) => !p.requiresGrad),
    };
  }

  /** Stops (or with false restarts) training of the VGG backbone (`features`). */
  freezeBackbone(frozen = true): this {
    this.features.requiresGrad_(!frozen);
    return this;
  }

  /** Trains the transposed convolutions (true) or keeps them fixed (false). */
  setUpsamplingLearnable(learnable: boolean): this {
    for (const u of this.upsampling) u.requiresGrad_(learnable);
    return this;
  }

  /** Dotted names of the layers forward runs, in execution order. */
  get layerNames(): string[] {
    return [...this.#layerNames];
  }

  /** Dotted names of pool1..pool5 (for forward hooks / activation capture). */
  get poolLayerNames(): Record<PoolName, string> {
    return this.features.poolLayerNames('features');
  }

  /** Any input size (conv1_1's padding of 100 and the crops bring the output back to it); pool5 at stride 32. */
  get contract(): ModelContract {
    return {
      task: 'segmentation',
      numClasses: this.numClasses,
      inChannels: this.#options.inChannels,
      inputMultiple: 1,
      minInputSize: 1,
      outputStride: 32,
      outputActivation: classActivation(this.numClasses),
      fixedInputSize: null,
      fixedSizeLayers: [],
      featureStages: this.features.featureStages('features'),
    };
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.size(1) !== this.#options.inChannels) {
      throw new Error(`${this.architecture}: expected an input (N, ${this.#options.inChannels}, H, W), got ${x}`);
    }
    const f = this.features;
    const [p3, p4] = [f.poolIndices[2]! + 1, f.poolIndices[3]! + 1];
    return tidy(() => {
      // Only the pools the skips need stay alive; everything else is freed as soon as it is used.
      let pool3: Tensor | null = null;
      let pool4: Tensor | null = null;
      let h = x;
      if (this.stride === 8) h = pool3 = f.runRange(h, 0, p3);
      if (this.stride !== 32) h = pool4 = f.runRange(h, pool3 ? p3 : 0, p4);
      h = f.runRange(h, pool4 ? p4 : 0, f.length);
      const get = (name: string): Module<any, any> => this.getSubmodule(name);
      for (const name of ['fc6', 'relu6', 'drop6', 'fc7', 'relu7', 'drop7', 'scoreFr']) h = step(h, get(name).forward(h));
      if (this.stride === 32) {
        h = step(h, get('upscore').forward(h));
      } else {
        h = step(h, get('upscore2').forward(h));
        h = this.#fuse(h, pool4!, 'scorePool4', 'scorePool4c', 'fusePool4');
        if (this.stride === 8) {
          h = step(h, get('upscorePool4').forward(h));
          h = this.#fuse(h, pool3!, 'scorePool3', 'scorePool3c', 'fusePool3');
        }
        h = step(h, get(this.stride === 16 ? 'upscore16' : 'upscore8').forward(h));
      }
      return step(h, get('score').forward(h, x));
    });
  }

  /** upsampled + crop(score(pool)); frees the pool, the score and the upsampled map. */
  #fuse(upsampled: Tensor, pool: Tensor, scoreName: string, cropName: string, fuseName: string): Tensor {
    const score = this.getSubmodule(scoreName).forward(pool);
    pool.dispose();
    const cropped = step(score, this.getSubmodule(cropName).forward(score, upsampled));
    const fused = this.getSubmodule(fuseName).forward(upsampled, cropped);
    cropped.dispose();
    upsampled.dispose();
    return fused;
  }
}

// Frees the previous map once the next one exists (the network input is never in h here).
function step(previous: Tensor, next: Tensor): Tensor {
  previous.dispose();
  return next;
}

/** FCN-32s: scores at stride 32 upsampled 32x (kernel 64). */
export class FCN32s extends FCN {
  constructor(options: FcnOptions = {}) {
    super(32, options);
  }
}

/** FCN-16s: 2x upsampled scores + pool4 scores, upsampled 16x (kernels 4 and 32). */
export class FCN16s extends FCN {
  constructor(options: FcnOptions = {}) {
    super(16, options);
  }
}

/** FCN-8s: as FCN-16s plus pool3 scores, upsampled 8x (kernels 4, 4 and 16). */
export class FCN8s extends FCN {
  constructor(options: FcnOptions = {}) {
    super(8, options);
  }
}

/** FCN-32s with the reference geometry. */
export function fcn32s(options: FcnOptions = {}): FCN32s {
  return new FCN32s(options);
}

/** FCN-16s with the reference geometry. */
export function fcn16s(options: FcnOptions = {}): FCN16s {
  return new FCN16s(options);
}

/**
 * FCN-8s: the reference geometry by default, or with { variant: 'same' } the FCN-8s of the Keras
 * FCN tutorial (see FCN8sSame: inputs multiple of 32, frozen VGG16 base, 'same' padding everywhere).
 * @example
 *   const fcn = fcn8s({ numClasses: 21, backbone: 'vgg19' });
 *   const keras = fcn8s({ numClasses: 2, variant: 'same' });
 */
export function fcn8s(options: FcnOptions = {}): FCN8s | FCN8sSame {
  return options.variant === 'same' ? new FCN8sSame(options) : new FCN8s(options);
}

/** What initFromVgg needs of an FCN: the VGG features and fc6 / fc7 as convolutions. */
export interface VggEncoder {
  readonly features: VggFeatures;
  readonly fc6: Conv2d;
  readonly fc7: Conv2d;
}

/**
 * The FCN paper's transfer: copies a VGG classifier's `features.*` into the FCN's backbone and
 * reshapes classifier.0 (fc6, a Linear over 7x7 maps) and classifier.3 (fc7) into the fc6 / fc7
 * convolutions; the 1000-class classifier.6 is dropped. `vgg` is a VGG model or its state dict
 * (e.g. torchvision weights loaded from safetensors). Returns the FCN keys it wrote.
 * @example
 *   const fcn = fcn8s({ numClasses: 21 });
 *   initFromVgg(fcn, loadSafetensors('vgg16.safetensors').tensors);
 */
export function initFromVgg(fcn: VggEncoder & Module<any, any>, vgg: VGG | StateDict | Record<string, Tensor>): string[] {
  const source: Map<string, Tensor> =
    vgg instanceof Module ? vgg.stateDict() : vgg instanceof Map ? vgg : new Map(Object.entries(vgg));
  const plan: [target: Tensor, key: string, sourceKey: string][] = [];
  for (const [key, t] of fcn.features.stateDict()) {
    // Old *_bn weights have no BatchNorm step counter (PyTorch leaves it at 0 then, as we do).
    if (key.endsWith('.num_batches_tracked') && !source.has(`features.${key}`)) continue;
    plan.push([t, `features.${key}`, `features.${key}`]);
  }
  for (const [layer, sourceLayer] of [['fc6', 'classifier.0'], ['fc7', 'classifier.3']] as const) {
    plan.push([fcn[layer].weight, `${layer}.weight`, `${sourceLayer}.weight`]);
    plan.push([fcn[layer].bias!, `${layer}.bias`, `${sourceLayer}.bias`]);
  }
  const problems: string[] = [];
  for (const [target, key, sourceKey] of plan) {
    const src = source.get(sourceKey);
    if (!src) {
      problems.push(`missing ${sourceKey}`);
    } else if (src.numel !== target.numel || (key.startsWith('features.') && src.shape.join() !== target.shape.join())) {
      problems.push(`${sourceKey} has shape [${src.shape}], ${key} needs [${target.shape}]`);
    } else if (!key.startsWith('features.') && src.size(0) !== target.size(0)) {
      problems.push(`${sourceKey} has ${src.size(0)} outputs, ${key} needs ${target.size(0)}`);
    }
  }
  if (problems.length) {
    throw new Error(
      `initFromVgg: the VGG weights do not fit this FCN (same backbone, baseWidth, batchNorm and fcWidth needed): ${problems.join('; ')}`,
    );
  }
  noGrad(() => {
    for (const [target, , sourceKey] of plan) {
      const src = source.get(sourceKey)!;
      const reshaped = src.reshape(target.shape);
      target.copy_(reshaped);
      reshaped.dispose();
    }
  });
  return plan.map(([, key]) => key);
}

const FCN_OPTIONS = ['numClasses', 'inChannels', 'backbone', 'baseWidth', 'fcWidth', 'batchNorm', 'dropout', 'variant', 'learnableUpsampling', 'freezeBackbone'] as const;

/** FCN-32s in the registry. */
export const fcn32sModel = defineModel({ description: 'FCN-32s on VGG16/VGG19 (Long et al.), any input size', options: FCN_OPTIONS, create: (o: FcnOptions) => fcn32s(o) });

/** FCN-16s in the registry. */
export const fcn16sModel = defineModel({ description: 'FCN-16s: FCN-32s plus a pool4 skip', options: FCN_OPTIONS, create: (o: FcnOptions) => fcn16s(o) });

/** FCN-8s in the registry (variant 'same': the Keras FCN tutorial's). */
export const fcn8sModel = defineModel({
  description: "FCN-8s: pool4 and pool3 skips; variant 'same' is the Keras FCN tutorial's (inputs multiple of 32)",
  options: FCN_OPTIONS,
  create: (o: FcnOptions) => fcn8s(o),
});
