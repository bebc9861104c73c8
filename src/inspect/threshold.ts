// Binarising a binary model's probabilities: the IoU at one threshold, a sweep over many
// (the fourth seed's threshold slider, 0..0.95), and the view without a ground-truth mask.
import type { RawImage } from '../image/types.js';
import { applyColormap } from '../viz/colormap.js';
import { displaySize, resizeNearest, toRgb } from '../viz/image-ops.js';
import type { LabelMap, ScalarMap } from '../image/maps.js';
import { hconcat } from '../viz/panels.js';
import { maskIoU } from '../viz/threshold.js';

/** 0, 0.05, ..., 0.95: the seed's slider in percent. */
export const SWEEP_THRESHOLDS: readonly number[] = Array.from({ length: 20 }, (_, i) => i / 20);

/** Foreground IoU of `probability > t` against a 0/1 mask, for every threshold. */
export function thresholdSweep(truth: LabelMap | ScalarMap, probability: ScalarMap, thresholds: readonly number[] = SWEEP_THRESHOLDS): number[] {
  return thresholds.map((t) => maskIoU(truth, probability, t));
}

/** 1 where value > t, else 0. */
export function binarise(map: ScalarMap, t: number): ScalarMap {
  return { width: map.width, height: map.height, data: Float32Array.from(map.data as ArrayLike<number>, (v) => (v > t ? 1 : 0)) };
}

/** image | probability | probability > t, when there is no mask to score against. */
export function probabilityView(image: RawImage, probability: ScalarMap, t: number): RawImage {
  const [w, h] = displaySize(image.width, image.height, 192, 384);
  const show = (im: RawImage) => resizeNearest(im, w, h);
  return hconcat(
    [show(toRgb(image)), show(applyColormap(probability, { map: 'viridis', min: 0, max: 1 })), show(applyColormap(binarise(probability, t), { min: 0, max: 1 }))],
    { titles: ['image', 'probability', `> ${t.toFixed(2)} (no mask)`] },
  );
}
