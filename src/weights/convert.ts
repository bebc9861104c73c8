// A zoo model built to take a weight file, loaded, and described as a checkpoint config (model,
// classes, the normalization the weights expect); and the conversion of any weight file into a
// pixelwise checkpoint, written atomically and never over an existing file.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { openWeights } from '../io/formats/index.js';
import { resolveNormalization, type Normalization, type NormalizationInput } from '../image/normalization.js';
import { createModelFromConfig, defaultNormalization, isModelName, MODEL_NAMES } from '../models/registry.js';
import type { ZooModel } from '../models/contract.js';
import { saveCheckpoint, type CheckpointConfig } from '../checkpoint/file.js';
import { resolveClasses, type ClassList } from './classes.js';
import { describeWeights, modelOptionsFor } from './describe.js';
import { applyMapping, reportProblems, type WeightsReport } from './load.js';
import { checkpointConfigOf, resolveMapping, type ResolvedMapping } from './match.js';
import { CLASS_TABLES } from './classes.js';

export interface WeightsModelOptions {
  /** The zoo model to build (default: what the file says — a pixelwise checkpoint's model, an FCN release's fcn8s/16s/32s, a VGG classifier). */
  model?: string;
  /** createModel options beyond what the file determines (they win over the file's). */
  modelOptions?: Record<string, unknown>;
  /** Class names: a table (voc, camvid, ade20k, imagenet), a classes file, or the names (default: what the file says). */
  classes?: string | readonly string[];
  /** A mapping id instead of choosing by the tensor names. */
  mapping?: string;
  /** Accept model tensors the file does not fill (they keep their initialisation). Default false. */
  allowMissing?: boolean;
  /** The input normalization, instead of the one the weights were trained with. */
  normalization?: NormalizationInput;
  /** Name classes 'class 0', 'class 1', ... when neither the file nor `classes` does (instead of an error). */
  classNamesOptional?: boolean;
}

export interface WeightsModel {
  model: ZooModel;
  /** What a checkpoint of it stores: model, classes, preprocessing (the weights' normalization), source. */
  config: CheckpointConfig;
  report: WeightsReport;
}

function classesFor(path: string, r: ResolvedMapping, model: ZooModel, given: WeightsModelOptions['classes'], optional = false): ClassList {
  const { task, numClasses } = model.contract;
  const expected = task === 'segmentation' && numClasses === 1 ? 2 : numClasses;
  const check = (c: ClassList, from: string): ClassList => {
    if (c.names.length !== expected) {
      throw new Error(`${path}: ${from} has ${c.names.length} classes, but model ${model.architecture} has ${numClasses} output(s)${expected !== numClasses ? ` (${expected} classes)` : ''}`);
    }
    return c;
  };
  if (given !== undefined) return check(resolveClasses(given), typeof given === 'string' ? `--classes ${given}` : 'the class list');
  if (task === 'reconstruction') return { names: [], ignoreIndex: null };
  const named = r.classes?.names;
  if (Array.isArray(named)) return check({ names: [...named], ignoreIndex: null }, 'its class list');
  if (typeof named === 'string') {
    const table = CLASS_TABLES[named]!();
    if (table.names.length === expected) return table;
  }
  if (optional) return { names: Array.from({ length: expected }, (_, i) => `class ${i}`), ignoreIndex: null };
  throw new Error(
    `${path}: the file names no classes for model ${model.architecture}'s ${expected} classes` +
      `${typeof named === 'string' ? ` (its ${named} table has ${CLASS_TABLES[named]!().names.length})` : ''}; ` +
      `give --classes voc, camvid, ade20k, imagenet or a classes file`,
  );
}

/**
 * Builds the zoo model a weight file fits (or the one named) and loads the file into it. Model
 * tensors the file does not fill are an error unless allowMissing; tensors that do not fit
 * (another model's weights) always are. The config carries the normalization the weights
 * expect and their class names, so prediction prepares inputs as the weights were trained.
 * @example
 *   const { model, config, report } = await modelFromWeights('fcn8s-heavy-pascal.caffemodel');
 *   config.preprocess?.normalize; // { channelOrder: 'bgr', range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1] }
 */
