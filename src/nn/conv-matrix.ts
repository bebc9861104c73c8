// Convolution as a matrix: conv2d(x) = C x, and its transpose conv_transpose2d(y) = C^T y.
// Dense and quadratic in the image size, so it is for teaching and tests, not for models.
import { tensor, Tensor } from '../torch/index.js';
import { convOutputSize, pair, samePadding, type Pair } from './geometry.js';

export interface ConvMatrixOptions {
  stride?: number | Pair;
  /** Symmetric explicit padding, 'valid' (none) or TensorFlow 'same' (odd pixel after). */
  padding?: number | Pair | 'same' | 'valid';
  dilation?: number | Pair;
}

/**
 * The dense matrix C, shape (outputElements, inputElements), of a convolution with `kernel`
 * ((kh, kw) for one channel, or (outC, inC, kh, kw) as conv2d's weight) over an input of shape
 * [H, W] or [C, H, W], so that conv2d(x).flatten() = C @ x.flatten() and
 * conv_transpose2d(y).flatten() = C^T @ y.flatten() (same weight, stride, padding).
 */
export function convMatrix(kernel: Tensor, inputShape: readonly number[], options: ConvMatrixOptions = {}): Tensor {
  if (kernel.ndim !== 2 && kernel.ndim !== 4) {
    throw new Error(`convMatrix: expected a (kh, kw) or (outC, inC, kh, kw) kernel, got ${kernel}`);
  }
  const [outC, inC, kh, kw] = (kernel.ndim === 2 ? [1, 1, ...kernel.shape] : kernel.shape) as [number, number, number, number];
  if (inputShape.length !== 2 && inputShape.length !== 3) {
    throw new Error(`convMatrix: expected an input shape [H, W] or [C, H, W], got [${inputShape}]`);
  }
  const [c, h, w] = (inputShape.length === 2 ? [1, ...inputShape] : inputShape) as [number, number, number];
  if (c !== inC) throw new Error(`convMatrix: input shape [${inputShape}] has ${c} channel(s) but the kernel expects ${inC}`);
  for (const v of [h, w]) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`convMatrix: input sizes must be positive integers, got [${inputShape}]`);
  }
  const stride = pair(options.stride ?? 1);
  const dilation = pair(options.dilation ?? 1);
  const padding = options.padding ?? 0;
  // The padding before the first row/column; 'same' may pad one more after, which only changes the output size.
  const before: Pair =
    padding === 'same'
      ? [samePadding(h, kh, stride[0], dilation[0])[0], samePadding(w, kw, stride[1], dilation[1])[0]]
      : padding === 'valid'
        ? [0, 0]
        : pair(padding);
  const geometry = (axis: 0 | 1) => ({
    stride: stride[axis],
    dilation: dilation[axis],
    padding: padding === 'same' || padding === 'valid' ? padding : before[axis],
  });
  const oh = convOutputSize(h, kh, geometry(0));
  const ow = convOutputSize(w, kw, geometry(1));

  const k = kernelValues(kernel);
  const rows = outC * oh * ow;
  const cols = c * h * w;
  const m = new Float64Array(rows * cols);
  // Output pixel (o, i, j) reads input (ci, i*s - p + a*d, j*s - p + b*d) with weight K[o, ci, a, b].
  for (let o = 0; o < outC; o++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const row = ((o * oh + i) * ow + j) * cols;
        for (let ci = 0; ci < c; ci++) {
          for (let a = 0; a < kh; a++) {
            const y = i * stride[0] - before[0] + a * dilation[0];
            if (y < 0 || y >= h) continue;
            for (let b = 0; b < kw; b++) {
              const x = j * stride[1] - before[1] + b * dilation[1];
              if (x < 0 || x >= w) continue;
              m[row + (ci * h + y) * w + x] += k[((o * inC + ci) * kh + a) * kw + b]!;
            }
          }
        }
      }
    }
  }
  return tensor(m, { shape: [rows, cols], dtype: kernel.dtype });
}

function kernelValues(kernel: Tensor): Float64Array {
  const dtype = kernel.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`convMatrix: expected a float32 or float64 kernel, got ${dtype}`);
  using dense = kernel.contiguous();
  return Float64Array.from(dense.data() as Float32Array | Float64Array);
}
