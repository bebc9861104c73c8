// A sample's way from decoded pixels to model input, in two stages: `prepare` (deterministic:
// channels, resize, pad — what the cache stores) and `finish` (normalise, then the seeded
// augmentation, then int32 labels ready to become an int64 tensor).
import type { Sample } from '../datasets/types.js';
import { cropImage, cropLabel, flipImageH, flipImageV, flipLabelH, flipLabelV } from './geometry.js';
import { padImage, paddingFor, padLabel } from './pad.js';
import { toChw } from '../../image/convert.js';
import { resizeChw, resizeLabels } from '../../image/resize.js';
import type { ChwImage, LabelArray, LabelMap } from '../../image/types.js';
import type { Rng } from './random.js';
import type { PreprocessSpec } from './spec.js';
import { normalizeChw, resolveNormalization } from '../../image/normalization.js';

/** What the pipeline needs to know about the dataset. */
export interface PipelineContext {
  /** Fills label padding (constant pads, crops larger than the image); null → 0. */
  ignoreIndex: number | null;
}

/** A sample after the deterministic stage: channels-first pixels as stored (uint8 or float). */
export interface PreparedSample {
  name: string;
  image: ChwImage;
  label?: LabelMap<LabelArray>;
  classIndex?: number;
}

/** Model-ready: normalised float32 channels-first pixels and int32 labels. */
export interface ProcessedSample {
  name: string;
  width: number;
  height: number;
  channels: number;
  /** (C, H, W) */
  image: Float32Array;
  /** (H, W), or null for image-only data. */
  label: Int32Array | null;
  classIndex?: number;
}

/** The deterministic stage: channel conversion, resize (labels nearest), padding. */
export function prepare(sample: Sample, spec: PreprocessSpec, ctx: PipelineContext): PreparedSample {
  let image = toChw(sample.image, spec.channels);
  let label: LabelMap<LabelArray> | undefined = sample.label;
  if (label && (label.width !== image.width || label.height !== image.height)) {
    throw new Error(`${sample.name}: label ${label.height}x${label.width} and image ${image.height}x${image.width} (HxW) differ in size`);
  }
  if (spec.resize) {
    const { width, height, mode = 'bilinear' } = spec.resize;
    image = resizeChw(image, width, height, mode);
    if (label) label = resizeLabels(label, width, height);
  }
  if (spec.pad) {
    const mode = spec.pad.mode ?? 'constant';
    const p = paddingFor(spec.pad, image.width, image.height);
    image = padImage(image, p, mode, spec.pad.value ?? 0);
    if (label) label = padLabel(label, p, mode, spec.pad.labelValue ?? ctx.ignoreIndex ?? 0);
  }
  const out: PreparedSample = { name: sample.name, image };
  if (label) out.label = label;
  if (sample.classIndex !== undefined) out.classIndex = sample.classIndex;
  return out;
}

/** The second stage: normalisation, then augmentation when the spec has some and an rng is given. */
export function finish(prepared: PreparedSample, spec: PreprocessSpec, ctx: PipelineContext, rng?: Rng): ProcessedSample {
  let image: ChwImage = normalizeChw(prepared.image, resolveNormalization(spec.normalize));
  let label = prepared.label;
  const aug = spec.augment;
  if (aug && rng) {
    if (aug.scale) {
      const s = rng.uniform(aug.scale[0], aug.scale[1]);
      const w = Math.max(1, Math.round(image.width * s));
      const h = Math.max(1, Math.round(image.height * s));
      image = resizeChw(image, w, h, 'bilinear');
      if (label) label = resizeLabels(label, w, h);
    }
    if (aug.crop) {
      const { width: cw, height: ch } = aug.crop;
      // Too small for the crop: pad to it first with 0 (the mean under 'imagenet'/'vgg' normalisation,
      // black under 'unit'); labels get labelValue, else the ignore index (class 0 for a dataset without one).
      const p = { top: 0, left: 0, bottom: Math.max(0, ch - image.height), right: Math.max(0, cw - image.width) };
      image = padImage(image, p, 'constant', 0);
      if (label) label = padLabel(label, p, 'constant', aug.labelValue ?? ctx.ignoreIndex ?? 0);
      const x = rng.int(0, image.width - cw);
      const y = rng.int(0, image.height - ch);
      image = cropImage(image, x, y, cw, ch);
      if (label) label = cropLabel(label, x, y, cw, ch);
    }
    if (rng.chance(probability(aug.hflip))) {
      image = flipImageH(image);
      if (label) label = flipLabelH(label);
    }
    if (rng.chance(probability(aug.vflip))) {
      image = flipImageV(image);
      if (label) label = flipLabelV(label);
    }
  }
  const out: ProcessedSample = {
    name: prepared.name,
    width: image.width,
    height: image.height,
    channels: image.channels,
    image: image.data as Float32Array,
    label: label ? (label.data instanceof Int32Array ? label.data : Int32Array.from(label.data)) : null,
  };
  if (prepared.classIndex !== undefined) out.classIndex = prepared.classIndex;
  return out;
}

function probability(p: boolean | number | undefined): number {
  return p === true ? 0.5 : typeof p === 'number' ? p : 0;
}

/** Both stages at once. */
export function preprocess(sample: Sample, spec: PreprocessSpec, ctx: PipelineContext, rng?: Rng): ProcessedSample {
  return finish(prepare(sample, spec, ctx), spec, ctx, rng);
}
