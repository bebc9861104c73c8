// nn.init: in-place weight initialisers, computed exactly as PyTorch 1.13 does so that the
// same seed draws the same weights (libtorch's generator is shared with PyTorch).
import { noGrad, type Tensor } from '../torch/index.js';
import { fillBilinear_ } from './bilinear.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (only used with 'leakyRelu'). */
  a?: number;
  /** 'fanIn' preserves the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

const LINEAR_LIKE = new Set<string>(['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d']);

/** The recommended gain for a nonlinearity (param: leaky ReLU's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_LIKE.has(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new TypeError(`calculateGain: negative slope must be a finite number, got ${String(param)}`);
      }
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4;
    default:
      throw new Error(
        `calculateGain: unsupported nonlinearity '${String(nonlinearity)}', expected one of ` +
          `${[...LINEAR_LIKE].join(', ')}, sigmoid, tanh, relu, leakyRelu, selu`,
      );
  }
}

/** (fanIn, fanOut) of a weight: dim 1 resp. dim 0 times the receptive field, as PyTorch. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const shape = t.shape;
  if (shape.length < 2) {
    throw new Error(`fan in and fan out need a tensor with at least 2 dimensions, got shape [${shape}]`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function correctFan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new Error(`kaiming init: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  }
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === 'fanIn' ? fanIn : fanOut;
}

function isEmpty(t: Tensor): boolean {
  return t.numel === 0;
}

/** Fills t with draws from U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  noGrad(() => t.uniform_(a, b));
  return t;
}

/** Fills t with draws from N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  noGrad(() => t.normal_(mean, std));
  return t;
}

/** Fills t with value. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills t with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fills t with zeros. */
export function zeros_(t: Tensor): Tensor {
  noGrad(() => t.zero_());
  return t;
}

/** He et al. (2015) uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(t)) return t;
  const fan = correctFan(t, options.mode ?? 'fanIn');
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound);
}

/** He et al. (2015) normal: N(0, std²) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(t)) return t;
  const fan = correctFan(t, options.mode ?? 'fanIn');
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  const std = gain / Math.sqrt(fan);
  return normal_(t, 0, std);
}

/** Glorot & Bengio (2010) uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a);
}

/** Glorot & Bengio (2010) normal: N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(t, 0, std);
}

/**
 * Bilinear-interpolation kernels for a ConvTranspose2d weight (in, out/groups, k, k): channel
 * i upsamples into output channel i, other connections are zero (the FCN initialisation).
 */
export function bilinear_(t: Tensor): Tensor {
  return fillBilinear_(t);
}
