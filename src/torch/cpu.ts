// What this machine's CPU offers for mixed precision, and what libtorch and oneDNN use of it.
import { native } from './native.js';

export interface CpuInfo {
  vendor: string;
  /** The CPU's brand string, e.g. 'Intel(R) Xeon(R) Platinum 8480+'. */
  model: string;
  /** Instruction sets the CPU has and the OS has enabled (cpuid + XCR0). */
  features: {
    avx: boolean;
    fma: boolean;
    f16c: boolean;
    avx2: boolean;
    avx512f: boolean;
    avx512bw: boolean;
    avx512vl: boolean;
    avx512_vnni: boolean;
    avx512_bf16: boolean;
    avx512_fp16: boolean;
    avx_vnni: boolean;
    amx_tile: boolean;
    amx_bf16: boolean;
    amx_int8: boolean;
    amx_fp16: boolean;
  };
  /**
   * How bfloat16 matrix products run natively: 'amx' (tile units, several times float32's
   * speed), 'avx512_bf16' (dot-product instructions), or null (emulated with float32
   * instructions: slower than float32).
   */
  nativeBf16: 'amx' | 'avx512_bf16' | null;
  /** The kernel level ATen dispatches to ('AVX2', 'AVX512', 'DEFAULT'), from libtorch's build summary. */
  atenCapability: string;
  /** The instruction set oneDNN (libtorch's convolutions) will use, e.g. 'avx512_core_amx'; null if it is not visible. */
  onednnIsa: string | null;
  onednnVersion: string | null;
}

let cached: CpuInfo | undefined;

/** The CPU's vector/matrix capabilities relevant to float32 and bfloat16 speed (read once). */
export function cpuInfo(): CpuInfo {
  if (cached === undefined) {
    const raw = native.cpuCapabilities();
    const f = raw.features;
    cached = Object.freeze({
      vendor: raw.vendor,
      model: raw.model,
      features: Object.freeze({ ...f }),
      nativeBf16: f.amx_bf16 ? 'amx' : f.avx512_bf16 ? 'avx512_bf16' : null,
      atenCapability: raw.atenCapability,
      onednnIsa: raw.onednnIsa,
      onednnVersion: raw.onednnVersion,
    }) as CpuInfo;
  }
  return cached;
}

/** One line for logs and reports, e.g. 'Intel(R) Xeon(R) ... (avx512, bf16: emulated; oneDNN avx512_core_vnni)'. */
export function describeCpu(info: CpuInfo = cpuInfo()): string {
  const f = info.features;
  const vector = f.avx512f ? 'avx512' : f.avx2 ? 'avx2' : f.avx ? 'avx' : 'sse';
  const bf16 = info.nativeBf16 === null ? 'bf16: emulated (no AVX512-BF16/AMX)' : `bf16: native (${info.nativeBf16})`;
  const dnnl = info.onednnIsa === null ? '' : `; oneDNN ${info.onednnIsa}`;
  return `${info.model || info.vendor} (${vector}, ${bf16}${dnnl})`;
}
