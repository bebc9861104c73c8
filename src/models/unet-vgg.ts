// U-Net on a VGG encoder (segmentation_models_pytorch's Unet('vgg16')): the encoder is VGG's
// convolutional part with torchvision's layout (`encoder.<i>`, the indices of `features.<i>`),
// so ImageNet VGG weights in any format load into it (weights/); the skips are the outputs of
// VGG's five blocks before their pooling (strides 1..16, the feature stages), the bottleneck is
// pool5 (stride 32), and the decoder is the plain U-Net's up path (UNetUpBlock) from pool5 back
// to full resolution, then a 1x1 head. Inputs must be multiples of 32.
import type { Tensor } from '../torch/index.js';
import { Module } from '../nn/module.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { ModuleList } from '../nn/layers/container.js';
import { classActivation, defineModel, type FeatureStage, type ModelContract, type OutputActivation } from './contract.js';
import { padToMultiple, UNet, UNetUpBlock, type UNetOptions, type UpMode, type ValidPadding } from './unet.js';
import { backboneDepth, checkDropout, initVggWeights, positiveInt, VggFeatures } from './vgg.js';

export type UNetEncoder = 'vgg16' | 'vgg19';

export interface VggUNetOptions {
  /** The VGG encoder (its convolutional part; ImageNet weights load into it). */
  encoder: UNetEncoder;
  numClasses?: number;
  inChannels?: number;
  /** VGG's first block width (64 for ImageNet weights); the blocks have baseWidth * [1, 2, 4, 8, 8] channels. */
  baseWidth?: number;
  /** BatchNorm in the decoder's convolutions (default true, as smp's decoder). The encoder is plain VGG. */
  batchNorm?: boolean;
  /** Dropout probability on pool5, the bottleneck (default 0). */
  dropout?: number;
  upMode?: UpMode;
  /** Always 5 (VGG's five blocks); accepted so a config read back rebuilds the model. */
  depth?: number;
}

export interface VggUNetConfig {
  encoder: UNetEncoder;
  numClasses: number;
  inChannels: number;
  baseWidth: number;
  batchNorm: boolean;
  dropout: number;
  upMode: UpMode;
  depth: 5;
}

const STAGE_NAMES = ['block1', 'block2', 'block3', 'block4', 'block5'] as const;

function resolve(o: VggUNetOptions): VggUNetConfig {
  const encoder = o.encoder;
  if (encoder !== 'vgg16' && encoder !== 'vgg19') throw new Error(`UNet: encoder must be 'vgg16' or 'vgg19', got ${JSON.stringify(encoder)}`);
  backboneDepth(encoder);
  if (o.depth !== undefined && o.depth !== 5) throw new Error(`UNet: a VGG encoder has 5 poolings, so depth must be 5 (or left out), got ${JSON.stringify(o.depth)}`);
  const upMode = o.upMode ?? 'transpose';
  if (upMode !== 'transpose' && upMode !== 'bilinear') throw new Error(`UNet: upMode must be 'transpose' or 'bilinear', got ${JSON.stringify(upMode)}`);
  const batchNorm = o.batchNorm ?? true;
  if (typeof batchNorm !== 'boolean') throw new Error(`UNet: batchNorm must be true or false, got ${JSON.stringify(batchNorm)}`);
  return {
    encoder,
    numClasses: positiveInt('numClasses', o.numClasses ?? 2),
    inChannels: positiveInt('inChannels', o.inChannels ?? 3),
    baseWidth: positiveInt('baseWidth', o.baseWidth ?? 64),
    batchNorm,
    dropout: checkDropout(o.dropout ?? 0),
    upMode,
    depth: 5,
  };
}

/**
 * U-Net with a VGG16/VGG19 encoder, built by createModel('unet', { encoder: 'vgg16' }).
 * Modules in execution order: encoder.0 ... (VGG's layers, pool5 last), [dropout], decoder.0 ..
 * decoder.4 (deepest first: up, [upConv], concat, conv1, bn1, relu1, conv2, bn2, relu2), head.
 * @example
 *   const unet = createModel('unet', { encoder: 'vgg16', numClasses: 12 });
 *   loadWeights(unet, 'vgg16-397923af.pth'); // the encoder from torchvision's ImageNet VGG16
 */
export class VggUNet extends Module {
  readonly architecture = 'unet';
  readonly config: VggUNetConfig;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly depth = 5;
  readonly requiredMultiple = 32;
  readonly outputActivation: Exclude<OutputActivation, 'identity'>;
  readonly encoder: VggFeatures;
  readonly dropout: Dropout | null;
  readonly decoder: ModuleList;
  readonly head: Conv2d;

