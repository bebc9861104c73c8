// The model zoo by name: createModel('fcn8s', { numClasses: 21 }) and what each model needs
// of its input, so training, prediction and the CLI treat every architecture alike.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { vgg16, vgg19, VGG } from './vgg.js';
import { fcn16s, fcn32s, fcn8s, FCN8sSame } from './fcn.js';
import { UNet } from './unet.js';
import { ConvAutoencoder } from './autoencoder.js';

export const MODEL_NAMES = ['vgg16', 'vgg19', 'fcn32s', 'fcn16s', 'fcn8s', 'unet', 'cae'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** What every model of the zoo offers beyond Module. */
export interface ZooModel extends Module<[Tensor], Tensor> {
  /** The registry name it was built as ('fcn8s', 'unet', ...). */
  readonly architecture: string;
  /** Output channels: classes (logits), or image channels for the autoencoder. */
  readonly numClasses: number;
  /** JSON-able options that rebuild it with createModel(architecture, config). */
  readonly config: object;
  /** Dotted layer names in execution order (for activations, filters, summaries). */
  readonly layerNames: string[];
}

export type ModelTask = 'segmentation' | 'classification' | 'reconstruction';

export interface ModelEntry {
  name: ModelName;
  task: ModelTask;
  description: string;
  /** The option names createModel accepts for it. */
  options: readonly string[];
  create(options: Record<string, unknown>): ZooModel;
}

// A VGG config records its depth; rebuilding vgg16 from it must agree.
function withoutDepth(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const { depth: given, ...rest } = o;
  if (given !== undefined && given !== depth) throw new Error(`model vgg${depth}: option depth is ${String(given)}, expected ${depth}`);
  return rest;
}

const VGG_OPTIONS = ['depth', 'numClasses', 'inChannels', 'baseWidth', 'fcWidth', 'batchNorm', 'dropout', 'fullyConvolutional', 'fc6Padding'];
const FCN_OPTIONS = [
  'numClasses',
  'inChannels',
  'backbone',
  'baseWidth',
  'fcWidth',
  'batchNorm',
  'dropout',
  'variant',
  'learnableUpsampling',
  'freezeBackbone',
];

export const MODELS: Record<ModelName, ModelEntry> = {
  vgg16: {
    name: 'vgg16',
    task: 'classification',
    description: 'VGG16 classifier (138,357,544 parameters); fullyConvolutional for coarse score maps',
    options: VGG_OPTIONS,
    create: (o) => vgg16(withoutDepth(o, 16)) as ZooModel,
  },
  vgg19: {
    name: 'vgg19',
    task: 'classification',
    description: 'VGG19 classifier (143,667,240 parameters); fullyConvolutional for coarse score maps',
    options: VGG_OPTIONS,
    create: (o) => vgg19(withoutDepth(o, 19)) as ZooModel,
  },
  fcn32s: {
    name: 'fcn32s',
    task: 'segmentation',
    description: 'FCN-32s on VGG16/VGG19 (Long et al.), any input size',
    options: FCN_OPTIONS,
    create: (o) => fcn32s(o) as ZooModel,
  },
  fcn16s: {
    name: 'fcn16s',
    task: 'segmentation',
    description: 'FCN-16s: FCN-32s plus a pool4 skip',
    options: FCN_OPTIONS,
    create: (o) => fcn16s(o) as ZooModel,
  },
  fcn8s: {
    name: 'fcn8s',
    task: 'segmentation',
    description: "FCN-8s: pool4 and pool3 skips; variant 'same' is the Keras seed's (inputs multiple of 32)",
    options: FCN_OPTIONS,
    create: (o) => fcn8s(o) as ZooModel,
  },
  unet: {
    name: 'unet',
    task: 'segmentation',
    description: "U-Net (Ronneberger et al.); depth, width, BatchNorm, dropout, up path; variant 'tgs'",
    options: ['numClasses', 'inChannels', 'depth', 'baseWidth', 'batchNorm', 'dropout', 'upMode', 'variant'],
    create: (o) => new UNet(o) as ZooModel,
  },
  cae: {
    name: 'cae',
    task: 'reconstruction',
    description: 'convolutional autoencoder with a 2-D latent space (MNIST, the second seed)',
    options: ['inChannels', 'latentDim', 'imageSize', 'baseWidth'],
    create: (o) => new ConvAutoencoder(o) as unknown as ZooModel,
  },
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** Builds a model of the zoo by name; unknown names and options are errors that list the valid ones. */
export function createModel(name: string, options: Record<string, unknown> = {}): ZooModel {
  if (!isModelName(name)) throw new Error(`unknown model '${name}', expected one of ${MODEL_NAMES.join(', ')}`);
  const entry = MODELS[name];
  const defined = Object.entries(options).filter(([, v]) => v !== undefined);
  const unknown = defined.map(([k]) => k).filter((k) => !entry.options.includes(k));
  if (unknown.length) {
    throw new Error(`model ${name}: unknown option(s) ${unknown.join(', ')}; it accepts ${entry.options.join(', ')}`);
  }
  return entry.create(Object.fromEntries(defined));
}

/** How outputs become predictions: softmax over classes, sigmoid for one class, or none. */
export function outputActivation(model: ZooModel): 'softmax' | 'sigmoid' | 'identity' {
  if (model instanceof ConvAutoencoder) return 'identity';
  return model.numClasses === 1 ? 'sigmoid' : 'softmax';
}

/** Input height and width must be multiples of this (prediction pads and crops to it). */
export function inputMultiple(model: ZooModel): number {
  if (model instanceof UNet) return model.requiredMultiple;
  if (model instanceof FCN8sSame) return 32;
  return 1;
}

/** The smallest input side the model accepts. */
export function minInputSize(model: ZooModel): number {
  if (model instanceof VGG) return model.fullyConvolutional && model.fc6Padding === 'valid' ? 224 : 32;
  if (model instanceof ConvAutoencoder) return model.config.imageSize[0];
  return inputMultiple(model);
}
