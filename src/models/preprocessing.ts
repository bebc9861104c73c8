// Input normalisation for VGG weights. Each set of ImageNet weights expects the preprocessing it
// was trained with: torchvision's (RGB in [0, 1], minus mean, over std) or TF-slim's, as in the
// seeds (RGB in 0..255 minus the mean pixel 123.68, 116.78, 103.94).
import { tensor, tidy, type Tensor } from '../torch/index.js';
import type { RawImage } from '../image/types.js';

/** Mean RGB pixel of ImageNet on the 0..255 scale (TF-slim's _R_MEAN, _G_MEAN, _B_MEAN). */
export const VGG_MEAN_RGB = [123.68, 116.78, 103.94] as const;
/** torchvision's ImageNet normalisation, for RGB in [0, 1]. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** 'torchvision' for torchvision's weights, 'vggMean' for TF-slim / the seeds' mean subtraction. */
export type VggPreprocessing = 'torchvision' | 'vggMean';

function perChannel(x: Tensor, values: readonly number[]): Tensor {
  const channelDim = x.ndim - 3;
  if ((x.ndim !== 3 && x.ndim !== 4) || x.size(channelDim) !== values.length) {
    throw new Error(`expected RGB images (N, 3, H, W) or (3, H, W), got ${x}`);
  }
  return tensor(values as number[], { dtype: x.dtype, device: x.device }).reshape([values.length, 1, 1]);
}

/** x - VGG_MEAN_RGB for RGB images on the 0..255 scale. */
export function subtractVggMean(x: Tensor): Tensor {
  return tidy(() => x.sub(perChannel(x, VGG_MEAN_RGB)));
}

/** (x - IMAGENET_MEAN) / IMAGENET_STD for RGB images in [0, 1]. */
export function normalizeImagenet(x: Tensor): Tensor {
  return tidy(() => x.sub(perChannel(x, IMAGENET_MEAN)).div(perChannel(x, IMAGENET_STD)));
}

/** An 8-bit RGB image as a (1, 3, H, W) float32 tensor preprocessed for VGG weights. */
export function vggInput(image: RawImage, style: VggPreprocessing = 'torchvision'): Tensor {
  if (image.channels !== 3) throw new Error(`vggInput: expected an RGB image (3 channels), got ${image.channels}`);
  if (style !== 'torchvision' && style !== 'vggMean') {
    throw new Error(`vggInput: style must be 'torchvision' or 'vggMean', got '${String(style)}'`);
  }
  return tidy(() => {
    const hwc = tensor(image.data, { shape: [image.height, image.width, 3] });
    const x = hwc.permute([2, 0, 1]).float().unsqueeze(0);
    return style === 'vggMean' ? subtractVggMean(x) : normalizeImagenet(x.div(255));
  });
}
