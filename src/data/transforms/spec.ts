// The preprocessing spec: plain JSON, so a worker thread can rebuild the pipeline, the cache
// can hash its deterministic part and a checkpoint can record what the model was trained on.
import type { ResizeMode } from '../../image/resize.js';
import { resolveNormalization, type NormalizationInput } from '../../image/normalization.js';

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

export interface PreprocessSpec {
  /** 1 or 3: convert images (gray → RGB replicates; RGB → gray by ITU-R 601 luma). Default: as stored, alpha dropped. */
  channels?: 1 | 3;
  resize?: ResizeSpec;
  pad?: PadSpec;
  /**
   * How pixels become model inputs (image/normalization.ts): a preset name ('unit', 'imagenet',
   * 'vgg', 'caffe', ...), a {channelOrder, range, mean, std} record, or the {scale, mean, std}
   * older checkpoints stored. validatePreprocess turns each into the record. Default 'unit'.
   */
  normalize?: NormalizationInput;
  /** Random, seeded per (seed, epoch, sample): train only. */
  augment?: AugmentSpec;
}

const PAD_MODES: readonly PadMode[] = ['constant', 'edge', 'reflect', 'symmetric', 'wrap'];
const RESIZE_MODES: readonly ResizeMode[] = ['bilinear', 'area', 'nearest'];

/**
 * Throws an Error naming the field when a preprocessing spec is malformed; returns a copy, typed,
 * with `normalize` as the record (presets and the legacy form translated).
 */
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
  const normalize = s.normalize === undefined ? undefined : resolveNormalization(s.normalize, 'preprocess spec: normalize');
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
  const out = { ...s } as PreprocessSpec;
  if (normalize) out.normalize = normalize;
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
