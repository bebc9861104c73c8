// The one record of how pixel values become model inputs. Weights expect the preprocessing they
// were trained with — torchvision's (RGB in 0..1, ImageNet mean and std), Caffe's (BGR in 0..255
// minus the mean pixel), Keras' modes, TF-slim's — and a checkpoint stores the record its model
// was trained with, so training, evaluation, prediction, classification and export all prepare
// inputs the same way. Named presets keep the command line's spellings.
import { tensor, tidy, type Tensor } from '../torch/index.js';
import type { ChwImage, RawImage } from './types.js';

/**
 * How 8-bit pixels become model inputs. For input channel c:
 *
 *   input[c] = (pixel[source(c)] * range / 255 - mean[c]) / std[c]
 *
 * where source(c) = c for 'rgb' and 2 - c for 'bgr' (3-channel images; a gray image has one
 * channel and no order). mean and std hold one value for every channel or one per channel, in
 * the model's channel order, on the `range` scale.
 */
export interface Normalization {
  /** Channel order the model expects: 'rgb' (torchvision, Keras 'tf' and 'torch') or 'bgr' (Caffe, Keras 'caffe'). */
  channelOrder: 'rgb' | 'bgr';
  /** The value of a white pixel before mean and std: 1 (inputs in 0..1) or 255 (inputs in 0..255). */
  range: number;
  mean: number[];
  std: number[];
}

/** The form checkpoints stored before the record: out = (x * scale - mean[c]) / std[c], RGB. */
export interface LegacyNormalizeSpec {
  scale?: number;
  mean?: number[];
  std?: number[];
}

