// Bilinear interpolation kernels for transposed convolutions (the FCN upsampling layers).
import { noGrad, Tensor, tensor } from '../torch/index.js';

/** Kernel size of a transposed convolution upsampling by `factor`: 2 * factor - factor % 2. */
export function getKernelSize(factor: number): number {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upsampling factor must be an integer >= 1, got ${factor}`);
  return 2 * factor - (factor % 2);
}

/** A size x size bilinear kernel (row-major), the tent function centred on the kernel. */
export function upsampleFilt(size: number): Float32Array {
  const factor = Math.floor((size + 1) / 2);
  const center = size % 2 === 1 ? factor - 1 : factor - 0.5;
  const out = new Float32Array(size * size);
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
export function bilinearUpsampleWeights(factor: number, numClasses: number): Tensor {
  const k = getKernelSize(factor);
  const kernel = upsampleFilt(k);
  const data = new Float32Array(numClasses * numClasses * k * k);
  for (let c = 0; c < numClasses; c++) data.set(kernel, (c * numClasses + c) * k * k);
  return tensor(data, { shape: [numClasses, numClasses, k, k] });
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
  const kernel = upsampleFilt(kh);
  const data = new Float32Array(inC * outPerGroup * kh * kw);
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
