// What a run ran on: pixelwise, Node and libtorch versions, CUDA, the CPU and what it can do,
// threads. Recorded in config.json (so a run can be reproduced and compared) and printed by
// `pixelwise env` (what a bug report needs).
import { readFileSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuInfo, cudaAvailable, getNumThreads, type CpuInfo } from '../torch/index.js';

/** The CPU as config.json and `pixelwise env` record it (read by cpuid in torch/cpu.ts). */
export interface MachineCpu {
  model: string;
  /** Logical cores Node may use. */
  cores: number;
  avx2: boolean;
  avx512: boolean;
  /** Native bfloat16 arithmetic: AVX512-BF16 or AMX-BF16. */
  bf16: boolean;
  amx: boolean;
  /** The features that decide libtorch's kernels, as the kernel names them (e.g. 'avx512_bf16'). */
  flags: string[];
}

export interface RuntimeInfo {
  pixelwise: string;
  node: string;
  libtorch: { version: string | null; library: string | null };
  cuda: boolean;
  cpu: MachineCpu;
  /** libtorch's intra-op threads now. */
  threads: number;
}

let pixelwiseVersion: string | undefined;

/** The version in pixelwise's package.json (read once, relative to this module: dist/src/train -> root). */
export function versionOfPixelwise(): string {
  if (pixelwiseVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version?: string };
      pixelwiseVersion = pkg.version ?? 'unknown';
    } catch {
      pixelwiseVersion = 'unknown';
    }
  }
  return pixelwiseVersion;
}

const CPU_FLAGS = ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile', 'amx_int8', 'avx512_vnni', 'avx_vnni'] as const;

/** The CPU model, cores, and the vector features that decide which kernels libtorch can use. */
export function machineCpu(info: CpuInfo = cpuInfo()): MachineCpu {
  const f = info.features;
  return {
    model: info.model || info.vendor || 'unknown',
    cores: availableParallelism(),
    avx2: f.avx2,
    avx512: f.avx512f,
    bf16: info.nativeBf16 !== null,
    amx: f.amx_tile,
    flags: CPU_FLAGS.filter((name) => f[name]),
  };
}

/** The libtorch this process loaded and its version, from the shared library's file name or the files beside it. */
export function libtorchInfo(): { version: string | null; library: string | null } {
  let library: string | null = null;
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const m = /\s(\/\S*libtorch_cpu\.(?:so|dylib)\S*)$/m.exec(maps) ?? /\s(\/\S*libtorch\.(?:so|dylib)\S*)$/m.exec(maps);
    library = m ? m[1]! : null;
  } catch {
    return { version: null, library: null };
  }
  if (!library) return { version: null, library: null };
  let real = library;
  try {
    real = realpathSync(library);
  } catch {
    // keep the mapped name
  }
  // Debian: libtorch_cpu.so.1.13.0.
  const suffix = /\.so\.(\d+\.\d+(?:\.\d+)?)$/.exec(basename(real))?.[1];
  if (suffix) return { version: suffix, library: real };
  const root = dirname(dirname(real));
  const candidates: [string, (t: string) => string | undefined][] = [
    [join(root, 'build-version'), (t) => t.trim() || undefined], // an official libtorch zip
    [join(root, 'version.py'), (t) => /__version__\s*=\s*'([^']+)'/.exec(t)?.[1]], // a pip torch: torch/lib/.. = torch/
    [join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'), (t) => /#define TORCH_VERSION\s*\\?\s*"([^"]+)"/.exec(t)?.[1]],
  ];
  for (const [file, parse] of candidates) {
    try {
      const v = parse(readFileSync(file, 'utf8'));
      if (v) return { version: v, library: real };
    } catch {
      // not this layout
    }
  }
  return { version: null, library: real };
}

/** Everything above, now. */
export function runtimeInfo(): RuntimeInfo {
  return {
    pixelwise: versionOfPixelwise(),
    node: process.versions.node,
    libtorch: libtorchInfo(),
    cuda: cudaAvailable(),
    cpu: machineCpu(),
    threads: getNumThreads(),
  };
}
