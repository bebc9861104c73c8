// Classification and coarse segmentation with any VGG (the Keras VGG16 tutorial): top-k ImageNet
// classes of a resized, centre-cropped image, and the classifier slid over the whole image for a
// coarse segmentation (upsampled x32 as in the upsampling tutorial).
import { noGrad, tidy, where, type Tensor } from '../torch/index.js';
import { bilinearUpsample } from '../nn/bilinear.js';
import type { RawImage } from '../image/types.js';
import { fromChw, toChw, toRgb } from '../image/convert.js';
import { resizeChw } from '../image/resize.js';
import { cropImage } from '../data/transforms/geometry.js';
import { coarseSegmentation, topK, type ClassScore, type CoarseSegmentation } from '../models/imagenet-predictions.js';
import { vggInput } from '../models/preprocessing.js';
import type { NormalizationInput } from '../image/normalization.js';
import type { VGG } from '../models/vgg.js';
import type { LabelMap } from '../image/types.js';

/**
 * Resizes the shorter side to `resizeSide` (aspect kept) and cuts the central size x size
 * square: TF-slim's VGG evaluation preprocessing (256, then 224).
 */
export function resizeAndCenterCrop(image: RawImage, size = 224, resizeSide = Math.round((size * 256) / 224)): RawImage {
  if (!Number.isInteger(size) || size < 1 || resizeSide < size) throw new Error(`crop size ${size} must be a positive integer no larger than the resize side ${resizeSide}`);
  const rgb = toChw(image, 3);
  const k = resizeSide / Math.min(image.width, image.height);
  const width = Math.max(size, Math.round(image.width * k));
  const height = Math.max(size, Math.round(image.height * k));
  const resized = resizeChw(rgb, width, height, k < 1 ? 'area' : 'bilinear');
  const cropped = cropImage(resized, Math.floor((width - size) / 2), Math.floor((height - size) / 2), size, size);
  const out = fromChw(cropped);
  return { width: size, height: size, channels: 3, data: Uint8Array.from(out.data, (v) => Math.max(0, Math.min(255, Math.round(v)))) };
}

/**
 * The k most probable classes of a (cropped) image under the VGG classifier.
 * @example
 *   const top5 = classifyImage(vgg, resizeAndCenterCrop(photo, 224), { normalization: 'torchvision' });
 */
export function classifyImage(model: VGG, image: RawImage, o: { k?: number; names?: readonly string[]; normalization?: NormalizationInput } = {}): ClassScore[] {
  const wasConvolutional = model.fullyConvolutional;
  model.eval();
  model.fullyConvolutional = false;
  try {
    return noGrad(() => tidy(() => topK(model.forward(onModelDevice(model, vggInput(toRgb(image), o.normalization))), o.k ?? 5, o.names)[0]!));
  } finally {
    model.fullyConvolutional = wasConvolutional;
  }
}

/** The class-score map (1, C, h, w) of the classifier run fully convolutionally on the whole image; the caller disposes it. */
export function scoreMap(model: VGG, image: RawImage, o: { fc6Padding?: 'valid' | 'same'; normalization?: NormalizationInput } = {}): Tensor {
  const [wasConvolutional, wasPadding] = [model.fullyConvolutional, model.fc6Padding];
  model.eval();
  model.fullyConvolutional = true;
  model.fc6Padding = o.fc6Padding ?? 'valid';
  try {
    return noGrad(() => tidy(() => model.forward(onModelDevice(model, vggInput(toRgb(image), o.normalization)))));
  } finally {
    model.fullyConvolutional = wasConvolutional;
    model.fc6Padding = wasPadding;
  }
}

// The input on the device the model's weights are on (a model moved with --device).
function onModelDevice(model: VGG, x: Tensor): Tensor {
  const device = model.parameters()[0]?.device ?? 'cpu';
  return device === 'cpu' ? x : x.to({ device });
}

/** The winning class per pixel of the coarse map, with the classes present and their names. */
export function coarseLabels(scores: Tensor, names?: readonly string[]): CoarseSegmentation {
  return coarseSegmentation(scores, names)[0]!;
}

/**
 * argmax over classes of the scores bilinearly upsampled by `factor` (the upsampling tutorial's
 * upsample_tf on VGG's logits), a few classes at a time so 1000 full-size maps never coexist.
 */
export function upsampledLabels(scores: Tensor, factor: number, options: { classesPerChunk?: number } = {}): LabelMap {
  if (scores.ndim !== 4 || scores.size(0) !== 1) throw new Error(`upsampledLabels: expected scores (1, C, h, w), got ${scores}`);
  const [, classes, h, w] = scores.shape as [number, number, number, number];
  const [height, width] = [h * factor, w * factor];
  // About 64 MB of upsampled float32 scores at a time.
  const chunk = options.classesPerChunk ?? Math.max(1, Math.floor((1 << 24) / (height * width)));
  return noGrad(() =>
    tidy(() => {
      let best: Tensor | null = null;
      let index: Tensor | null = null;
      for (let c0 = 0; c0 < classes; c0 += chunk) {
        const n = Math.min(chunk, classes - c0);
        const up = bilinearUpsample(scores.narrow(1, c0, n).float().contiguous(), factor);
        const { values, indices } = up.max(1);
        up.dispose();
        const shifted = indices.add(c0);
        indices.dispose();
        if (!best || !index) {
          [best, index] = [values, shifted];
          continue;
        }
        // Strictly greater: on ties the lower class index wins, as argmax does.
        const better = values.gt(best);
        const nextBest = where(better, values, best);
        const nextIndex = where(better, shifted, index);
        for (const t of [better, values, shifted, best, index]) t.dispose();
        [best, index] = [nextBest, nextIndex];
      }
      return { width, height, data: index!.int().contiguous().data() as Int32Array };
    }),
  );
}
