// What an exported file says about itself in ModelProto.metadata_props, so a consumer (pixelwise's
// onnxruntime engine, the web page, anyone's code) needs nothing but the .onnx file: the task, the
// class names and colours, the preprocessing the model was trained with (the normalization
// record, resize, pad), the input sizes it accepts, how its outputs become probabilities, and —
// for a --pipeline file — what the graph already does. Values are JSON (strings stay strings).
import { readFileSync } from 'node:fs';
import type { Rgb } from '../image/color.js';
import { validatePreprocess, type PadMode, type PreprocessSpec } from '../data/transforms/spec.js';
import type { ModelContract, ModelTask, OutputActivation } from '../models/contract.js';
import { decodeMetadataProps } from './proto.js';

/** The metadata_props keys pixelwise writes. */
export const METADATA_KEYS = Object.freeze({
  version: 'pixelwise.version',
  task: 'pixelwise.task',
  form: 'pixelwise.form',
  model: 'pixelwise.model',
  classes: 'pixelwise.classes',
  colors: 'pixelwise.colors',
  preprocess: 'pixelwise.preprocess',
  inputSize: 'pixelwise.inputSize',
  output: 'pixelwise.output',
  pipeline: 'pixelwise.pipeline',
});

/**
 * 'network': input [N, C, H, W] preprocessed -> raw outputs (logits); 'pipeline': uint8 image
 * [H, W, 3] -> uint8 labels [H, W], everything in the graph; the autoencoder's two files.
 */
export type OnnxForm = 'network' | 'pipeline' | 'encoder' | 'decoder';

/** The input sizes the network accepts (the model contract's). */
export interface OnnxInputSize {
  channels: number;
  /** Height and width must be multiples of this. */
  multiple: number;
  /** The smallest side. */
  minimum: number;
  /** Sliding windows align to this (the deepest downsampling). */
  outputStride: number;
  /** [height, width] when only one size is accepted. */
  fixed: [number, number] | null;
}

/** What a --pipeline graph does besides the network. */
export interface PipelineInfo {
  /** The image's own pixels: the graph does not resize to the training size (see DESIGN.md). */
  scale: 'native';
  /** How the graph pads to the model's input multiple (numpy's names). */
  padMode: PadMode;
  /** Binary (one-output) models: foreground where the sigmoid exceeds it; null otherwise. */
  threshold: number | null;
}

export interface PixelwiseOnnxInfo {
  /** The pixelwise version that wrote the file. */
  version: string;
  task: ModelTask;
  form: OnnxForm;
  /** The zoo model: registry name and the options that rebuild it. */
  model: { name: string; options: Record<string, unknown> };
  /** One name per class index (2 for a one-output binary model); empty for the autoencoder. */
  classes: string[];
  /** One colour per class index. */
  colors: Rgb[];
  /** Channels, resize, pad and the normalization record, as training prepared inputs (no augmentation). */
  preprocess: PreprocessSpec;
  inputSize: OnnxInputSize;
  /** The network's output activation and channel count (1 = one sigmoid output). */
  output: { activation: OutputActivation; channels: number };
  pipeline?: PipelineInfo;
}

/** The metadata_props of a file described by `info`. */
export function metadataProps(info: PixelwiseOnnxInfo): Record<string, string> {
  const k = METADATA_KEYS;
  const props: Record<string, string> = {
    [k.version]: info.version,
    [k.task]: info.task,
    [k.form]: info.form,
    [k.model]: JSON.stringify(info.model),
    [k.classes]: JSON.stringify(info.classes),
    [k.colors]: JSON.stringify(info.colors),
    [k.preprocess]: JSON.stringify(info.preprocess),
    [k.inputSize]: JSON.stringify(info.inputSize),
    [k.output]: JSON.stringify(info.output),
  };
  if (info.pipeline) props[k.pipeline] = JSON.stringify(info.pipeline);
  return props;
}

const TASKS: readonly ModelTask[] = ['segmentation', 'classification', 'reconstruction'];
const FORMS: readonly OnnxForm[] = ['network', 'pipeline', 'encoder', 'decoder'];
const ACTIVATIONS: readonly OutputActivation[] = ['softmax', 'sigmoid', 'identity'];
const PAD_MODES: readonly PadMode[] = ['constant', 'edge', 'reflect', 'symmetric', 'wrap'];

/**
 * The pixelwise description of a file from its metadata_props; errors name the file, the key,
 * the value and what was expected.
 */
