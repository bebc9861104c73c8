// The normalization record applied to a batch tensor (the record itself: normalization.ts).
import { tensor, tidy, type Tensor } from '../torch/index.js';
import { channelPlan, type Normalization } from './normalization.js';

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
