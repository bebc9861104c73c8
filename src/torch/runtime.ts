// Process-wide settings of the engine: threads, random seed, grad mode, memory.
import { native } from './native.js';

/** Seeds libtorch's global CPU generator (rand, randn, dropout, init, shuffling in pixelwise). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: expected a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** The generator's full state (for checkpoints that resume exactly). */
export function getRngState(): Uint8Array {
  return native.getRngState();
}
export function setRngState(state: Uint8Array): void {
  // The addon reads the bytes of a Uint8Array; another typed array would be read short.
  if (!(state instanceof Uint8Array)) {
    const got = ArrayBuffer.isView(state) ? (state as object).constructor.name : typeof state;
    throw new TypeError(`setRngState: expected the Uint8Array getRngState returned, got ${got}`);
  }
  native.setRngState(state);
}

/** Intra-op threads libtorch uses for one operator. */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}

/**
 * Live native tensor handles, bytes held by libtorch's CPU allocator, and handle slots (the
 * most tensors alive at once so far: a disposed tensor's slot is reused at once).
 */
export function memory(): { liveTensors: number; nativeBytes: number; handleSlots: number } {
  return native.memory();
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native.isGradEnabled();
  native.setGradEnabled(enabled);
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError('noGrad/enableGrad(fn): fn must be synchronous (grad mode is global to the thread)');
    }
    return result;
  } finally {
    native.setGradEnabled(previous);
  }
}

/**
 * Runs fn without recording operations for autograd (inference, optimizer updates).
 * @example
 *   const logits = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
