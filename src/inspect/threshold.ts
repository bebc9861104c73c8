// Binarising a binary model's probabilities when there is no ground-truth mask to score
// against (scores with a mask: metrics/binary.ts foregroundIoU and thresholdSweep).
import type { RawImage } from '../image/types.js';
import { applyColormap } from '../viz/colormap.js';
import { displaySize } from '../viz/display.js';
import { toRgb } from '../image/convert.js';
import { resizeImage } from '../image/resize.js';
import type { ScalarMap } from '../image/types.js';
import { hconcat } from '../viz/panels.js';

/** 1 where value > t, else 0. */
export function binarise(map: ScalarMap, t: number): ScalarMap {
  return { width: map.width, height: map.height, data: Float32Array.from(map.data as ArrayLike<number>, (v) => (v > t ? 1 : 0)) };
}

/** image | probability | probability > t, when there is no mask to score against. */
export function probabilityView(image: RawImage, probability: ScalarMap, t: number): RawImage {
  const [w, h] = displaySize(image.width, image.height, 192, 384);
  const show = (im: RawImage) => resizeImage(im, w, h, 'nearest');
  return hconcat(
    [show(toRgb(image, { background: 'white' })), show(applyColormap(probability, { map: 'viridis', min: 0, max: 1 })), show(applyColormap(binarise(probability, t), { min: 0, max: 1 }))],
    { titles: ['image', 'probability', `> ${t.toFixed(2)} (no mask)`] },
  );
}