export async function modelFromWeights(path: string, options: WeightsModelOptions = {}): Promise<WeightsModel> {
  const file = await openWeights(path);
  try {
    const resolved = resolveMapping(file, options.mapping, options.model);
    const d = describeWeights(resolved);
    const name = options.model ?? d.modelName;
    if (!name) {
      throw new Error(`${path}: holds ${d.family === 'vgg' ? `a VGG${d.depth ?? ''} backbone` : 'weights'} (${resolved.mapping.title}) without saying which model to build; give --model (${MODEL_NAMES.join(', ')})`);
    }
    if (!isModelName(name)) throw new Error(`unknown model '${name}', expected one of ${MODEL_NAMES.join(', ')}`);
    const given = { ...(options.modelOptions ?? {}) };
    let modelOptions: Record<string, unknown>;
    if (resolved.model && resolved.model.name === name) {
      modelOptions = { ...resolved.model.options, ...given };
    } else {
      try {
        modelOptions = modelOptionsFor(name, d, given);
      } catch (err) {
        throw new Error(`${path}: ${(err as Error).message}`);
      }
    }
    // Without an output layer in the file, the classes given decide how many outputs the model has.
    if (modelOptions.numClasses === undefined && options.classes !== undefined && name !== 'cae') {
      const n = resolveClasses(options.classes).names.length;
      if (!name.startsWith('vgg') || d.outputs === null) modelOptions.numClasses = n;
    }
    let model: ZooModel;
    try {
      model = createModelFromConfig(name, modelOptions);
    } catch (err) {
      throw new Error(`${path}: cannot build model ${name} for these weights (${(err as Error).message})`);
    }
    try {
      const report = applyMapping(model, resolved);
      if (report.mismatched.length || report.mapped.length === 0 || (report.missing.length && !options.allowMissing)) {
        const what = report.mapped.length === 0 ? 'nothing in it fits' : 'it does not fit';
        const hint = report.mapped.length && !report.mismatched.length ? ' (allowMissing / --allow-missing keeps them as initialised; train --init-from takes such files as they are)' : '';
        throw new Error(`${path}: read as ${report.mappingTitle}, ${what} model ${name} ${JSON.stringify(model.config)}: ${reportProblems(report) || 'no tensors mapped'}${hint}`);
      }
      const classes = classesFor(path, resolved, model, options.classes, options.classNamesOptional);
      const normalization =
        options.normalization !== undefined
          ? resolveNormalization(options.normalization)
          : resolved.defaultNormalization
            ? resolveNormalization(defaultNormalization(name))
            : resolved.normalization;
      // A pixelwise checkpoint of this very model keeps its own preprocessing (resize, channels) and palette.
      const own = checkpointConfigOf(file);
      const same = own !== null && own.model.name === name;
      const config: CheckpointConfig = {
        model: { name, options: { ...(model.config as Record<string, unknown>) } },
        classes: { names: classes.names, ignoreIndex: classes.ignoreIndex, ...(same && options.classes === undefined && own.classes.palette ? { palette: own.classes.palette } : {}) },
        preprocess: { ...(same ? own.preprocess : {}), normalize: normalization },
        source: { file: basename(path), format: file.format, mapping: report.mapping },
      };
      if (same && options.classes === undefined) config.classes.ignoreIndex = own.classes.ignoreIndex ?? null;
      model.eval();
      return { model, config, report };
    } catch (err) {
      model.dispose();
      throw err;
    }
  } finally {
    file.close();
  }
}

export interface ConvertOptions extends WeightsModelOptions {
  /** The checkpoint to write (default: <stem>.safetensors beside the input); never overwritten. */
  out?: string;
  /** Build, load and report, but write nothing. */
  dryRun?: boolean;
}

export interface ConvertResult {
  /** The file written (or that would be, with dryRun). */
  out: string;
  config: CheckpointConfig;
  report: WeightsReport;
  written: boolean;
}

/** Where convert writes by default: the input's stem with .safetensors, in the input's folder. */
export function defaultConvertPath(input: string): string {
  const ext = extname(input);
  const stem = basename(input, ['.index', '.ckpt', '.pth', '.pt', '.h5', '.hdf5', '.caffemodel', '.npy', '.npz', '.safetensors', '.bin'].includes(ext) ? ext : '');
  return join(dirname(input), `${stem.replace(/\.data-\d+-of-\d+$/, '')}.safetensors`);
}

/**
 * Converts a weight file of any format into a pixelwise checkpoint: the weights under the zoo's
 * (PyTorch) names, the model config, the normalization record and the class names; written
 * atomically, never over an existing file (nothing is written on any error).
 * @example
 *   const { out, report } = await convertWeights('vgg_16.ckpt', { model: 'vgg16' }); // vgg_16.safetensors
 */
export async function convertWeights(input: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const out = options.out ?? defaultConvertPath(input);
  if (existsSync(out)) throw new Error(`${out} already exists; not overwritten (choose another --out)`);
  if (!options.dryRun && !existsSync(dirname(out))) throw new Error(`${out}: the folder ${dirname(out)} does not exist`);
  // A dry run only reports: class names are not needed for that.
  const { model, config, report } = await modelFromWeights(input, options.dryRun ? { classNamesOptional: true, ...options } : options);
  try {
    if (!options.dryRun) saveCheckpoint(out, { config, weights: model.stateDict() }, { overwrite: false });
    return { out, config, report, written: !options.dryRun };
  } finally {
    model.dispose();
  }
}

export interface InitPlan {
  /** createModel options the file determines (backbone or encoder, widths, BatchNorm); classes and input channels stay the data's. */
  modelOptions: Record<string, unknown>;
  /** The input the weights were trained on (undefined when the file does not say: the model's default). */
  normalization?: Normalization;
  mapping: string;
}

/**
 * What starting `modelName` from a weight file implies before the model is built: the
 * architecture options that let the file's layers fit (a VGG19 file gives an FCN backbone
 * 'vgg19', a U-Net the 'vgg19' encoder) and the normalization to train with.
 * @example
 *   const plan = await initPlan('vgg19.npy', 'fcn8s'); // { modelOptions: { backbone: 'vgg19', baseWidth: 64, fcWidth: 4096 }, ... }
 */
export async function initPlan(path: string, modelName: string, options: { mapping?: string } = {}): Promise<InitPlan> {
  const file = await openWeights(path);
  try {
    const resolved = resolveMapping(file, options.mapping, modelName);
    let modelOptions: Record<string, unknown>;
    try {
      modelOptions = resolved.model && resolved.model.name === modelName ? { ...resolved.model.options } : modelOptionsFor(modelName, describeWeights(resolved));
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    }
    const { numClasses: _n, inChannels: _c, ...architecture } = modelOptions;
    const normalization = resolved.defaultNormalization ? undefined : resolved.normalization;
    return { modelOptions: architecture, normalization, mapping: resolved.mapping.id };
  } finally {
    file.close();
  }
}
