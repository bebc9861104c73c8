// --precision's rule (resolvePrecision) on described machines, and forwardIn: a forward pass in
// bf16 mixed precision hands back float32 outputs and float32 gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocastState, checkPrecision, cpuInfo, forwardIn, manualSeed, randn, resolvePrecision, tidy, type CpuInfo } from '../../src/torch/index.js';
import { Conv2d } from '../../src/nn/index.js';

const none = Object.fromEntries(Object.keys(cpuInfo().features).map((k) => [k, false])) as unknown as CpuInfo['features'];
const base: CpuInfo = { vendor: 'GenuineIntel', model: 'Test', features: none, nativeBf16: null, atenCapability: 'AVX512', onednnIsa: null, onednnVersion: null };
const machines: Record<string, CpuInfo> = {
  'no bf16 (Ice Lake)': { ...base, features: { ...none, avx2: true, avx512f: true } },
  'AVX512-BF16 only (Zen 4)': { ...base, features: { ...none, avx2: true, avx512f: true, avx512_bf16: true }, nativeBf16: 'avx512_bf16' },
  'AMX (Sapphire Rapids)': { ...base, features: { ...none, avx2: true, avx512f: true, avx512_bf16: true, amx_tile: true, amx_bf16: true }, nativeBf16: 'amx' },
};

test('precision auto: bf16 only with AMX (or a CUDA GPU with bf16), fp32 elsewhere, and the note says why', () => {
  const expected: Record<string, string> = { 'no bf16 (Ice Lake)': 'fp32', 'AVX512-BF16 only (Zen 4)': 'fp32', 'AMX (Sapphire Rapids)': 'bf16' };
  for (const [name, cpu] of Object.entries(machines)) {
    const c = resolvePrecision('auto', 'cpu', { cpu });
    assert.equal(c.precision, expected[name], name);
    assert.equal(c.warning, null, name);
    assert.match(c.note, new RegExp(`^precision: ${expected[name]} \\(auto: `), name);
  }
  assert.match(resolvePrecision('auto', 'cpu', { cpu: machines['no bf16 (Ice Lake)']! }).note, /emulated on this CPU: no AMX/);
  assert.match(resolvePrecision('auto', 'cpu', { cpu: machines['AVX512-BF16 only (Zen 4)']! }).note, /AVX512-BF16 but no AMX/);
  assert.match(resolvePrecision('auto', 'cpu', { cpu: machines['AMX (Sapphire Rapids)']! }).note, /AMX on this CPU/);
  assert.equal(resolvePrecision('auto', 'cuda', { cudaBf16: true }).precision, 'bf16');
  assert.equal(resolvePrecision('auto', 'cuda:1', { cudaBf16: false }).precision, 'fp32');
  // A CUDA device is judged by the GPU, not the CPU.
  assert.equal(resolvePrecision('auto', 'cuda', { cudaBf16: false, cpu: machines['AMX (Sapphire Rapids)'] }).precision, 'fp32');
});

test('precision explicit: fp32 and bf16 are kept; bf16 without native bfloat16 warns in one line', () => {
  for (const cpu of Object.values(machines)) assert.deepEqual(resolvePrecision('fp32', 'cpu', { cpu }), { precision: 'fp32', requested: 'fp32', note: 'precision: fp32', warning: null });
  const slow = resolvePrecision('bf16', 'cpu', { cpu: machines['no bf16 (Ice Lake)'] });
  assert.equal(slow.precision, 'bf16');
  assert.match(slow.warning!, /^warning: --precision bf16 on this CPU without native bfloat16 .*emulated and will be slower than fp32$/);
  assert.doesNotMatch(slow.warning!, /\n/);
  assert.equal(resolvePrecision('bf16', 'cpu', { cpu: machines['AVX512-BF16 only (Zen 4)'] }).warning, null);
  assert.equal(resolvePrecision('bf16', 'cpu', { cpu: machines['AMX (Sapphire Rapids)'] }).warning, null);
  assert.match(resolvePrecision('bf16', 'cuda', { cudaBf16: false }).warning!, /this GPU .*compute capability 8\.0/);
  assert.throws(() => resolvePrecision('fp16' as never), /^RangeError: precision must be one of auto, fp32, bf16, got 'fp16'$/);
  // The library's check of a resolved precision (train and predict options).
  assert.equal(checkPrecision('bf16'), 'bf16');
  assert.throws(() => checkPrecision('auto', 'options.precision'), /^Error: options\.precision must be 'fp32' or 'bf16' \(resolvePrecision turns 'auto' into one\), got 'auto'$/);
  // This machine: auto follows the cpuid reading.
  assert.equal(resolvePrecision('auto').precision, cpuInfo().nativeBf16 === 'amx' ? 'bf16' : 'fp32');
});

test('forwardIn: bf16 convolutions inside, a float32 result and float32 gradients; fp32 untouched; autocast off after', () => {
  manualSeed(3);
  const conv = new Conv2d(2, 3, 3, { padding: 1 });
  tidy(() => {
    const x = randn([1, 2, 6, 6]);
    let inside = '';
    const y = forwardIn('bf16', 'cpu', () => {
      const h = conv.forward(x);
      inside = h.dtype;
      return h;
    });
    assert.equal(inside, 'bfloat16');
    assert.equal(y.dtype, 'float32');
    assert.equal(autocastState().enabled, false);
    const exact = forwardIn('fp32', 'cpu', () => conv.forward(x));
    assert.equal(exact.dtype, 'float32');
    // bf16 keeps ~3 significant digits: close to float32, not equal.
    const diff = y.sub(exact).abs().max().item();
    assert.ok(diff > 0 && diff < 0.05, `bf16 vs fp32 max difference ${diff}`);
    y.square().sum().backward();
    for (const p of conv.parameters()) {
      assert.equal(p.dtype, 'float32');
      assert.equal(p.grad!.dtype, 'float32');
    }
  });
});
