// The seed's threshold viewer: image | true mask | prediction above a threshold, titled with its IoU.
import type { RawImage } from '../data/raw-image.js';
import { checkImage } from './pixels.js';
import { applyColormap, type ColormapName } from './colormap.js';
import { displaySize, resizeNearest } from './image-ops.js';
import { checkMap, type LabelMap, type ScalarMap } from './maps.js';
import { hconcat } from './panels.js';

/**
 * Foreground IoU |A and B| / |A or B| of the true mask (foreground where > 0.5: 0/1 masks and
 * soft labels alike) and the prediction binarised as value > threshold. The threshold applies to
 * the prediction only, so a 0/1 mask keeps its foreground at any threshold, 1 included.
 * Two empty masks agree perfectly and score 1.
 */
export function maskIoU(truth: ScalarMap | LabelMap, prediction: ScalarMap | LabelMap, threshold = 0.5): number {
  checkMap(truth, 'maskIoU truth');
  checkMap(prediction, 'maskIoU prediction');
  if (truth.width !== prediction.width || truth.height !== prediction.height) {
    throw new Error(`maskIoU: truth is ${truth.width}x${truth.height} but prediction is ${prediction.width}x${prediction.height}`);
  }
  let inter = 0, union = 0;
  for (let i = 0; i < truth.data.length; i++) {
    const a = truth.data[i]! > 0.5, b = prediction.data[i]! > threshold;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export interface ThresholdViewOptions {
  /** Default 0.5. */
  threshold?: number;
  /** Colour map for the masks; default 'viridis' (what imshow shows a 0/1 mask in). */
  map?: ColormapName;
  /** Add a fourth panel with the raw probabilities. */
  showProbabilities?: boolean;
  /** Label of the sample in the titles, e.g. its index. */
  name?: string;
}

/** image | mask | prediction > threshold (titled with its IoU), all drawn at one display size. */
export function thresholdView(image: RawImage, truth: ScalarMap | LabelMap, probabilities: ScalarMap, options: ThresholdViewOptions = {}): RawImage {
  checkImage(image, 'thresholdView image');
  checkMap(truth, 'thresholdView truth');
  checkMap(probabilities, 'thresholdView probabilities');
  const t = options.threshold ?? 0.5;
  if (!(t >= 0 && t <= 1)) throw new Error(`thresholdView threshold ${t} must be between 0 and 1`);
  const map = options.map ?? 'viridis';
  const binary = (m: ScalarMap | LabelMap, cut: number) => ({
    width: m.width, height: m.height, data: Float32Array.from(m.data as ArrayLike<number>, (v) => (v > cut ? 1 : 0)),
  });
  const iou = maskIoU(truth, probabilities, t);
  const [w, h] = displaySize(image.width, image.height, 192, 384);
  const show = (im: RawImage) => resizeNearest(im, w, h);
  const suffix = options.name !== undefined ? ` ${options.name}` : '';
  const panels = [
    show(image),
    show(applyColormap(binary(truth, 0.5), { map, min: 0, max: 1 })),
    show(applyColormap(binary(probabilities, t), { map, min: 0, max: 1 })),
  ];
  const titles = [`image${suffix}`, `mask${suffix}`, `> ${t.toFixed(2)}: IoU ${Math.round(iou * 100)}%`];
  if (options.showProbabilities) {
    panels.push(show(applyColormap(probabilities, { map, min: 0, max: 1 })));
    titles.push('probability');
  }
  return hconcat(panels, { titles });
}
