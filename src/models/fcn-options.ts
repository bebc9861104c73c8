// Options shared by the FCN variants (canonical Caffe geometry and the Keras 'same' one).
import { backboneDepth, checkDropout, positiveInt } from './vgg.js';

export type FcnBackbone = 'vgg16' | 'vgg19' | 'vgg11' | 'vgg13';
export type FcnVariant = 'canonical' | 'same';

export interface FcnOptions {
  /** Output classes, background included (21 for PASCAL VOC). */
  numClasses?: number;
  inChannels?: number;
  /** The VGG encoder: 'vgg16' (the paper's) or 'vgg19'. */
  backbone?: FcnBackbone;
  /** VGG's first block width (64); blocks have baseWidth * [1, 2, 4, 8, 8] channels. */
  baseWidth?: number;
  /** Width of fc6 / fc7 (default 64 * baseWidth: 4096). */
  fcWidth?: number;
  /** BatchNorm after every backbone convolution (vgg16_bn / vgg19_bn weights). */
  batchNorm?: boolean;
  /** Dropout probability after fc6 and fc7 (0.5 canonical; 0, i.e. none, in the Keras variant). */
  dropout?: number;
  /**
   * 'canonical': Long, Shelhamer & Darrell's Caffe nets (conv1_1 padding 100, ceil-mode pooling,
   * crops; any input size). 'same': the Keras segmentation lecture's FCN-8s ('same' convolutions, floor pooling,
   * 'same' transposed convolutions; inputs multiple of 32); only for fcn8s.
   */
  variant?: FcnVariant;
  /** Train the transposed convolutions (true), or keep them fixed at their bilinear initialisation. */
  learnableUpsampling?: boolean;
  /** Start with the VGG backbone frozen (default false; true for the 'same' variant, as in the Keras lecture). */
  freezeBackbone?: boolean;
}

export type FcnConfig = Required<FcnOptions>;

/** Options with their defaults filled in and checked. */
export function resolveFcnOptions(options: FcnOptions): FcnConfig {
  const variant = options.variant ?? 'canonical';
  if (variant !== 'canonical' && variant !== 'same') {
    throw new Error(`FCN: variant must be 'canonical' or 'same', got '${String(variant)}'`);
  }
  const backbone = options.backbone ?? 'vgg16';
  backboneDepth(backbone);
  const baseWidth = positiveInt('baseWidth', options.baseWidth ?? 64);
  return {
    numClasses: positiveInt('numClasses', options.numClasses ?? 21),
    inChannels: positiveInt('inChannels', options.inChannels ?? 3),
    backbone,
    baseWidth,
    fcWidth: positiveInt('fcWidth', options.fcWidth ?? 64 * baseWidth),
    batchNorm: options.batchNorm ?? false,
    dropout: checkDropout(options.dropout ?? (variant === 'same' ? 0 : 0.5)),
    variant,
    learnableUpsampling: options.learnableUpsampling ?? true,
    freezeBackbone: options.freezeBackbone ?? variant === 'same',
  };
}
