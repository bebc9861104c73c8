// The preprocessing spec: plain JSON, so a worker thread can rebuild the pipeline, the cache
// can hash its deterministic part and a checkpoint can record what the model was trained on.
import type { ResizeMode } from '../../image/resize.js';

/** numpy.pad modes (numpy names): 'edge' repeats the border pixel, 'reflect' mirrors without
 * repeating it (abc → cb|abc|ba), 'symmetric' mirrors with it (abc → ba|abc|cb), 'wrap' tiles. */
export type PadMode = 'constant' | 'edge' | 'reflect' | 'symmetric' | 'wrap';


export interface ResizeSpec {
  width: number;
  height: number;
  /** For images; labels are always resized by nearest neighbour. Default 'bilinear'. */
  mode?: ResizeMode;
}

export interface PadSpec {
  /** Pad up to this size, the extra split as numpy users do: before = ceil(extra / 2) (101 → 128 pads (14, 13)). */
  width?: number;
  height?: number;
  /** Or explicit amounts, added to any size-driven padding. */
  top?: number;
  bottom?: number;
  left?: number;
  right?: number;
  /** Default 'constant'. */
  mode?: PadMode;
  /** Image value for 'constant' (raw pixel units, default 0). */
  value?: number;
  /** Label value for 'constant' (default: the dataset's ignore index, else 0); other modes pad labels like images. */
  labelValue?: number;
}

export interface AugmentSpec {
  /** Random scale factor range [min, max] (image bilinear, label nearest). */
  scale?: [number, number];
  /** Random crop to this size; smaller images are padded first (image with 0 after normalisation, label with the ignore index). */
  crop?: { width: number; height: number };
  /** Probability of a horizontal flip (true = 0.5). */
  hflip?: boolean | number;
  /** Probability of a vertical flip (true = 0.5). */
  vflip?: boolean | number;
  /** Label of pixels padded for the crop (default: the dataset's ignore index, else 0). */
  labelValue?: number;
}

/** out = (x * scale - mean[c]) / std[c]; mean and std have one entry or one per channel. */
export interface NormalizeSpec {
  scale?: number;
  mean?: number[];
  std?: number[];
}

/** 'unit': x / 255. 'vgg': x - (123.68, 116.78, 103.94) (RGB means, 0..255 scale). 'imagenet': torchvision's mean/std on x / 255. 'none': raw values. */
export type NormalizePreset = 'none' | 'unit' | 'vgg' | 'imagenet';

export interface PreprocessSpec {
  /** 1 or 3: convert images (gray → RGB replicates; RGB → gray by ITU-R 601 luma). Default: as stored, alpha dropped. */
  channels?: 1 | 3;
  resize?: ResizeSpec;
  pad?: PadSpec;
  /** Default 'unit'. */
  normalize?: NormalizePreset | NormalizeSpec;
  /** Random, seeded per (seed, epoch, sample): train only. */
  augment?: AugmentSpec;
}