/** Named records (the command line's --normalize and classify --preprocessing values). */
export const NORMALIZATION_PRESETS = Object.freeze({
  /** Raw 0..255 values. */
  none: { channelOrder: 'rgb', range: 255, mean: [0], std: [1] },
  /** x / 255. */
  unit: { channelOrder: 'rgb', range: 1, mean: [0], std: [1] },
  /** torchvision's ImageNet normalisation: RGB / 255, minus mean, over std. */
  imagenet: { channelOrder: 'rgb', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  /** Another name for imagenet (classify --preprocessing torchvision). */
  torchvision: { channelOrder: 'rgb', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  /** TF-slim's VGG: RGB on 0..255 minus the mean pixel (_R_MEAN, _G_MEAN, _B_MEAN). */
  vgg: { channelOrder: 'rgb', range: 255, mean: [123.68, 116.78, 103.94], std: [1] },
  /** Another name for vgg (classify --preprocessing vgg-mean). */
  'vgg-mean': { channelOrder: 'rgb', range: 255, mean: [123.68, 116.78, 103.94], std: [1] },
  /** Caffe's VGG / FCN models: BGR on 0..255 minus the mean pixel of the FCN reference nets. */
  caffe: { channelOrder: 'bgr', range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1] },
  /** Keras' preprocess_input(mode='caffe'): BGR on 0..255 minus the ImageNet mean pixel. */
  'keras-caffe': { channelOrder: 'bgr', range: 255, mean: [103.939, 116.779, 123.68], std: [1] },
  /** Keras' preprocess_input(mode='tf'): RGB scaled to -1..1. */
  'keras-tf': { channelOrder: 'rgb', range: 1, mean: [0.5], std: [0.5] },
} as const satisfies Record<string, Normalization>);

export type NormalizationPreset = keyof typeof NORMALIZATION_PRESETS;

/** What may name a normalisation: a preset, a record, or the legacy {scale, mean, std} of older checkpoints. */
export type NormalizationInput = NormalizationPreset | Normalization | LegacyNormalizeSpec;

export const NORMALIZATION_PRESET_NAMES = Object.freeze(Object.keys(NORMALIZATION_PRESETS) as NormalizationPreset[]);

function copy(n: Normalization): Normalization {
  return { channelOrder: n.channelOrder, range: n.range, mean: [...n.mean], std: [...n.std] };
}

/**
 * The record for a preset name, a record (checked) or a legacy {scale, mean, std} (translated:
 * range = 255 * scale, RGB); undefined gives 'unit'. Errors name `where` and the value.
 * @example
 *   resolveNormalization('caffe');  // { channelOrder: 'bgr', range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1] }
 *   resolveNormalization({ scale: 1 / 255, mean: [0.5], std: [0.5] }); // an older checkpoint's form
 */
export function resolveNormalization(value: unknown, where = 'normalize'): Normalization {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (value === undefined || value === null) return copy(NORMALIZATION_PRESETS.unit);
  if (typeof value === 'string') {
    if (!Object.hasOwn(NORMALIZATION_PRESETS, value)) {
      return fail(`"${value}" is no preset, expected ${NORMALIZATION_PRESET_NAMES.join(', ')} or {channelOrder, range, mean, std}`);
    }
    return copy(NORMALIZATION_PRESETS[value as NormalizationPreset]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return fail(`${JSON.stringify(value)} is neither a preset name nor {channelOrder, range, mean, std}`);
  const o = value as Record<string, unknown>;
  const record = 'range' in o || 'channelOrder' in o;
  if (record && 'scale' in o) fail(`${JSON.stringify(value)} mixes range (the record) and scale (the legacy form)`);
  const known = record ? ['channelOrder', 'range', 'mean', 'std'] : ['scale', 'mean', 'std'];
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(`unknown field "${k}", expected ${known.join(', ')}`);
  const range = record ? (o.range ?? 255) : 255 * ((o.scale as number | undefined) ?? 1);
  const order = record ? (o.channelOrder ?? 'rgb') : 'rgb';
  const mean = o.mean ?? [0];
  const std = o.std ?? [1];
  if (order !== 'rgb' && order !== 'bgr') fail(`channelOrder is ${JSON.stringify(order)}, expected 'rgb' or 'bgr'`);
  if (typeof range !== 'number' || !Number.isFinite(range) || range <= 0) {
    fail(record ? `range is ${JSON.stringify(o.range)}, expected a positive number (1 or 255)` : `scale is ${JSON.stringify(o.scale)}, expected a positive number`);
  }
  if (!Array.isArray(mean) || mean.length === 0 || mean.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    fail(`mean is ${JSON.stringify(o.mean)}, expected a list of numbers`);
  }
  if (!Array.isArray(std) || std.length === 0 || std.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v === 0)) {
    fail(`std is ${JSON.stringify(o.std)}, expected a list of non-zero numbers`);
  }
  return { channelOrder: order as Normalization['channelOrder'], range: range as number, mean: [...(mean as number[])], std: [...(std as number[])] };
}

/** Per input channel: the source channel of the image, the mean and the std. */
function channelPlan(n: Normalization, channels: number, what: string): { source: number; mean: number; std: number }[] {
  const pick = (list: number[], name: string, c: number): number => {
    if (list.length !== 1 && list.length !== channels) {
      throw new Error(`${what}: ${name} has ${list.length} values for a ${channels}-channel image, expected 1 or ${channels}`);
    }
    return list.length === 1 ? list[0]! : list[c]!;
  };
  return Array.from({ length: channels }, (_, c) => ({
    source: n.channelOrder === 'bgr' && channels === 3 ? 2 - c : c,
    mean: pick(n.mean, 'mean', c),
    std: pick(n.std, 'std', c),
  }));
}

/**
 * A float32 copy of a channels-first image (pixels on 0..255) normalised as `n` says.
 * @example
 *   const input = normalizeChw(toChw(photo, 3), resolveNormalization('imagenet'));
 */
export function normalizeChw(image: ChwImage, n: Normalization): ChwImage & { data: Float32Array } {
  const { width, height, channels, data } = image;
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  // (x * scale - mean) * (1 / std), in the order the pipeline always computed it.
  const scale = n.range / 255;
  channelPlan(n, channels, 'normalize').forEach(({ source, mean, std }, c) => {
    const inv = 1 / std;
    const from = source * plane;
    for (let i = 0; i < plane; i++) out[c * plane + i] = (data[from + i]! * scale - mean) * inv;
  });
  return { width, height, channels, data: out };
}

/**
 * Model output planes (C x H x W, normalised as `n` says) back to 8-bit pixels: the
 * normalisation undone, channels put back in RGB order, rounded and clamped.
 */
export function denormalizeChw(data: Float32Array, channels: number, height: number, width: number, n: Normalization): RawImage {
  const plane = width * height;
  const out = new Uint8Array(plane * channels);
  const scale = n.range / 255;
  channelPlan(n, channels, 'denormalize').forEach(({ source, mean, std }, c) => {
    for (let i = 0; i < plane; i++) {
      const v = (data[c * plane + i]! * std + mean) / scale;
      out[i * channels + source] = Math.max(0, Math.min(255, Math.round(v)));
    }
  });
  return { width, height, channels: channels as RawImage['channels'], data: out };
}

/**
 * Normalises images as a tensor: (N, C, H, W) or (C, H, W) pixels on 0..255 (any float dtype)
 * in RGB order; BGR records swap the channels first. The caller owns the result.
 * @example
 *   const x = normalizeTensor(images, resolveNormalization('caffe')); // images: (N, 3, H, W) on 0..255; BGR minus Caffe's mean pixel
 */
export function normalizeTensor(x: Tensor, n: Normalization): Tensor {
  const channelDim = x.ndim - 3;
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`normalizeTensor: expected images (N, C, H, W) or (C, H, W), got ${x}`);
  const channels = x.size(channelDim);
  const plan = channelPlan(n, channels, 'normalizeTensor');
  return tidy(() => {
    const ordered = n.channelOrder === 'bgr' && channels === 3 ? x.flip([channelDim]) : x;
    const column = (values: number[]) => tensor(values, { dtype: x.dtype, device: x.device }).reshape([channels, 1, 1]);
    const scaled = n.range === 255 ? ordered : ordered.div(255 / n.range);
    return scaled.sub(column(plan.map((p) => p.mean))).div(column(plan.map((p) => p.std)));
  });
}
