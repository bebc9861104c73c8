// Bilinear interpolation kernels for transposed convolutions (the FCN upsampling layers).
import { noGrad, op, Tensor, tensor, tidy } from '../torch/index.js';

/** Kernel size of a transposed convolution upsampling by `factor`: 2 * factor - factor % 2. */
export function getKernelSize(factor: number): number {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upsampling factor must be an integer >= 1, got ${factor}`);
  return 2 * factor - (factor % 2);
}

/** A size x size bilinear kernel (row-major), the tent function centred on the kernel. */
export function upsampleFilt(size: number): Float32Array {
  return Float32Array.from(upsampleFilt64(size));
}

// The same kernel in float64, so float64 upsampling is exact to rounding.
function upsampleFilt64(size: number): Float64Array {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`bilinear kernel size must be an integer >= 1, got ${size}`);
  const factor = Math.floor((size + 1) / 2);
  const center = size % 2 === 1 ? factor - 1 : factor - 0.5;
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      out[i * size + j] = (1 - Math.abs(i - center) / factor) * (1 - Math.abs(j - center) / factor);
    }
  }
  return out;
}

/**
 * Weights for a transposed convolution that upsamples `numClasses` channels by `factor`
 * independently: shape (numClasses, numClasses, k, k) in PyTorch's ConvTranspose2d layout,
 * one bilinear kernel on the diagonal (channel i -> channel i), zeros elsewhere.
 */
export function bilinearUpsampleWeights(factor: number, numClasses: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`numClasses must be an integer >= 1, got ${numClasses}`);
  const k = getKernelSize(factor);
  const kernel = upsampleFilt64(k);
  const data = new Float64Array(numClasses * numClasses * k * k);
  for (let c = 0; c < numClasses; c++) data.set(kernel, (c * numClasses + c) * k * k);
  return tensor(data, { shape: [numClasses, numClasses, k, k], dtype });
}

/**
 * Fills a ConvTranspose2d weight (inChannels, outChannels/groups, k, k) with bilinear
 * kernels: channel i feeds output channel i, every other connection is zero. This is the
 * FCN initialisation; the layer stays learnable.
 */
export function fillBilinear_(weight: Tensor): Tensor {
  const [inC, outPerGroup, kh, kw] = weight.shape as [number, number, number, number];
  if (weight.ndim !== 4 || kh !== kw) {
    throw new Error(`bilinear init: expected a square 4-d transposed-convolution weight, got ${weight}`);
  }
  // Built in float64 and rounded once by copy_, so a float64 weight gets the exact kernel.
  const kernel = upsampleFilt64(kh);
  const data = new Float64Array(inC * outPerGroup * kh * kw);
  for (let i = 0; i < inC; i++) {
    // groups = 1: channel i -> output i (the diagonal); depthwise (one output per group): i -> its own output.
    const o = outPerGroup === 1 ? 0 : i;
    if (o < outPerGroup) data.set(kernel, (i * outPerGroup + o) * kh * kw);
  }
  const values = tensor(data, { shape: weight.shape });
  noGrad(() => weight.copy_(values));
  values.dispose();
  return weight;
}

/** Depthwise bilinear upsampling weights: (channels, 1, k, k), one kernel per channel (groups = channels). */
export function bilinearDepthwiseWeights(factor: number, channels: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be an integer >= 1, got ${channels}`);
  const k = getKernelSize(factor);
  const kernel = upsampleFilt64(k);
  const data = new Float64Array(channels * k * k);
  for (let c = 0; c < channels; c++) data.set(kernel, c * k * k);
  return tensor(data, { shape: [channels, 1, k, k], dtype });
}

/** Cropping each side of the transposed convolution so the output is exactly input * factor. */
export function bilinearPadding(factor: number): number {
  // k - factor = factor - factor % 2 is even, so the 'same' crop is symmetric for every factor.
  return (getKernelSize(factor) - factor) / 2;
}

/**
 * Upsamples (N, C, H, W) or (C, H, W) by an integer factor to exactly (H * factor, W * factor)
 * with a depthwise transposed convolution holding the bilinear kernel. Equal to
 * bilinear interpolation with zeros outside the image (skimage rescale, mode 'constant', clip=False).
 * The depthwise weight is C * k * k numbers, where the dense diagonal one is C * C * k * k.
 */
export function bilinearUpsample(x: Tensor, factor: number): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`bilinearUpsample: expected a (N, C, H, W) or (C, H, W) input, got ${x}`);
  const dtype = x.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`bilinearUpsample: expected a float32 or float64 input, got ${dtype}`);
  }
  const channels = x.size(-3);
  const weight = bilinearDepthwiseWeights(factor, channels, dtype);
  try {
    const p = bilinearPadding(factor);
    return op('aten::conv_transpose2d.input', [x, weight, null, [factor, factor], [p, p], [0, 0], channels, [1, 1]]);
  } finally {
    weight.dispose();
  }
}