export const NORMALIZE_PRESETS: Readonly<Record<NormalizePreset, Required<NormalizeSpec>>> = {
  none: { scale: 1, mean: [0], std: [1] },
  unit: { scale: 1 / 255, mean: [0], std: [1] },
  vgg: { scale: 1, mean: [123.68, 116.78, 103.94], std: [1] },
  imagenet: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

const PAD_MODES: readonly PadMode[] = ['constant', 'edge', 'reflect', 'symmetric', 'wrap'];
const RESIZE_MODES: readonly ResizeMode[] = ['bilinear', 'area', 'nearest'];

/** Throws an Error naming the field when a preprocessing spec is malformed; returns it typed. */
export function validatePreprocess(spec: unknown): PreprocessSpec {
  const fail = (what: string): never => {
    throw new Error(`preprocess spec: ${what}`);
  };
  if (spec === undefined || spec === null) return {};
  if (typeof spec !== 'object' || Array.isArray(spec)) return fail(`expected an object, got ${JSON.stringify(spec)}`);
  const s = spec as Record<string, unknown>;
  const known = ['channels', 'resize', 'pad', 'normalize', 'augment'];
  for (const k of Object.keys(s)) if (!known.includes(k)) fail(`unknown field "${k}", expected ${known.join(', ')}`);
  const posInt = (v: unknown, name: string) => {
    if (!Number.isInteger(v) || (v as number) < 1) fail(`${name} is ${JSON.stringify(v)}, expected a positive integer`);
  };
  const nonNegInt = (v: unknown, name: string) => {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) fail(`${name} is ${JSON.stringify(v)}, expected a non-negative integer`);
  };
  if (s.channels !== undefined && s.channels !== 1 && s.channels !== 3) fail(`channels is ${JSON.stringify(s.channels)}, expected 1 or 3`);
  if (s.resize !== undefined) {
    const r = s.resize as ResizeSpec;
    posInt(r.width, 'resize.width');
    posInt(r.height, 'resize.height');
    if (r.mode !== undefined && !RESIZE_MODES.includes(r.mode)) fail(`resize.mode is ${JSON.stringify(r.mode)}, expected ${RESIZE_MODES.join(', ')}`);
  }
  if (s.pad !== undefined) {
    const p = s.pad as PadSpec;
    if (p.width !== undefined) posInt(p.width, 'pad.width');
    if (p.height !== undefined) posInt(p.height, 'pad.height');
    for (const k of ['top', 'bottom', 'left', 'right'] as const) nonNegInt(p[k], `pad.${k}`);
    if (p.mode !== undefined && !PAD_MODES.includes(p.mode)) fail(`pad.mode is ${JSON.stringify(p.mode)}, expected ${PAD_MODES.join(', ')} (numpy.pad names)`);
    if (p.value !== undefined && !Number.isFinite(p.value)) fail(`pad.value is ${JSON.stringify(p.value)}, expected a number`);
    nonNegInt(p.labelValue, 'pad.labelValue');
  }
  if (s.normalize !== undefined) normalizeParams(s.normalize as PreprocessSpec['normalize']);
  if (s.augment !== undefined) {
    const a = s.augment as AugmentSpec;
    if (a.scale !== undefined) {
      const ok = Array.isArray(a.scale) && a.scale.length === 2 && a.scale[0] > 0 && a.scale[1] >= a.scale[0];
      if (!ok) fail(`augment.scale is ${JSON.stringify(a.scale)}, expected [min, max] with 0 < min <= max`);
    }
    if (a.crop !== undefined) {
      posInt(a.crop.width, 'augment.crop.width');
      posInt(a.crop.height, 'augment.crop.height');
    }
    nonNegInt(a.labelValue, 'augment.labelValue');
    for (const k of ['hflip', 'vflip'] as const) {
      const v = a[k];
      if (v !== undefined && typeof v !== 'boolean' && !(typeof v === 'number' && v >= 0 && v <= 1)) fail(`augment.${k} is ${JSON.stringify(v)}, expected true/false or a probability 0..1`);
    }
  }
  return s as PreprocessSpec;
}

/** The normalisation as explicit numbers (presets expanded). */
export function normalizeParams(n: PreprocessSpec['normalize']): Required<NormalizeSpec> {
  if (n === undefined) return NORMALIZE_PRESETS.unit;
  if (typeof n === 'string') {
    const preset = NORMALIZE_PRESETS[n];
    if (!preset) throw new Error(`preprocess spec: normalize is "${n}", expected ${Object.keys(NORMALIZE_PRESETS).join(', ')} or {scale, mean, std}`);
    return preset;
  }
  const out = { scale: n.scale ?? 1, mean: n.mean ?? [0], std: n.std ?? [1] };
  if (!Number.isFinite(out.scale)) throw new Error(`preprocess spec: normalize.scale is ${JSON.stringify(n.scale)}, expected a number`);
  if (!Array.isArray(out.mean) || out.mean.length === 0 || out.mean.some((v) => !Number.isFinite(v))) {
    throw new Error(`preprocess spec: normalize.mean is ${JSON.stringify(n.mean)}, expected a list of numbers`);
  }
  if (!Array.isArray(out.std) || out.std.length === 0 || out.std.some((v) => !Number.isFinite(v) || v === 0)) {
    throw new Error(`preprocess spec: normalize.std is ${JSON.stringify(n.std)}, expected a list of non-zero numbers`);
  }
  return out;
}

/** The part of a spec applied before augmentation (what the cache stores and hashes). */
export function deterministicPart(spec: PreprocessSpec): Pick<PreprocessSpec, 'channels' | 'resize' | 'pad'> {
  const out: Pick<PreprocessSpec, 'channels' | 'resize' | 'pad'> = {};
  if (spec.channels !== undefined) out.channels = spec.channels;
  if (spec.resize !== undefined) out.resize = spec.resize;
  if (spec.pad !== undefined) out.pad = spec.pad;
  return out;
}

/** The same spec without augmentation: what validation and inference use. */
export function evalSpec(spec: PreprocessSpec): PreprocessSpec {
  const { augment: _augment, ...rest } = spec;
  return rest;
}
