// cpuInfo(): the cpuid reading agrees with what the Linux kernel reports in /proc/cpuinfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { cpuInfo, describeCpu } from '../../src/torch/index.js';

const procFlags = (): Set<string> | null => {
  if (!existsSync('/proc/cpuinfo') || arch() !== 'x64') return null;
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
  return line ? new Set(line.split(':')[1]!.trim().split(/\s+/)) : null;
};

test('cpuInfo features match the kernel\'s /proc/cpuinfo flags', { skip: procFlags() === null && 'needs Linux on x86-64' }, () => {
  const flags = procFlags()!;
  const info = cpuInfo();
  // The kernel lists a feature only when it is usable (hardware and enabled state), as cpuInfo does.
  for (const name of ['avx', 'fma', 'f16c', 'avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16', 'amx_int8'] as const) {
    assert.equal(info.features[name], flags.has(name), name);
  }
  assert.equal(info.nativeBf16, flags.has('amx_bf16') ? 'amx' : flags.has('avx512_bf16') ? 'avx512_bf16' : null);
});

test('cpuInfo names the kernels libtorch and oneDNN use, and describeCpu says whether bf16 is native', () => {
  const info = cpuInfo();
  assert.match(info.atenCapability, /^(DEFAULT|AVX2|AVX512|VSX|ZVECTOR|NEON)$/);
  if (info.onednnIsa !== null) assert.match(info.onednnIsa, /^[a-z0-9_]+$/);
  assert.match(describeCpu(), info.nativeBf16 === null ? /bf16: emulated/ : /bf16: native/);
  assert.equal(cpuInfo(), info, 'read once');
});
