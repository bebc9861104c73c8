// Layout conversions from a mapped file (values viewed in place through libtorch's from_file)
// give the same parameter as the same values read into memory, whether the file placed them
// aligned to the item size or not; a span past the end of the file is a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeros } from '../../src/torch/index.js';
import { bytesToData, weightTensor } from '../../src/io/formats/types.js';
import { mapBytes } from '../../src/io/formats/mapped.js';
import { CONVERSION_LIMITS, planCopy } from '../../src/weights/layout.js';
import type { TargetLayer } from '../../src/weights/targets.js';

for (const [kh, kw, inC, out, dtype, item] of [
  [3, 3, 5, 7, 'float32', 4],
  [3, 3, 5, 7, 'float64', 8],
  [1, 1, 6, 4, 'float32', 4], // a Dense kernel (in, out): one position, each block one contiguous run
] as const) {
  const target: TargetLayer = { name: 'conv1_1', module: 'features.0', kind: 'conv', kernel: [out, inC, kh, kw], params: { weight: 'features.0.weight' } };
  for (const offset of [0, 3, 8]) {
    test(`an HWIO ${dtype} kernel [${kh}, ${kw}, ${inC}, ${out}] mapped at byte ${offset} fills the parameter as one read into memory`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pixelwise-mapped-'));
      try {
        const n = kh * kw * inC * out;
        const values = dtype === 'float32' ? Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3) : Float64Array.from({ length: n }, (_, i) => Math.cos(i) / 7);
        const path = join(dir, 'w.bin');
        const bytes = Buffer.alloc(offset + n * item + 5);
        Buffer.from(values.buffer).copy(bytes, offset);
        writeFileSync(path, bytes);
        const read = () => bytesToData(new Uint8Array(bytes.subarray(offset, offset + n * item)), dtype);
        const source = weightTensor('w', dtype, dtype, [kh, kw, inC, out], read, undefined, { fileSpan: { path, offset } });
        const plan = planCopy(target, 'weight', [kh, kw, inC, out], 'tf', [out, inC, kh, kw])!;
        const load = (mapFiles: boolean) => {
          const param = zeros([out, inC, kh, kw]);
          const saved = { ...CONVERSION_LIMITS };
          // Blocks of 2 channels in mappings of 3 (a block cut at a mapping's end), or all in one.
          Object.assign(CONVERSION_LIMITS, { mapFiles, blockBytes: kh === 1 ? 1 << 20 : 2 * kh * kw * out * 4, mapBytes: 3 * kh * kw * out * item });
          try {
            plan.copy(param, source);
          } finally {
            Object.assign(CONVERSION_LIMITS, saved);
          }
          const data = Array.from(param.data() as Float32Array);
          param.dispose();
          return data;
        };
        const mapped = load(true);
        assert.deepEqual(mapped, load(false));
        // Spot check against the definition: param[o, c, y, x] = file[y, x, c, o].
        const at = (o: number, c: number, y: number, x: number) => mapped[((o * inC + c) * kh + y) * kw + x];
        assert.equal(at(out - 1, inC - 1, kh - 1, kw - 1), Math.fround(values[(((kh - 1) * kw + kw - 1) * inC + inC - 1) * out + out - 1]!));
        assert.equal(at(1, 2, 0, 0), Math.fround(values[2 * out + 1]!));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('a mapped span past the end of its file is a one-line error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-mapped-'));
  try {
    const path = join(dir, 'short.bin');
    writeFileSync(path, Buffer.alloc(100));
    assert.throws(() => mapBytes({ path, offset: 40 }, 64), (err: Error) => !err.message.includes('\n') && err.message.startsWith(path) && /truncated file: needs bytes 40\.\.104, the file has 100/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
