// Loads the libtorch addon built by node-gyp (see binding.gyp, scripts/find-libtorch.mjs).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** An opaque reference to one native at::Tensor. */
export type Handle = { readonly __handle: unique symbol };
/** An opaque reference to one ATen operator, found by name. */
export type OpHandle = { readonly __op: unique symbol };

export type NativeArg = Handle | number | boolean | string | null | undefined | bigint | NativeArg[];
export type NativeResult = Handle | number | boolean | string | null | undefined | NativeResult[];

export interface NativeAddon {
  fromData(data: ArrayBufferView, shape: number[], dtype: number, device: string): Handle;
  toData(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  numel(h: Handle): number;
  describe(h: Handle): string;
  isContiguous(h: Handle, channelsLast: boolean): boolean;
  sameTensor(a: Handle, b: Handle): boolean;
  item(h: Handle): number | boolean;
  free(h: Handle): void;
  isHandle(v: unknown): boolean;
  memory(): { liveTensors: number; nativeBytes: number; handleSlots: number };
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  getRngState(): Uint8Array;
  setRngState(state: Uint8Array): void;
  cudaAvailable(): boolean;
  dtypeCodes: Record<string, number>;
  findOp(name: string): OpHandle;
  schema(op: OpHandle): string;
  /** Positional arguments follow `named` as separate arguments (see dispatch.cc). */
  callOp(op: OpHandle, named: Record<string, NativeArg> | undefined, ...args: NativeArg[]): NativeResult;
  /** callOp that makes no handles for the results (in-place ops). */
  callOpVoid(op: OpHandle, named: Record<string, NativeArg> | undefined, ...args: NativeArg[]): undefined;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  retainGrad(h: Handle): void;
  backward(outputs: Handle[], grads: Handle[] | null, retainGraph: boolean, createGraph: boolean): void;
  setData(h: Handle, src: Handle): void;
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  autocastState(device: string): AutocastNativeState;
  installInterruptHandler(notice: string): boolean;
  uninstallInterruptHandler(): void;
  interruptCount(): number;
  cpuCapabilities(): {
    vendor: string;
    model: string;
    features: Record<'avx' | 'fma' | 'f16c' | 'avx2' | 'avx512f' | 'avx512bw' | 'avx512vl' | 'avx512_vnni' | 'avx512_bf16' | 'avx512_fp16' | 'avx_vnni' | 'amx_tile' | 'amx_bf16' | 'amx_int8' | 'amx_fp16', boolean>;
    atenCapability: string;
    onednnIsa: string | null;
    onednnVersion: string | null;
    mkldnn: boolean;
  };
  autocastEnter(device: string, enabled: boolean, dtype: number, cacheEnabled: boolean): AutocastNativeState;
  autocastExit(device: string, previous: AutocastNativeState): void;
  cudaBf16Supported(): boolean;
}

export interface AutocastNativeState {
  enabled: boolean;
  dtype: number;
  cacheEnabled: boolean;
}

function packageRoot(): string {
  // dist/src/torch/native.js -> package root (three levels up); also works from src/ via ts runners.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('pixelwise: cannot find the package root (binding.gyp) above ' + fileURLToPath(import.meta.url));
}

function load(): NativeAddon {
  const root = packageRoot();
  const path = join(root, 'build', 'Release', 'pixelwise.node');
  if (!existsSync(path)) {
    throw new Error(
      `pixelwise: native addon not built (${path} is missing). Run \`npm run build:native\` ` +
        '(needs libtorch: `apt-get install libtorch-dev`, LIBTORCH=/path/to/libtorch, or a pip-installed torch).',
    );
  }
  // libtorch's OpenMP threads spin between parallel regions by default; beside Node's own
  // threads (the loader's workers, GC) on a small machine that spinning steals the cores the
  // work needs (a small U-Net step: 230 -> 140 ms on 2 cores). Read once when libgomp loads.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  return createRequire(import.meta.url)(path) as NativeAddon;
}

// A plain copy: the addon's exports object is in V8's dictionary mode (35+ properties added one
// by one), which makes every `native.x` on the per-operator path a slow lookup.
export const native: NativeAddon = { ...load() };
