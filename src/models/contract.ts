// What every model of the zoo states about itself, so the registry, training, prediction,
// inspection and (later) export treat every architecture alike without asking what class it
// is: the model's task, its classes and input channels, the input sizes it accepts, how its
// outputs become probabilities, the layers that tie it to one input size, and — for backbones —
// its feature stages (smp's encoder.out_channels / output_stride, requires_divisible_input_shape).
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';

/** 'segmentation': per-pixel class logits; 'classification': one row of class logits per image; 'reconstruction': images. */
export type ModelTask = 'segmentation' | 'classification' | 'reconstruction';

/** How outputs become predictions: softmax over classes, sigmoid of one output, or as they are. */
export type OutputActivation = 'softmax' | 'sigmoid' | 'identity';

/** One feature map a backbone offers (for skips, decoders, hooks). */
export interface FeatureStage {
  /** 'pool1' ... 'pool5', 'encoder.2', 'bottleneck'. */
  name: string;
  /** The dotted layer whose output it is (for getSubmodule / forward hooks). */
  layer: string;
  channels: number;
  /** Input pixels per feature pixel (2, 4, ...). */
  stride: number;
}

export interface ModelContract {
  task: ModelTask;
  /** Output channels: classes (1 = one sigmoid output for foreground/background), or image channels for reconstruction. */
  numClasses: number;
  /** Image channels the model takes. */
  inChannels: number;
  /** Input height and width must be multiples of this (1: any size). Prediction pads to it. */
  inputMultiple: number;
  /** The smallest input side the model accepts. */
  minInputSize: number;
  /**
   * The total downsampling of the deepest layer: sliding windows placed on multiples of it pool
   * over the same cells as one pass over the whole image (FCN and VGG 32, U-Net 2^depth).
   */
  outputStride: number;
  outputActivation: OutputActivation;
  /** [height, width] when the model takes exactly one input size (the autoencoder), else null. */
  fixedInputSize: [number, number] | null;
  /**
   * Layers whose output size does not follow the input size (VGG's classifier after
   * AdaptiveAvgPool2d(7)): an exporter must fix the input size where they run. Empty when
   * forward runs none.
   */
  fixedSizeLayers: string[];
  /** A backbone's feature stages, shallow to deep; empty for models that offer none. */
  featureStages: FeatureStage[];
}

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
  /** What callers need to know to feed it and read its output. */
  readonly contract: ModelContract;
}

/** A model of the zoo as the registry lists it: one per architecture name. */
export interface ModelDefinition<O extends object = object, M extends ZooModel = ZooModel> {
  /** One line for `pixelwise models`. */
  description: string;
  /** The option names create accepts (checked at run time for options read from JSON). */
  options: readonly (keyof O & string)[];
  create(options: O): M;
}

/** Declares a model for the registry (typed options in, typed model out). */
export function defineModel<O extends object, M extends ZooModel>(definition: ModelDefinition<O, M>): ModelDefinition<O, M> {
  return definition;
}

/** The usual activation for a number of outputs: sigmoid for one, softmax for more. */
export function classActivation(numClasses: number): OutputActivation {
  return numClasses === 1 ? 'sigmoid' : 'softmax';
}
