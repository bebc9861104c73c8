// A trained model ready to predict: rebuilt from a checkpoint (or given in memory), in eval
// mode, with its classes, colours and the preprocessing it was trained with.
import { checkMemoryFormat, checkPrecision, modelInLayout, type Device, type MemoryLayout, type Precision } from '../torch/index.js';
import type { ModelContract, ZooModel } from '../models/contract.js';
import type { CheckpointConfig } from '../checkpoint/file.js';
import { loadCheckpointModel } from '../checkpoint/load-model.js';
import { evalSpec, validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import type { Rgb } from '../image/color.js';
import { vocPalette } from '../image/palette.js';

/** The classes a predictor labels pixels with. */
export interface PredictorClasses {
  /** One name per class index (2 for a one-output binary model: background, foreground). */
  names: string[];
  /** One colour per class index (from the checkpoint, completed with PASCAL VOC colours). */
  palette: Rgb[];
  ignoreIndex: number | null;
}

export interface Predictor {
  model: ZooModel;
  /** model.architecture ('unet', 'fcn8s'). */
  architecture: string;
  /**
   * What the model states about itself: task ('segmentation' gives label maps, 'reconstruction'
   * images), output activation, input channels (1 or 3 here), input multiple, smallest input,
   * fixed input size.
   */
  contract: ModelContract;
  classes: PredictorClasses;
  /** The evaluation preprocessing the model was trained with (no augmentation). */
  preprocess: PreprocessSpec;
  device: Device;
  /** The forward pass in 'bf16' mixed precision (autocast) or 'fp32'; probabilities are float32 either way. */
  precision: Precision;
  /** The layout of the model's weights and of every input window: 'channels-last' or 'contiguous'. */
  memoryFormat: MemoryLayout;
  /** Where it came from: the checkpoint path, or 'memory'. */
  source: string;
  /** Frees the model's tensors. */
  dispose(): void;
}

export interface PredictorOptions {
  /** Where to run ('cpu' default, 'cuda', 'cuda:1', ...). */
  device?: Device;
  /** 'fp32' (default) or 'bf16' (resolvePrecision turns 'auto' into one of them). */
  precision?: Precision;
  /**
   * 'contiguous' (default) or 'channels-last' (resolveMemoryFormat turns 'auto' into one of
   * them); the model's weights are put in it (in place, values unchanged).
   */
  memoryFormat?: MemoryLayout;
}

/** Class names and palette with one entry per class; a short palette is completed with VOC colours. */
function resolveClasses(source: string, classes: CheckpointConfig['classes'], model: ZooModel): PredictorClasses {
  const names = classes.names.map(String);
  if (model.contract.task === 'segmentation') {
    const expected = model.numClasses === 1 ? 2 : model.numClasses;
    if (names.length !== expected) {
      throw new Error(
        `${source}: the model has ${model.numClasses} output(s), which means ${expected} classes, but the checkpoint names ${names.length} (${names.join(', ')})`,
      );
    }
  }
  const voc = vocPalette(Math.max(names.length, 1));
  const given = classes.palette ?? [];
  const palette = voc.map((c, i): Rgb => {
    const p = given[i];
    return p && p.length >= 3 ? [p[0], p[1], p[2]] : c;
  });
  return { names, palette, ignoreIndex: classes.ignoreIndex ?? null };
}

/**
 * Wraps a model (its weights already in place) as a predictor. `config` gives classes and
 * preprocessing as a checkpoint stores them; the model is switched to eval mode.
 * @example
 *   const predictor = createPredictor(model, { classes: { names: ['bg', 'cell'], ignoreIndex: null }, preprocess: { normalize: 'unit' } });
 */
export function createPredictor(
  model: ZooModel,
  config: Pick<CheckpointConfig, 'classes' | 'preprocess'>,
  options: PredictorOptions & { source?: string } = {},
): Predictor {
  const source = options.source ?? 'memory';
  const contract = model.contract;
  if (contract.task === 'classification') {
    throw new Error(`${source}: holds a ${model.architecture} image classifier; predict needs a segmentation model (fcn32s, fcn16s, fcn8s, unet) or cae`);
  }
  let preprocess: PreprocessSpec;
  try {
    preprocess = evalSpec(validatePreprocess(config.preprocess));
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  const { inChannels } = contract;
  if (inChannels !== 1 && inChannels !== 3) throw new Error(`${source}: the model takes ${inChannels}-channel inputs; prediction supports 1 (gray) or 3 (RGB)`);
  const device = options.device ?? 'cpu';
  let precision: Precision;
  let memoryFormat: MemoryLayout;
  try {
    precision = checkPrecision(options.precision ?? 'fp32');
    memoryFormat = checkMemoryFormat(options.memoryFormat ?? 'contiguous');
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  model.eval();
  if (device !== 'cpu') model.to(device);
  modelInLayout(model, memoryFormat);
  return {
    model,
    architecture: model.architecture,
    contract,
    classes: resolveClasses(source, config.classes, model),
    preprocess,
    device,
    precision,
    memoryFormat,
    source,
    dispose: () => model.dispose(),
  };
}

/**
 * Loads a checkpoint written by training and rebuilds its model for prediction. Errors name
 * the file and say what is wrong: not a pixelwise checkpoint, a model that cannot be rebuilt,
 * weights that do not fit it, or a model that does not predict images (a classifier).
 * @example
 *   const predictor = loadPredictor('runs/camvid/checkpoints/best.safetensors');
 *   predictor.contract.task;    // 'segmentation'
 *   predictor.classes.names;    // ['sky', 'building', ...]
 */
export function loadPredictor(checkpointPath: string, options: PredictorOptions = {}): Predictor {
  const { model, config } = loadCheckpointModel(checkpointPath);
  try {
    return createPredictor(model, config, { ...options, source: `checkpoint ${checkpointPath}` });
  } catch (err) {
    model.dispose();
    throw err;
  }
}