  constructor(options: VggUNetOptions) {
    super();
    const c = resolve(options);
    this.config = c;
    this.numClasses = c.numClasses;
    this.inChannels = c.inChannels;
    this.outputActivation = classActivation(c.numClasses) as Exclude<OutputActivation, 'identity'>;
    this.encoder = this.registerModule('encoder', new VggFeatures({ depth: backboneDepth(c.encoder), inChannels: c.inChannels, baseWidth: c.baseWidth }));
    initVggWeights(this.encoder);
    this.dropout = c.dropout > 0 ? this.registerModule('dropout', new Dropout(c.dropout)) : null;
    this.decoder = this.registerModule('decoder', new ModuleList());
    const widths = this.encoder.poolChannels; // block k's width is its pool's
    for (let level = 4; level >= 0; level--) {
      this.decoder.append(new UNetUpBlock(widths[Math.min(level + 1, 4)]!, widths[level]!, c.upMode, c.batchNorm));
    }
    this.head = this.registerModule('head', new Conv2d(widths[0]!, c.numClasses, 1));
  }

  /** Logits (N, numClasses, H, W); H and W multiples of 32. */
  forward(x: Tensor): Tensor {
    this.#checkInput(x);
    const pools = this.encoder.poolIndices;
    const skips: Tensor[] = [];
    let h = x;
    try {
      // Block k runs from the previous pool (inclusive) to its own pool (exclusive).
      for (let k = 0; k < 5; k++) {
        h = this.encoder.runRange(h, k === 0 ? 0 : pools[k - 1]!, pools[k]!);
        skips.push(h);
      }
      h = this.encoder.runRange(h, pools[4]!, pools[4]! + 1);
      if (this.dropout) h = replace(h, this.dropout.forward(h));
      for (const block of this.decoder) {
        const skip = skips.pop()!;
        h = replace(h, (block as UNetUpBlock).forward(h, skip));
        skip.dispose();
      }
      return replace(h, this.head.forward(h));
    } catch (err) {
      for (const s of skips) s.dispose();
      if (h !== x && !skips.includes(h)) h.dispose();
      throw err;
    }
  }

  /** Inputs multiple of 32 (five poolings); the VGG blocks before pooling and pool5 as feature stages. */
  get contract(): ModelContract {
    const pools = this.encoder.poolIndices;
    const stages: FeatureStage[] = STAGE_NAMES.map((name, k) => ({ name, layer: `encoder.${pools[k]! - 1}`, channels: this.encoder.poolChannels[k]!, stride: 2 ** k }));
    stages.push({ name: 'pool5', layer: `encoder.${pools[4]}`, channels: this.encoder.poolChannels[4]!, stride: 32 });
    return {
      task: 'segmentation',
      numClasses: this.numClasses,
      inChannels: this.inChannels,
      inputMultiple: 32,
      minInputSize: 32,
      outputStride: 32,
      outputActivation: this.outputActivation,
      fixedInputSize: null,
      fixedSizeLayers: [],
      featureStages: stages,
    };
  }

  /** Where to pad an image of this size to make it valid, and crop back. */
  padToValid(height: number, width: number): ValidPadding {
    return padToMultiple(height, width, 32);
  }

  /** Dotted names of the layers (leaf modules) in the order forward runs them. */
  get layerNames(): string[] {
    return [...this.namedModules()].filter(([name, m]) => name !== '' && m.children().length === 0).map(([name]) => name);
  }

  override extraRepr(): string {
    const c = this.config;
    return `encoder=${c.encoder}, inChannels=${c.inChannels}, numClasses=${c.numClasses}, baseWidth=${c.baseWidth}, batchNorm=${c.batchNorm}, dropout=${c.dropout}, upMode=${c.upMode}`;
  }

  #checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.size(1) !== this.inChannels) throw new Error(`UNet (${this.config.encoder} encoder): expected an input (N, ${this.inChannels}, H, W), got ${x}`);
    const [h, w] = [x.size(2), x.size(3)];
    if (h % 32 !== 0 || w % 32 !== 0 || h === 0 || w === 0) {
      const p = this.padToValid(Math.max(h, 1), Math.max(w, 1));
      throw new Error(
        `UNet (${this.config.encoder} encoder): input height and width must be positive multiples of 32 (five poolings), got ${h}x${w}; ` +
          `pad to ${p.height}x${p.width} (padToValid gives the amounts) and crop the output back`,
      );
    }
  }
}

// The next map replaces the previous one, which is freed.
function replace(previous: Tensor, next: Tensor): Tensor {
  if (next !== previous) previous.dispose();
  return next;
}

/** U-Net in the registry: the plain U-Net, or with `encoder` the VGG-encoder one (defined here, beside it). */
export const unetModel = defineModel({
  description: "U-Net (Ronneberger et al.); depth, width, BatchNorm, dropout, up path; variant 'tgs'; encoder 'vgg16'/'vgg19' (pretrained VGG weights load into it)",
  options: ['numClasses', 'inChannels', 'depth', 'baseWidth', 'batchNorm', 'dropout', 'upMode', 'variant', 'encoder'],
  create: (o: UNetOptions & { encoder?: UNetEncoder }): UNet | VggUNet => {
    if (o.encoder === undefined) return new UNet(o);
    if (o.variant !== undefined) throw new Error(`UNet: variant '${String(o.variant)}' has its own encoder; leave out encoder '${String(o.encoder)}'`);
    const { variant: _v, ...rest } = o;
    return new VggUNet({ ...rest, encoder: o.encoder });
  },
});
