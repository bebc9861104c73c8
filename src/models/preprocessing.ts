// VGG inputs: an RGB image as the (1, 3, H, W) tensor a set of ImageNet weights expects. Each
// set expects the normalisation it was trained with (image/normalization.ts): torchvision's
// ('torchvision'), TF-slim's mean subtraction ('vgg-mean'), Caffe's BGR mean ('caffe'), Keras'.
import { tensor, tidy, type Tensor } from '../torch/index.js';
import { resolveNormalization, type NormalizationInput } from '../image/normalization.js';
import { normalizeTensor } from '../image/normalize-tensor.js';
import type { RawImage } from '../image/types.js';

/**
 * An 8-bit RGB image as a (1, 3, H, W) float32 tensor normalised for VGG weights.
 * @example
 *   const logits = vgg.forward(vggInput(crop, 'torchvision'));
 */
export function vggInput(image: RawImage, normalization: NormalizationInput = 'torchvision'): Tensor {
  if (image.channels !== 3) throw new Error(`vggInput: expected an RGB image (3 channels), got ${image.channels}`);
  const n = resolveNormalization(normalization, 'vggInput');
  return tidy(() => {
    const hwc = tensor(image.data, { shape: [image.height, image.width, 3] });
    return normalizeTensor(hwc.permute([2, 0, 1]).float().unsqueeze(0), n);
  });
}
