// The threshold viewer of the TGS U-Net tutorial: image | true mask | prediction above a
// threshold, titled with its foreground IoU (metrics/binary.ts: one definition, one convention).
import type { RawImage } from '../image/types.js';
import { checkImage } from '../image/convert.js';
import { applyColormap, type ColormapName } from './colormap.js';
import { displaySize } from './display.js';
import { resizeImage } from '../image/resize.js';
import { checkMap } from '../image/maps.js';
import type { LabelMap, ScalarMap } from '../image/types.js';
import { hconcat } from './panels.js';
import { foregroundIoU } from '../metrics/binary.js';

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

/**
 * image | mask (0/1) | prediction > threshold, titled with the foreground IoU ('n/a' when
 * neither mask nor prediction has foreground), all drawn at one display size.
 * @example
 *   writePng('threshold.png', thresholdView(image, mask, foreground, { threshold: 0.4 }));
 */
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
  const iou = foregroundIoU(probabilities, truth, t);
  const [w, h] = displaySize(image.width, image.height, 192, 384);
  const show = (im: RawImage) => resizeImage(im, w, h, 'nearest');
  const suffix = options.name !== undefined ? ` ${options.name}` : '';
  const panels = [
    show(image),
    show(applyColormap(binary(truth, 0.5), { map, min: 0, max: 1 })),
    show(applyColormap(binary(probabilities, t), { map, min: 0, max: 1 })),
  ];
  const titles = [`image${suffix}`, `mask${suffix}`, `> ${t.toFixed(2)}: IoU ${Number.isNaN(iou) ? 'n/a' : `${Math.round(iou * 100)}%`}`];
  if (options.showProbabilities) {
    panels.push(show(applyColormap(probabilities, { map, min: 0, max: 1 })));
    titles.push('probability');
  }
  return hconcat(panels, { titles });
}
