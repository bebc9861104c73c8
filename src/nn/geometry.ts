// Output sizes and padding of convolutions, transposed convolutions and pooling.
// Models compute crops and offsets from these instead of hard-coding them.

export type Pair = [number, number];

export function pair(v: number | readonly number[]): Pair {
  if (typeof v === 'number') return [v, v];
  if (v.length !== 2) throw new Error(`expected a number or a pair, got [${v}]`);
  return [v[0]!, v[1]!];
}

/**
 * TensorFlow/Keras 'same' padding of one axis as [before, after]: the output keeps
 * ceil(size / stride) entries and any odd pixel of padding goes after.
 */
export function samePadding(size: number, kernel: number, stride = 1, dilation = 1): Pair {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export interface ConvGeometry {
  stride?: number;
  /** Symmetric explicit padding, or 'same' (TensorFlow) / 'valid'. */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  /** Pooling only: PyTorch's ceil_mode. */
  ceilMode?: boolean;
}

/** Output length of a convolution or pooling window along one axis (PyTorch/TensorFlow rules). */
export function convOutputSize(size: number, kernel: number, g: ConvGeometry = {}): number {
  const stride = g.stride ?? 1;
  const dilation = g.dilation ?? 1;
  if (g.padding === 'same') return Math.ceil(size / stride);
  const p = g.padding === 'valid' || g.padding === undefined ? 0 : g.padding;
  const extent = dilation * (kernel - 1) + 1;
  const span = size + 2 * p - extent;
  // ceil_mode may keep a last window that hangs over the end, even one wider than the input.
  let out = Math.floor((span + (g.ceilMode ? stride - 1 : 0)) / stride) + 1;
  // PyTorch: the last window must start inside the input or its left padding.
  if (g.ceilMode && (out - 1) * stride >= size + p) out -= 1;
  if (out < 1) {
    throw new RangeError(`input of size ${size} (padding ${p}) is smaller than the kernel extent ${extent}`);
  }
  return out;
}

export interface ConvTransposeGeometry {
  stride?: number;
  padding?: number | 'same' | 'valid';
  outputPadding?: number;
  dilation?: number;
}

/** Output length of a transposed convolution along one axis ('same': size * stride, as in Keras). */
export function convTransposeOutputSize(size: number, kernel: number, g: ConvTransposeGeometry = {}): number {
  const stride = g.stride ?? 1;
  const dilation = g.dilation ?? 1;
  if (g.padding === 'same') return size * stride;
  const p = g.padding === 'valid' || g.padding === undefined ? 0 : g.padding;
  const outputPadding = g.outputPadding ?? 0;
  if (outputPadding >= Math.max(stride, dilation)) {
    throw new RangeError(`outputPadding ${outputPadding} must be smaller than the stride (${stride}) or the dilation (${dilation})`);
  }
  const out = (size - 1) * stride - 2 * p + dilation * (kernel - 1) + outputPadding + 1;
  if (out < 1) {
    throw new RangeError(`transposed convolution of size ${size} with padding ${p} gives a non-positive output size ${out}`);
  }
  return out;
}
