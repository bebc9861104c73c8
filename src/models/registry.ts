// The model zoo by name. A new model is one file (the model, its contract, its definition) and
// one line here; training, prediction, inspection and the CLI read what they need from the
// model's contract.
import { caeModel } from './autoencoder.js';
import type { ModelDefinition, ZooModel } from './contract.js';
import { fcn16sModel, fcn32sModel, fcn8sModel } from './fcn.js';
import { unetModel } from './unet-vgg.js';
import { vgg16Model, vgg19Model } from './vgg.js';

/** Every model of the zoo, by registry name. */
export const MODELS = {
  vgg16: vgg16Model,
  vgg19: vgg19Model,
  fcn32s: fcn32sModel,
  fcn16s: fcn16sModel,
  fcn8s: fcn8sModel,
  unet: unetModel,
  cae: caeModel,
} as const;

export type ModelName = keyof typeof MODELS;
/** The options createModel takes for a model name. */
export type ModelOptions<N extends ModelName> = Parameters<(typeof MODELS)[N]['create']>[0];
/** The model createModel returns for a model name. */
export type ModelOf<N extends ModelName> = ReturnType<(typeof MODELS)[N]['create']>;

export const MODEL_NAMES: readonly ModelName[] = Object.freeze(Object.keys(MODELS) as ModelName[]);

/**
 * The input normalization a model trains with when none is given: ImageNet's statistics for the
 * VGG-based models (the pretrained weights they start from expect them), inputs in 0..1 otherwise.
 */
export function defaultNormalization(name: string): 'imagenet' | 'unit' {
  return name.startsWith('vgg') || name.startsWith('fcn') ? 'imagenet' : 'unit';
}

export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODELS, name);
}

/**
 * Builds a model of the zoo; the name and the options are checked at compile time.
 * @example
 *   const model = createModel('unet', { numClasses: 3, depth: 4, baseWidth: 32 });
 *   const fcn = createModel('fcn8s', { numClasses: 21, backbone: 'vgg16' });
 */
export function createModel<N extends ModelName>(name: N, options: ModelOptions<N> = {} as ModelOptions<N>): ModelOf<N> {
  return createModelFromConfig(name, options as Record<string, unknown>) as ModelOf<N>;
}

/**
 * Builds a model from a name and options read at run time (a checkpoint's config, the command
 * line): unknown names and options are errors that list the valid ones.
 * @example
 *   const model = createModelFromConfig(config.model.name, config.model.options);
 */
export function createModelFromConfig(name: string, options: Record<string, unknown> = {}): ZooModel {
  if (!isModelName(name)) throw new Error(`unknown model '${name}', expected one of ${MODEL_NAMES.join(', ')}`);
  const entry = MODELS[name] as unknown as ModelDefinition<Record<string, unknown>>;
  const defined = Object.entries(options).filter(([, v]) => v !== undefined);
  const unknown = defined.map(([k]) => k).filter((k) => !entry.options.includes(k));
  if (unknown.length) {
    throw new Error(`model ${name}: unknown option(s) ${unknown.join(', ')}; it accepts ${entry.options.join(', ')}`);
  }
  return entry.create(Object.fromEntries(defined));
}
