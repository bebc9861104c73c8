// The precision a model runs in: float32, or bfloat16 mixed precision (autocast: convolutions
// and matrix products in bfloat16, parameters, losses and outputs in float32). The rule that
// turns `--precision auto` into one of them lives here, and so does the one way a forward pass
// runs under it, so training, evaluation and prediction agree.
import { autocast } from './autocast.js';
import { cpuInfo, type CpuInfo } from './cpu.js';
import { native } from './native.js';
import type { Device, Tensor } from './tensor.js';

/** What a model computes in: 'fp32', or 'bf16' mixed precision (float32 master weights). */
export type Precision = 'fp32' | 'bf16';
/** What a user may ask for: a precision, or 'auto' (bf16 where the hardware runs it fast). */
export type PrecisionRequest = Precision | 'auto';
export const PRECISION_REQUESTS: readonly PrecisionRequest[] = ['auto', 'fp32', 'bf16'];

/** Checks a library option (one line naming the value otherwise); checkMemoryFormat's twin. */
export function checkPrecision(value: unknown, what = 'precision'): Precision {
  if (value !== 'fp32' && value !== 'bf16') {
    throw new Error(`${what} must be 'fp32' or 'bf16' (resolvePrecision turns 'auto' into one), got '${String(value)}'`);
  }
  return value;
}

/** Where bfloat16 runs natively on `device`, or null when it is emulated (slower than float32). */
export interface Bf16Hardware {
  /** 'amx', 'avx512_bf16' (CPU), 'cuda' (a GPU of compute capability 8.0 or later), or null. */
  native: 'amx' | 'avx512_bf16' | 'cuda' | null;
  /** Whether bf16 is worth choosing unasked: AMX or a CUDA GPU with bf16. */
  fast: boolean;
}

/** bfloat16 on `device` here (the CPU by cpuid, a GPU through libtorch's CUDA hooks). */
export function bf16Hardware(device: Device = 'cpu', hw: { cpu?: CpuInfo; cudaBf16?: boolean } = {}): Bf16Hardware {
  if (String(device).startsWith('cuda')) {
    const ok = hw.cudaBf16 ?? native.cudaBf16Supported();
    return { native: ok ? 'cuda' : null, fast: ok };
  }
  // AVX512-BF16 alone (dot products, no tiles) is native but was not measured to beat float32
  // on the zoo's convolutions, so 'auto' does not pick it; AMX is several times float32.
  const nativeBf16 = (hw.cpu ?? cpuInfo()).nativeBf16;
  return { native: nativeBf16, fast: nativeBf16 === 'amx' };
}

export interface PrecisionChoice {
  precision: Precision;
  /** What was asked. */
  requested: PrecisionRequest;
  /** One line saying what was chosen and why, e.g. 'precision: fp32 (auto: no AMX on this CPU)'. */
  note: string;
  /** One line when the choice will be slow (bf16 asked for where it is emulated), else null. */
  warning: string | null;
}

/**
 * Resolves a precision request for `device`: 'auto' gives bf16 where the hardware runs it fast
 * (a CPU with AMX, a CUDA GPU with bf16) and fp32 elsewhere; an explicit 'bf16' without native
 * bfloat16 is kept, with a warning that it will be slow. `hw` stands in for the machine (tests).
 * @example
 *   const { precision, note } = resolvePrecision('auto');
 *   console.error(note); // 'precision: fp32 (auto: bf16 would be emulated on this CPU: no AMX)'
 */
export function resolvePrecision(requested: PrecisionRequest, device: Device = 'cpu', hw: { cpu?: CpuInfo; cudaBf16?: boolean } = {}): PrecisionChoice {
  if (!PRECISION_REQUESTS.includes(requested)) {
    throw new RangeError(`precision must be one of ${PRECISION_REQUESTS.join(', ')}, got '${String(requested)}'`);
  }
  const bf16 = bf16Hardware(device, hw);
  const gpu = String(device).startsWith('cuda');
  const where = gpu ? 'this GPU' : 'this CPU';
  const nativeName = bf16.native === 'amx' ? 'AMX' : bf16.native === 'avx512_bf16' ? 'AVX512-BF16' : bf16.native === 'cuda' ? 'CUDA bf16' : null;
  if (requested === 'fp32') return { precision: 'fp32', requested, note: 'precision: fp32', warning: null };
  if (requested === 'bf16') {
    const warning =
      bf16.native === null
        ? `warning: --precision bf16 on ${where} without native bfloat16 (${gpu ? 'needs compute capability 8.0+' : 'no AMX or AVX512-BF16'}): it is emulated and will be slower than fp32`
        : null;
    return { precision: 'bf16', requested, note: `precision: bf16 (mixed, float32 weights; ${nativeName ?? 'emulated'})`, warning };
  }
  if (bf16.fast) return { precision: 'bf16', requested, note: `precision: bf16 (auto: ${nativeName} on ${where}; mixed, float32 weights)`, warning: null };
  const why =
    bf16.native === null
      ? `bf16 would be emulated on ${where}${gpu ? '' : ': no AMX'}`
      : `${where} has ${nativeName} but no AMX; --precision bf16 to use it`;
  return { precision: 'fp32', requested, note: `precision: fp32 (auto: ${why})`, warning: null };
}

/**
 * Runs `forward` in `precision` on `device`: under autocast for bf16, as it is for fp32; the
 * result comes back as float32 either way, so losses, softmax, argmax and metrics are computed
 * in float32 (gradients flow back through the cast).
 */
export function forwardIn(precision: Precision, device: Device, forward: () => Tensor): Tensor {
  if (precision === 'fp32') return forward();
  const gpu = String(device).startsWith('cuda');
  const y = autocast(forward, { dtype: 'bfloat16', device: gpu ? 'cuda' : 'cpu' });
  return y.dtype === 'float32' ? y : y.float();
}
