// Where an image of any size meets a model that wants particular sizes: the scale it runs at,
// the padding it gets, and the errors when no padding can make it fit.
import type { PadMode, PreprocessSpec } from '../data/transforms/spec.js';
import { centerPadding, paddingFor, type Padding } from '../data/transforms/pad.js';
import type { ModelContract } from '../models/contract.js';

/**
 * What planning needs to know about a model, whichever engine runs it (a libtorch Predictor, an
 * ONNX file's metadata): its contract, the preprocessing it was trained with, and its name.
 */
export interface PlanTarget {
  contract: ModelContract;
  preprocess: PreprocessSpec;
  /** The architecture ('unet'), for messages. */
  architecture: string;
}

/**
 * 'train': when the model was trained on resized images (preprocess.resize), the input is
 * resized to that training size, as validation did, so objects appear at the scale the model
 * learned; results are brought back to full resolution. 'native': the image's own pixels.
 */
export type ScaleMode = 'train' | 'native';

/**
 * Padding used to reach the model's input multiple or minimum size when training did not pad:
 * 'reflect' mirrors the border (numpy's reflect), so the model sees image-like context at the
 * edges rather than a black frame it never saw in training. A training pad spec wins.
 */
export const DEFAULT_PAD_MODE: PadMode = 'reflect';

/** How an image of the given size becomes model input (before tiling). */
export interface InputPlan {
  /** The image's full resolution. */
  width: number;
  height: number;
  /** The size the model sees before padding (the training size under scale 'train', else the image size). */
  runWidth: number;
  runHeight: number;
  /** Whether runWidth x runHeight differs from the image (probabilities are resized back). */
  resized: boolean;
  resizeMode: 'bilinear' | 'area' | 'nearest';
  /** Padding the training preprocessing applied to every image (e.g. 101 -> 128), done again here. */
  pad: Padding;
  /** Mode and constant value of all padding (the training pad's, else DEFAULT_PAD_MODE / 0). */
  padMode: PadMode;
  padValue: number;
}

export interface PlanOptions {
  scale?: ScaleMode;
  /** Overrides the padding mode (the training pad spec's mode otherwise). */
  padMode?: PadMode;
  /** Names the image in errors. */
  name?: string;
  /**
   * A model with a fixed input size (the autoencoder) gets any image resized to that size (and
   * its results back) instead of an error; inspection looks at any image this way.
   */
  fit?: boolean;
}

// Sizes in messages are HEIGHTxWIDTH, as --size and tensor shapes.
const sizeText = (h: number, w: number): string => `${h}x${w}`;

/** The plan for an image of width x height; throws when the model cannot take it at all. */
export function planInput(predictor: PlanTarget, width: number, height: number, options: PlanOptions = {}): InputPlan {
  const name = options.name ?? 'image';
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${name}: size ${height}x${width} (HxW), expected positive integers`);
  }
  const scale = options.scale ?? 'train';
  if (scale !== 'train' && scale !== 'native') throw new Error(`scale '${String(scale)}', expected 'train' or 'native'`);
  const spec = predictor.preprocess;
  const fixed = predictor.contract.fixedInputSize;
  // Fitting to a fixed size mostly shrinks photos: 'area' averages rather than skips pixels.
  const fitted = options.fit && fixed ? { height: fixed[0], width: fixed[1], mode: 'area' as const } : undefined;
  const resize = fitted ?? (scale === 'train' ? spec.resize : undefined);
  const runWidth = resize ? resize.width : width;
  const runHeight = resize ? resize.height : height;
  const pad = spec.pad ? paddingFor(spec.pad, runWidth, runHeight) : { top: 0, bottom: 0, left: 0, right: 0 };
  const plan: InputPlan = {
    width,
    height,
    runWidth,
    runHeight,
    resized: runWidth !== width || runHeight !== height,
    resizeMode: resize?.mode ?? 'bilinear',
    pad,
    padMode: options.padMode ?? spec.pad?.mode ?? DEFAULT_PAD_MODE,
    padValue: spec.pad?.value ?? 0,
  };
  if (fixed) {
    const h = runHeight + pad.top + pad.bottom;
    const w = runWidth + pad.left + pad.right;
    if (h !== fixed[0] || w !== fixed[1]) {
      const arch = predictor.architecture;
      const what = h <= fixed[0] && w <= fixed[1] ? 'is smaller than' : 'does not match';
      throw new Error(
        `${name}: ${sizeText(h, w)} (HxW) ${what} the ${sizeText(fixed[0], fixed[1])} input the ${arch} model takes; ` +
          `its input size is fixed, so padding cannot help (resize the image to ${sizeText(fixed[0], fixed[1])})`,
      );
    }
  }
  return plan;
}

/** Padding (split as evenly as numpy users do) that brings a window up to the model's minimum size and multiple. */
export function windowPadding(predictor: PlanTarget, width: number, height: number): Padding {
  if (predictor.contract.fixedInputSize) return { top: 0, bottom: 0, left: 0, right: 0 };
  const target = (size: number): number => {
    const { inputMultiple: m, minInputSize } = predictor.contract;
    return Math.ceil(Math.max(size, minInputSize) / m) * m;
  };
  const [top, bottom] = centerPadding(height, target(height));
  const [left, right] = centerPadding(width, target(width));
  return { top, bottom, left, right };
}

/**
 * The grid sliding windows are placed on, so every window pools over the same cells as a pass
 * over the whole image: the model's output stride (its contract: U-Net 2^depth, FCN 32).
 */
export function gridAlignment(predictor: Pick<PlanTarget, 'contract'>): number {
  return Math.max(predictor.contract.inputMultiple, predictor.contract.outputStride);
}
