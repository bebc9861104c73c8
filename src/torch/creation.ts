// Creating tensors: from JS data, constant fills, ranges and random draws, joins.
import { native } from './native.js';
import { dtypeCode, dtypeOfArray, type DType, type TypedArray } from './dtype.js';
import { op, Tensor, type Device } from './tensor.js';

export interface TensorOptions {
  /** Defaults to float32 for JS numbers, or the typed array's own element type. */
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

export type NestedNumbers = number | boolean | readonly NestedNumbers[];

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as NestedNumbers;
  }
  return shape;
}

function flatten(data: NestedNumbers, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor: ragged nested array; expected a number at depth ${depth} of shape [${shape}]`);
    }
    out.push(Number(data));
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new TypeError(`tensor: ragged nested array; expected ${shape[depth]} entries at depth ${depth} of shape [${shape}]`);
  }
  for (const v of data) flatten(v, shape, depth + 1, out);
}

// Frees t when requiresGrad cannot be set (e.g. an integer dtype), so a failed call leaks nothing.
function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) {
    try {
      t.requiresGrad_(true);
    } catch (err) {
      t.dispose();
      throw err;
    }
  }
  return t;
}

/**
 * A tensor holding a copy of `data`: a typed array (with `shape`, default 1-d) or nested
 * arrays of numbers. JS numbers become float32 unless `dtype` says otherwise.
 * @example
 *   const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 *   const pixels = tensor(image.data, { shape: [image.height, image.width, 3] }); // uint8, (H, W, 3)
 */
export function tensor(data: TypedArray | NestedNumbers, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  let flat: TypedArray;
  let shape: number[];
  let nativeDtype: DType;
  if (ArrayBuffer.isView(data)) {
    flat = data as TypedArray;
    shape = options.shape ? [...options.shape] : [flat.length];
    nativeDtype = dtypeOfArray(flat);
  } else {
    shape = inferShape(data);
    const values: number[] = [];
    flatten(data, shape, 0, values);
    if (options.shape) {
      const n = options.shape.reduce((a, b) => a * b, 1);
      if (n !== values.length) throw new RangeError(`tensor: ${values.length} values cannot have shape [${options.shape}]`);
      shape = [...options.shape];
    }
    flat = new Float64Array(values);
    nativeDtype = 'float64';
  }
  const dtype = options.dtype ?? (nativeDtype === 'float64' && !ArrayBuffer.isView(data) ? 'float32' : nativeDtype);
  let t = new Tensor(native.fromData(flat, shape, dtypeCode(nativeDtype), 'cpu'));
  if (dtype !== nativeDtype || (options.device !== undefined && options.device !== 'cpu')) {
    try {
      const converted = t.to({ dtype, device: options.device ?? 'cpu' });
      t.dispose();
      t = converted;
    } catch (err) {
      t.dispose();
      throw err;
    }
  }
  return finish(t, options);
}

/** A 0-d tensor holding one number. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  // Built 0-d directly: a reshape would leave a second handle behind and make it a non-leaf.
  return tensor([value], { ...options, shape: [] });
}

let defaultDevice: Device | null = null;

/**
 * Runs fn with factory functions (zeros, empty, rand, ... and so layer constructors) placing
 * tensors on `device` unless told otherwise. With 'meta' a model is built without allocating
 * or initialising any data: instant parameter counts for VGG-sized networks.
 */
export function withDefaultDevice<T>(device: Device, fn: () => T): T {
  const previous = defaultDevice;
  defaultDevice = device;
  try {
    return fn();
  } finally {
    defaultDevice = previous;
  }
}

function factory(name: string, args: unknown[], options: TensorOptions, defaultDtype: DType = 'float32'): Tensor {
  const t = op(name, args as never[], {
    dtype: dtypeCode(options.dtype ?? defaultDtype),
    device: options.device ?? defaultDevice,
  });
  return finish(t, options);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return factory('aten::zeros', [shape], options);
}
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return factory('aten::ones', [shape], options);
}
/** A tensor filled with value: float32 unless dtype says otherwise (PyTorch would infer int64 from an integer value). */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  return factory('aten::full', [shape, value], options);
}
export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return factory('aten::empty.memory_format', [shape], options);
}
export function eye(n: number, options: TensorOptions = {}): Tensor {
  return factory('aten::eye', [n], options);
}
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...options });
}

/** [start, end) in steps; int64 when every argument is an integer (as in PyTorch), else float32. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step);
  return factory('aten::arange.start_step', [lo, hi, step], options, integral ? 'int64' : 'float32');
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return factory('aten::linspace', [start, end, steps], options);
}

/** Uniform on [0, 1), from the global generator seeded by manualSeed. */
export function rand(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return factory('aten::rand', [shape], options);
}
/** Standard normal draws. */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return factory('aten::randn', [shape], options);
}
/** Integers in [low, high) (int64 by default, as in PyTorch). */
export function randint(low: number, high: number, shape: readonly number[], options: TensorOptions = {}): Tensor {
  if (!(high > low)) throw new RangeError(`randint: expected low < high, got low=${low}, high=${high}`);
  return factory('aten::randint.low', [low, high, shape], options, 'int64');
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options: TensorOptions = {}): Tensor {
  return factory('aten::randperm', [n], options, 'int64');
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return op('aten::cat', [tensors, dim]);
}
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return op('aten::stack', [tensors, dim]);
}
/** Elementwise choice: a where condition is true, else b. */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return op('aten::where.self', [condition, a, b]);
  if (a instanceof Tensor) return op('aten::where.ScalarOther', [condition, a, b]);
  if (b instanceof Tensor) return op('aten::where.ScalarSelf', [condition, a, b]);
  return op('aten::where.Scalar', [condition, a, b]);
}
