// The FCN-8s of the Keras segmentation lecture (tf.keras VGG16 base + Conv2D / Conv2DTranspose with 'same'
// padding), selected with fcn8s({ variant: 'same' }). It differs from the paper's nets: no
// padding of 100 and no crops ('same' convolutions and floor pooling, so pool5 is exactly
// input/32), the transposed convolutions keep the skip layers' widths (C -> 512 -> 256 -> C)
// instead of scoring the skips, they have biases, and a ReLU follows the class-score layer.
// With VGG16 and 2 classes it has the lecture's 136,514,116 parameters, 14,714,688 of them frozen.
import { tidy, type Tensor } from '../torch/index.js';
import * as nn from '../nn/index.js';
import { Conv2d, ConvTranspose2d, Module, ReLU } from '../nn/index.js';
import { Add } from './fusion.js';
import { resolveFcnOptions, type FcnConfig, type FcnOptions } from './fcn-options.js';
import { backboneDepth, initVggWeights, VggFeatures, type PoolName } from './vgg.js';
import { classActivation, type ModelContract } from './contract.js';

/**
 * The Keras lecture's FCN-8s. Children in execution order: `features` (VGG, torchvision indices, frozen by
 * default), fc6 (7x7 'same', Keras: conv6) + relu6, fc7 (1x1, Keras: fcn4) + relu7, scoreFr (1x1 to
 * numClasses, Keras: fcn3) + reluScore (the lecture's activation='relu' on the scores, kept for
 * fidelity), upscore2 (4x4 / 2 to pool4's width, Keras: fcn2), fusePool4 (+ pool4), upscorePool4
 * (4x4 / 2 to pool3's width, Keras: fcn1), fusePool3 (+ pool3), upscore8 (16x16 / 8 to numClasses,
 * Keras: output). Returns logits; the lecture's final softmax belongs to prediction (and the loss).
 * Input height and width must be multiples of 32. New layers start as Keras does (Glorot uniform,
 * zero bias); load ImageNet VGG16 weights into the base with initFromVgg.
 */
export class FCN8sSame extends Module {
  readonly stride = 8;
  readonly numClasses: number;
  readonly features: VggFeatures;
  readonly fc6: Conv2d;
  readonly fc7: Conv2d;
  readonly scoreFr: Conv2d;
  readonly upsampling: readonly ConvTranspose2d[];
  readonly #options: FcnConfig;
  readonly #layerNames: string[] = [];

  constructor(options: FcnOptions = {}) {
    super();
    const config = resolveFcnOptions({ ...options, variant: 'same' });
    if (!config.learnableUpsampling) {
      throw new Error(
        "FCN8sSame: learnableUpsampling must stay true; the 'same' variant's transposed convolutions change widths and start random, as in the Keras lecture",
      );
    }
    this.#options = config;
    this.numClasses = config.numClasses;
    const features = new VggFeatures({
      depth: backboneDepth(config.backbone),
      inChannels: config.inChannels,
      baseWidth: config.baseWidth,
      batchNorm: config.batchNorm,
    });
    this.features = this.registerModule('features', features);
    initVggWeights(features);
    this.#layerNames.push(...features.children().map((_, i) => `features.${i}`));
    const add = <M extends Module<any, any>>(name: string, m: M): M => {
      this.#layerNames.push(name);
      return this.registerModule(name, m);
    };
    const [c3, c4, c5] = [features.poolChannels[2]!, features.poolChannels[3]!, features.poolChannels[4]!];
    const [C, fc] = [config.numClasses, config.fcWidth];
    this.fc6 = add('fc6', new Conv2d(c5, fc, 7, { padding: 'same' }));
    add('relu6', new ReLU({ inplace: true }));
    if (config.dropout > 0) add('drop6', new nn.Dropout(config.dropout));
    this.fc7 = add('fc7', new Conv2d(fc, fc, 1));
    add('relu7', new ReLU({ inplace: true }));
    if (config.dropout > 0) add('drop7', new nn.Dropout(config.dropout));
    this.scoreFr = add('scoreFr', new Conv2d(fc, C, 1));
    add('reluScore', new ReLU({ inplace: true }));
    const up2 = add('upscore2', new ConvTranspose2d(C, c4, 4, { stride: 2, padding: 'same' }));
    add('fusePool4', new Add());
    const upPool4 = add('upscorePool4', new ConvTranspose2d(c4, c3, 4, { stride: 2, padding: 'same' }));
    add('fusePool3', new Add());
    const up8 = add('upscore8', new ConvTranspose2d(c3, C, 16, { stride: 8, padding: 'same' }));
    this.upsampling = [up2, upPool4, up8];
    for (const layer of [this.fc6, this.fc7, this.scoreFr, ...this.upsampling]) {
      nn.init.xavierUniform_(layer.weight);
      nn.init.zeros_(layer.bias!);
    }
    if (config.freezeBackbone) this.freezeBackbone();
  }

  /** The registry name. */
  get architecture(): string {
    return 'fcn8s';
  }

  /** Everything needed to rebuild this model (variant 'same'), with the current frozen state. */
  get config(): FcnConfig {
    return { ...this.#options, freezeBackbone: this.features.parameters().every((p) => !p.requiresGrad) };
  }

  /** Stops (or with false restarts) training of the VGG base, as Keras' base_model.trainable = false. */
  freezeBackbone(frozen = true): this {
    this.features.requiresGrad_(!frozen);
    return this;
  }

  get layerNames(): string[] {
    return [...this.#layerNames];
  }

  get poolLayerNames(): Record<PoolName, string> {
    return this.features.poolLayerNames('features');
  }

  /** Inputs multiple of 32: 'same' layers and floor pooling make pool5 exactly input / 32, and the skips must match. */
  get contract(): ModelContract {
    return {
      task: 'segmentation',
      numClasses: this.numClasses,
      inChannels: this.#options.inChannels,
      inputMultiple: 32,
      minInputSize: 32,
      outputStride: 32,
      outputActivation: classActivation(this.numClasses),
      fixedInputSize: null,
      fixedSizeLayers: [],
      featureStages: this.features.featureStages('features'),
    };
  }

  override forward(x: Tensor): Tensor {
    const inC = this.#options.inChannels;
    if (x.ndim !== 4 || x.size(1) !== inC) throw new Error(`fcn8s (variant 'same'): expected an input (N, ${inC}, H, W), got ${x}`);
    const [H, W] = [x.size(2), x.size(3)];
    if (H % 32 !== 0 || W % 32 !== 0 || H === 0 || W === 0) {
      throw new Error(
        `fcn8s (variant 'same'): input height and width must be positive multiples of 32 (pool5 is input/32 and the skips must match), got ${H}x${W}`,
      );
    }
    const f = this.features;
    const [p3, p4] = [f.poolIndices[2]! + 1, f.poolIndices[3]! + 1];
    return tidy(() => {
      const pool3 = f.runRange(x, 0, p3);
      const pool4 = f.runRange(pool3, p3, p4);
      let h = f.runRange(pool4, p4, f.length);
      for (const name of this.#layerNames) {
        if (name.startsWith('features.')) continue;
        const m = this.getSubmodule(name);
        const next = name === 'fusePool4' ? m.forward(h, pool4) : name === 'fusePool3' ? m.forward(h, pool3) : m.forward(h);
        h.dispose();
        h = next;
        if (name === 'fusePool4') pool4.dispose();
        if (name === 'fusePool3') pool3.dispose();
      }
      return h;
    });
  }
}
