// Upsampling an image by an integer factor with the bilinear transposed convolution FCN's
// upsampling layers start from; checked against scikit-image's rescale.
import { tensor, tidy } from '../torch/index.js';
import { bilinearUpsample, getKernelSize } from '../nn/bilinear.js';
import type { RawImage } from './types.js';
import { maxImagePixels, overLimit } from './limits.js';

export interface UpsampleImageOptions {
  /**
   * Clip to the input's value range as skimage does by default (clip=True): only the border
   * pixels of an image whose range excludes 0 change. false gives the plain transposed convolution.
   */
  clip?: boolean;
  /** Element type of the result: float32 for a Float32Array input, float64 otherwise, by default. */
  dtype?: 'float32' | 'float64';
}

/**
 * Bilinear upsampling of an image by an integer factor to (height * factor, width * factor),
 * through a transposed convolution whose kernel is the bilinear filter (nn/bilinear.ts). Equals scikit-image's
 * rescale(img, factor, order=1, mode='constant', cval=0, channel_axis=-1) to 1e-6; values keep
 * their scale (uint8 input is not divided by 255, as with preserve_range=True). Computed in
 * float64: float32 arithmetic is off by up to ~1e-7 on [0, 1] data and ~2e-5 on 0..255 data.
 * @example
 *   const up = upsampleImage({ width: 3, height: 3, channels: 3, data: pixels }, 4); // 12x12, Float64Array
 */
export function upsampleImage(
  image: RawImage<Uint8Array | Float32Array | Float64Array>,
  factor: number,
  options: UpsampleImageOptions = {},
): RawImage<Float32Array | Float64Array> {
  const { data, height, width, channels } = image;
  for (const [name, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`upsampleImage: ${name} must be an integer >= 1, got ${v}`);
  }
  if (data.length !== height * width * channels) {
    throw new RangeError(
      `upsampleImage: data has ${data.length} values, expected height * width * channels = ${height} * ${width} * ${channels}`,
    );
  }
  const kernel = getKernelSize(factor); // validates factor before any native work
  // Sizes checked before anything is allocated (a factor of 100000 once ended in 'Invalid typed array length').
  const limit = maxImagePixels();
  if (height * factor * width * factor > limit) {
    throw new RangeError(`upsampleImage: factor ${factor} turns ${height}x${width} (HxW) into ${height * factor}x${width * factor}, ${overLimit(height * factor * width * factor, limit)}`);
  }
  if (kernel * kernel * channels * channels > limit) {
    throw new RangeError(`upsampleImage: factor ${factor} needs a ${kernel}x${kernel} kernel per channel pair, more than the image pixel limit of ${limit.toLocaleString('en-US')} values`);
  }
  const outDtype = options.dtype ?? (data instanceof Float32Array ? 'float32' : 'float64');
  const values = tidy(() => {
    const x = tensor(Float64Array.from(data), { shape: [1, height, width, channels] }).permute([0, 3, 1, 2]);
    return bilinearUpsample(x, factor).permute([0, 2, 3, 1]).contiguous().data() as Float64Array;
  });
  if (options.clip ?? true) clipLikeSkimage(data, values);
  return {
    data: outDtype === 'float32' ? Float32Array.from(values) : values,
    height: height * factor,
    width: width * factor,
    channels,
  };
}

// skimage's _clip_warp_output for mode 'constant', cval 0: clip to the input's [min, max],
// widened to include 0 when 0 lies outside it but inside the output's range.
function clipLikeSkimage(input: ArrayLike<number>, output: Float64Array): void {
  const [lo, hi] = finiteRange(input);
  let [min, max] = [lo, hi];
  if (!(lo <= 0 && 0 <= hi)) {
    const [outLo, outHi] = finiteRange(output);
    if (outLo <= 0 && 0 <= outHi) [min, max] = [Math.min(lo, 0), Math.max(hi, 0)];
  }
  for (let i = 0; i < output.length; i++) {
    const v = output[i]!;
    if (v < min) output[i] = min;
    else if (v > max) output[i] = max;
  }
}

// NaN-ignoring minimum and maximum (numpy's nanmin / nanmax).
function finiteRange(values: ArrayLike<number>): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
