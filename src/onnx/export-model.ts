// `pixelwise export`'s library side: a model with what a consumer needs to use it (classes,
// colours, preprocessing) from a checkpoint or a weights file, written as the network form
// (input -> logits), the pipeline form (image -> labels) or the autoencoder's two files, each
// with the pixelwise metadata. Every file is built before any is written, and written atomically.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import type { Rgb } from '../image/color.js';
import { vocPalette } from '../image/palette.js';
import type { NormalizationInput } from '../image/normalization.js';
import { evalSpec, validatePreprocess, type PadMode, type PreprocessSpec } from '../data/transforms/spec.js';
import type { ZooModel } from '../models/contract.js';
import type { CheckpointConfig } from '../checkpoint/file.js';
import { loadCheckpointModel } from '../checkpoint/load-model.js';
import { createPredictor } from '../infer/predictor.js';
import { modelFromWeights } from '../weights/convert.js';
import { buildOnnx, PACKAGE_VERSION, type OnnxExport } from './export.js';
import { metadataProps, type OnnxForm, type PixelwiseOnnxInfo } from './metadata.js';
import { buildPipelineOnnx } from './pipeline.js';
import { encodeModel } from './proto.js';
import { partPath, zooOnnxParts } from './zoo.js';

/** A model and what a consumer needs to use it. */
export interface ExportSource {
  model: ZooModel;
  classes: { names: string[]; palette: Rgb[] };
  /** The evaluation preprocessing (normalize as the record). */
  preprocess: PreprocessSpec;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * A checkpoint written by training: its model, classes (palette completed as predict completes
 * it) and preprocessing.
 */
export function sourceFromCheckpoint(path: string): ExportSource {
  const { model, config } = loadCheckpointModel(path);
  try {
    return withConfig(model, config, `checkpoint ${path}`);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function withConfig(model: ZooModel, config: CheckpointConfig, source: string): ExportSource {
  if (model.contract.task === 'classification') {
    const names = config.classes.names.map(String);
    return { model, classes: { names, palette: paletteFor(names.length, config.classes.palette) }, preprocess: evalSpec(validatePreprocess(config.preprocess)), source };
  }
  // The predictor's own reading of a checkpoint's classes and preprocessing, so export and predict agree.
  const p = createPredictor(model, config, { source });
  return { model, classes: { names: p.classes.names, palette: p.classes.palette }, preprocess: p.preprocess, source };
}

function paletteFor(n: number, given: readonly (readonly number[])[] = []): Rgb[] {
  return vocPalette(Math.max(n, 1)).slice(0, n).map((c, i): Rgb => {
    const p = given[i];
    return p && p.length >= 3 ? [p[0]!, p[1]!, p[2]!] : c;
  });
}

export interface WeightsSourceOptions {
  /** Class names: a table (voc, camvid, ade20k, imagenet), a classes file, or the names (default: what the file says, else ImageNet's for 1000 outputs, else 'class N'). */
  classes?: string | readonly string[];
  /** The normalization (default: the one the weights were trained with, from their format and mapping). */
  normalize?: NormalizationInput;
}

/**
 * Weights that never went through `train`, in any format the foreign-weights loader reads
 * (.pth, .h5, .caffemodel, TensorFlow checkpoints, .npy, safetensors, pixelwise checkpoints):
 * the named zoo model with them loaded, prepared as they were trained.
 */
export async function sourceFromWeights(file: string, name: string, options: Record<string, unknown>, given: WeightsSourceOptions = {}): Promise<ExportSource> {
  const { model, config } = await modelFromWeights(file, {
    model: name,
    modelOptions: options,
    classes: given.classes,
    normalization: given.normalize,
    classNamesOptional: true,
  });
  try {
    return withConfig(model, config, `weights ${file}`);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The metadata of one exported file of `src`. */
export function exportInfo(src: ExportSource, form: OnnxForm, pipeline?: PixelwiseOnnxInfo['pipeline']): PixelwiseOnnxInfo {
  const { model } = src;
  const c = model.contract;
  return {
    version: PACKAGE_VERSION,
    task: c.task,
    form,
    model: { name: model.architecture, options: { ...(model.config as Record<string, unknown>) } },
    classes: src.classes.names,
    colors: src.classes.palette.slice(0, src.classes.names.length),
    preprocess: src.preprocess,
    inputSize: { channels: c.inChannels, multiple: c.inputMultiple, minimum: c.minInputSize, outputStride: c.outputStride, fixed: c.fixedInputSize },
    output: { activation: c.outputActivation, channels: c.numClasses },
    ...(pipeline ? { pipeline } : {}),
  };
}

export interface ExportFilesOptions {
  /** The pipeline form: uint8 image [H, W, 3] -> uint8 labels [H, W] (segmentation models). */
  pipeline?: boolean;
  /** The pipeline's padding to the input multiple (default: the training pad's mode, else reflect). */
  padMode?: PadMode;
  /** The pipeline's threshold for one-output models (default 0.5). */
  threshold?: number;
  opset?: number;
}

export interface ExportedFile {
  path: string;
  form: OnnxForm;
  bytes: number;
  input: string;
  output: string;
}

/** The files `src` exports to at `out` (not written). */
export function buildExportFiles(src: ExportSource, out: string, options: ExportFilesOptions = {}): { path: string; form: OnnxForm; data: Uint8Array; input: string; output: string }[] {
  const { model } = src;
  const describe = (e: { name: string; dims: (string | number | null)[] }): string => `${e.name} [${e.dims.map((d) => d ?? '?').join(', ')}]`;
  if (options.pipeline) {
    const built = buildPipelineOnnx(model, { preprocess: src.preprocess, padMode: options.padMode, threshold: options.threshold, opset: options.opset, producerVersion: PACKAGE_VERSION });
    const info = exportInfo(src, 'pipeline', { scale: 'native', padMode: built.padMode, threshold: built.threshold });
    built.model.metadata_props = Object.entries(metadataProps(info)).map(([key, value]) => ({ key, value }));
    return [{ path: out, form: 'pipeline', data: encodeModel(built.model), input: 'image uint8 [H, W, 3]', output: 'labels uint8 [H, W]' }];
  }
  if (options.padMode !== undefined || options.threshold !== undefined) throw new Error('--pad-mode and --threshold apply to --pipeline exports');
  return zooOnnxParts(model).map((part) => {
    const form: OnnxForm = part.part === '' ? 'network' : part.part;
    const metadata = metadataProps(exportInfo(src, form));
    const e: OnnxExport = buildOnnx(part.module, { ...part.options, opset: options.opset, metadata });
    return { path: partPath(out, part.part), form, data: encodeModel(e.model), input: describe(e.input), output: describe(e.output) };
  });
}

/**
 * Exports `src` to `out` (the autoencoder: OUT.encoder.onnx and OUT.decoder.onnx): all files
 * built first, then each written atomically.
 * @example
 *   const src = sourceFromCheckpoint('runs/membrane/checkpoints/best.safetensors');
 *   exportFiles(src, 'membrane.onnx', { pipeline: true }); // image uint8 [H, W, 3] -> labels uint8 [H, W]
 */
export function exportFiles(src: ExportSource, out: string, options: ExportFilesOptions = {}): ExportedFile[] {
  const dir = dirname(out);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`cannot write '${out}': folder '${dir}' does not exist`);
  const files = buildExportFiles(src, out, options);
  for (const f of files) writeFileAtomicSync(f.path, f.data);
  return files.map(({ path, form, data, input, output }) => ({ path, form, bytes: data.length, input, output }));
}