export function parseMetadata(props: readonly { key: string; value: string }[], source: string): PixelwiseOnnxInfo {
  const map = new Map(props.map((p) => [p.key, p.value]));
  const k = METADATA_KEYS;
  if (!map.has(k.task)) {
    const keys = props.map((p) => p.key);
    throw new Error(
      `${source} has no pixelwise metadata (no '${k.task}'${keys.length ? `; its keys: ${keys.join(', ')}` : ''}); ` +
        `export it with 'pixelwise export', which records the classes and preprocessing`,
    );
  }
  const fail = (key: string, why: string): never => {
    throw new Error(`${source}: metadata ${key} ${why}`);
  };
  const text = (key: string): string => map.get(key) ?? fail(key, 'is missing');
  const json = (key: string): unknown => {
    const value = text(key);
    try {
      return JSON.parse(value);
    } catch {
      return fail(key, `is not JSON: ${JSON.stringify(value.slice(0, 80))}`);
    }
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = text(key);
    return (allowed as readonly string[]).includes(v) ? (v as T) : fail(key, `is ${JSON.stringify(v)}, expected ${allowed.join(', ')}`);
  };
  const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

  const task = oneOf(k.task, TASKS);
  const form = oneOf(k.form, FORMS);
  const model = json(k.model) as PixelwiseOnnxInfo['model'];
  if (typeof model !== 'object' || model === null || typeof model.name !== 'string' || typeof model.options !== 'object') {
    fail(k.model, `is ${text(k.model)}, expected {"name": ..., "options": {...}}`);
  }
  const classes = json(k.classes);
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) fail(k.classes, `is ${text(k.classes)}, expected a list of names`);
  const colors = json(k.colors);
  const isColor = (c: unknown): boolean => Array.isArray(c) && c.length === 3 && c.every((v) => isInt(v, 0) && (v as number) <= 255);
  if (!Array.isArray(colors) || !colors.every(isColor)) fail(k.colors, `is ${text(k.colors)}, expected a list of [r, g, b] in 0..255`);
  if ((colors as unknown[]).length < (classes as unknown[]).length) fail(k.colors, `has ${(colors as unknown[]).length} colours for ${(classes as unknown[]).length} classes`);
  let preprocess: PreprocessSpec;
  try {
    preprocess = validatePreprocess(json(k.preprocess));
  } catch (err) {
    return fail(k.preprocess, (err as Error).message.replace(/^preprocess spec: /, ''));
  }
  const size = json(k.inputSize) as OnnxInputSize;
  const sizeOk =
    typeof size === 'object' &&
    size !== null &&
    isInt(size.channels, 1) &&
    isInt(size.multiple, 1) &&
    isInt(size.minimum, 1) &&
    isInt(size.outputStride, 1) &&
    (size.fixed === null || (Array.isArray(size.fixed) && size.fixed.length === 2 && size.fixed.every((v) => isInt(v, 1))));
  if (!sizeOk) fail(k.inputSize, `is ${text(k.inputSize)}, expected {"channels", "multiple", "minimum", "outputStride": positive integers, "fixed": null or [h, w]}`);
  const output = json(k.output) as PixelwiseOnnxInfo['output'];
  if (typeof output !== 'object' || output === null || !ACTIVATIONS.includes(output.activation) || !isInt(output.channels, 1)) {
    fail(k.output, `is ${text(k.output)}, expected {"activation": ${ACTIVATIONS.join('|')}, "channels": a positive integer}`);
  }
  if (task === 'segmentation') {
    const expected = output.channels === 1 ? 2 : output.channels;
    if ((classes as string[]).length !== expected) fail(k.classes, `names ${(classes as string[]).length} classes for ${output.channels} output channel(s), expected ${expected}`);
  }
  const info: PixelwiseOnnxInfo = {
    version: text(k.version),
    task,
    form,
    model,
    classes: classes as string[],
    colors: (colors as number[][]).map((c): Rgb => [c[0]!, c[1]!, c[2]!]),
    preprocess,
    inputSize: size,
    output,
  };
  if (form === 'pipeline') {
    const p = json(k.pipeline) as PipelineInfo;
    const ok = typeof p === 'object' && p !== null && p.scale === 'native' && PAD_MODES.includes(p.padMode) && (p.threshold === null || (typeof p.threshold === 'number' && p.threshold >= 0 && p.threshold <= 1));
    if (!ok) fail(k.pipeline, `is ${text(k.pipeline)}, expected {"scale": "native", "padMode": ${PAD_MODES.join('|')}, "threshold": null or 0..1}`);
    info.pipeline = p;
  }
  return info;
}

/** The pixelwise description of a .onnx file's bytes (see parseMetadata). */
export function onnxInfo(bytes: Uint8Array, source: string): PixelwiseOnnxInfo {
  let props;
  try {
    props = decodeMetadataProps(bytes);
  } catch (err) {
    throw new Error(`${source} is not an ONNX model (${(err as Error).message})`);
  }
  return parseMetadata(props, source);
}

/** The pixelwise description of the .onnx file at `path`. */
export function readOnnxInfo(path: string): PixelwiseOnnxInfo {
  return onnxInfo(readFileSync(path), `ONNX model ${path}`);
}

/** The model contract an exported network states through its metadata. */
export function contractFromInfo(info: PixelwiseOnnxInfo): ModelContract {
  return {
    task: info.task,
    numClasses: info.output.channels,
    inChannels: info.inputSize.channels,
    inputMultiple: info.inputSize.multiple,
    minInputSize: info.inputSize.minimum,
    outputStride: info.inputSize.outputStride,
    outputActivation: info.output.activation,
    fixedInputSize: info.inputSize.fixed,
    fixedSizeLayers: [],
    featureStages: [],
  };
}
