// Mixed precision: libtorch's autocast around a function, as torch.autocast around a block.
import { native } from './native.js';
import { dtypeCode, dtypeFromCode, type DType } from './dtype.js';

export interface AutocastOptions {
  /** The lower precision for the ops on autocast's list (conv, linear, matmul, ...). CPU: bfloat16 only. */
  dtype?: 'bfloat16' | 'float16';
  /** false runs fn with autocast off, also inside an enclosing autocast (default true). */
  enabled?: boolean;
  /** Which device's autocast to switch: tensors on other devices are not cast (default 'cpu'). */
  device?: 'cpu' | 'cuda';
  /** Keep the lower-precision copies of float32 weights for the whole outermost scope (default true, as PyTorch). */
  cacheEnabled?: boolean;
}

function isAsync(fn: Function): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

/**
 * Runs fn with libtorch's autocast on: operators on autocast's lower-precision list (conv2d,
 * linear, matmul, ...) run in `dtype`, those on its float32 list (losses, ...) in float32, and
 * the rest follow their inputs. Parameters stay float32 (so do their gradients: the casts are
 * differentiated back), so an optimizer keeps float32 master weights; bfloat16 needs no loss
 * scaling. Nests like torch.autocast: an inner `enabled: false` turns it off, and the previous
 * state comes back when fn returns or throws.
 *
 * fn must be synchronous: autocast is a per-thread setting of libtorch, so it cannot follow
 * an async function across `await` (an async fn is refused before it runs).
 *
 * On a CPU without native bfloat16 (AVX512-BF16 or AMX, see `cpuInfo()`) bfloat16 is emulated
 * and usually slower than float32.
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  if (typeof fn !== 'function') throw new TypeError(`autocast(fn, options): fn must be a function, got ${typeof fn}`);
  if (isAsync(fn)) throw new TypeError('autocast(fn): fn must be synchronous (autocast is a per-thread libtorch setting and does not follow await)');
  const device = options.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw new TypeError(`autocast: device must be 'cpu' or 'cuda', got '${String(device)}'`);
  const dtype: DType = options.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  if (dtype !== 'bfloat16' && dtype !== 'float16') throw new TypeError(`autocast: dtype must be 'bfloat16' or 'float16', got '${String(dtype)}'`);
  const enabled = options.enabled ?? true;
  if (enabled && device === 'cpu' && dtype !== 'bfloat16') {
    throw new RangeError(`autocast: CPU autocast runs in bfloat16 only (as torch.autocast('cpu') in libtorch 1.13), got dtype '${dtype}'`);
  }
  if (enabled && device === 'cuda' && !native.cudaAvailable()) {
    throw new Error("autocast: device 'cuda' needs a libtorch with CUDA and a GPU; this one has none (use device 'cpu')");
  }
  const previous = native.autocastEnter(device, enabled, dtypeCode(dtype), options.cacheEnabled ?? true);
  let result: T;
  try {
    result = fn();
  } finally {
    native.autocastExit(device, previous);
  }
  if (result instanceof Promise) {
    throw new TypeError('autocast(fn): fn returned a Promise; it must be synchronous (autocast does not follow await)');
  }
  return result;
}

/** Whether autocast is on for a device in this thread, and its dtype. */
export function autocastState(device: 'cpu' | 'cuda' = 'cpu'): { enabled: boolean; dtype: DType } {
  const s = native.autocastState(device);
  return { enabled: s.enabled, dtype: dtypeFromCode(s.dtype) };
}
