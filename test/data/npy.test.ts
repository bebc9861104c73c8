import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, readNpy, writeNpy, type NpyArray } from '../../src/data/npy.js';

// .npy files saved by numpy (scripts/fixtures/codecs.py), with their values as JSON.
const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
interface NpyCase {
  file: string;
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
  data: number[];
}
const cases = (JSON.parse(readFileSync(fixtureDir + 'codecs.json', 'utf8')) as { npy: NpyCase[] }).npy;

const asNumbers = (data: ArrayLike<number | bigint>) => Array.from(data, Number);

for (const c of cases) {
  test(`readNpy ${c.file} equals numpy`, () => {
    const arr = readNpy(fixtureDir + 'codecs/' + c.file);
    assert.deepEqual(arr.shape, c.shape);
    assert.equal(arr.dtype, c.dtype);
    assert.equal(arr.fortranOrder, c.fortranOrder);
    assert.deepEqual(asNumbers(arr.data), c.data);
  });
}

test('readNpy returns the typed array of each dtype', () => {
  const ctor = (file: string) => readNpy(fixtureDir + 'codecs/' + file).data.constructor;
  assert.equal(ctor('f4.npy'), Float32Array);
  assert.equal(ctor('f8.npy'), Float64Array);
  assert.equal(ctor('i8.npy'), BigInt64Array);
  assert.equal(ctor('u8.npy'), BigUint64Array);
  assert.equal(ctor('b1.npy'), Uint8Array);
  assert.equal(ctor('i2-big-endian.npy'), Int16Array);
  assert.equal(readNpy(fixtureDir + 'codecs/i8.npy').data[4], 2n ** 52n);
});

test('readNpy reads bytes at any alignment, and the seed layouts (images N,H,W,3 and one-hot N,H,W,2)', () => {
  const file = readFileSync(fixtureDir + 'codecs/f4-onehot.npy');
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  const arr = readNpy(shifted.subarray(1), 'shifted.npy');
  assert.deepEqual(arr.shape, [2, 4, 4, 2]);
  const data = arr.data as Float32Array;
  for (let i = 0; i < data.length; i += 2) assert.equal(data[i]! + data[i + 1]!, 1, 'one-hot pairs sum to 1');
  const images = readNpy(fixtureDir + 'codecs/u1-4d-images.npy');
  assert.deepEqual(images.shape, [2, 4, 4, 3]);
  assert.ok(images.data instanceof Uint8Array);
});

test('writeNpy -> readNpy round-trips every dtype, 0-d and empty arrays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-npy-'));
  try {
    const arrays: NpyArray[] = [
      { shape: [2, 3], dtype: 'float32', data: Float32Array.of(1.5, -2, 3, 0, 1e-7, 6) },
      { shape: [2], dtype: 'float64', data: Float64Array.of(Math.PI, -0) },
      { shape: [1, 2, 2, 3], dtype: 'uint8', data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) },
      { shape: [3], dtype: 'int8', data: Int8Array.of(-128, 0, 127) },
      { shape: [2], dtype: 'int16', data: Int16Array.of(-30000, 30000) },
      { shape: [2], dtype: 'uint16', data: Uint16Array.of(0, 65535) },
      { shape: [2], dtype: 'int32', data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
      { shape: [1], dtype: 'uint32', data: Uint32Array.of(2 ** 32 - 1) },
      { shape: [2], dtype: 'int64', data: BigInt64Array.of(-(2n ** 62n), 5n) },
      { shape: [1], dtype: 'uint64', data: BigUint64Array.of(2n ** 64n - 1n) },
      { shape: [2, 2], dtype: 'bool', data: Uint8Array.of(1, 0, 0, 1) },
      { shape: [], dtype: 'float32', data: Float32Array.of(7) },
      { shape: [0, 5], dtype: 'float32', data: new Float32Array(0) },
    ];
    for (const [i, a] of arrays.entries()) {
      const path = join(dir, `a${i}.npy`);
      writeNpy(path, a);
      const bytes = readFileSync(path);
      assert.equal(bytes[6], 1, 'format version 1.0');
      assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, 'data starts 64-byte aligned, as numpy writes');
      const back = readNpy(path);
      assert.deepEqual(back.shape, a.shape);
      assert.equal(back.dtype, a.dtype);
      assert.equal(back.fortranOrder, false);
      assert.deepEqual(back.data, a.data);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left behind');
    // A header too long for format 1.0 switches to 2.0.
    const wide = { shape: Array(25000).fill(1), dtype: 'uint8' as const, data: Uint8Array.of(9) };
    const v2 = encodeNpy(wide);
    assert.equal(v2[6], 2);
    assert.deepEqual(readNpy(v2).shape.length, 25000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readNpy errors name the file and what was expected', () => {
  const good = readFileSync(fixtureDir + 'codecs/f4.npy');
  assert.throws(() => readNpy(Buffer.from('PK\x03\x04 a zip file'), 'arrays.npz'), /arrays\.npz: not a \.npy file: expected the magic bytes/);
  assert.throws(() => readNpy(good.subarray(0, good.length - 4), 'cut.npy'), /cut\.npy: truncated data: shape \[2, 3\] of <f4 needs 24 bytes, the file has 20/);
  assert.throws(() => readNpy(good.subarray(0, 40), 'cut.npy'), /cut\.npy: truncated header/);
  const header = (dict: string) => {
    const text = dict.padEnd(117) + '\n';
    return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length, 0]), Buffer.from(text, 'latin1'), Buffer.alloc(64)]);
  };
  assert.throws(() => readNpy(header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"), 'c.npy'), /c\.npy: unsupported dtype '<c8'/);
  assert.throws(() => readNpy(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), 's.npy'), /s\.npy: structured dtypes are not supported/);
  assert.throws(() => readNpy(header("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }").fill(7, 128), 'b.npy'), /b\.npy: bool element 0 holds 7/);
  assert.throws(() => readNpy(fixtureDir + 'codecs/missing.npy'), /missing\.npy/);
  const bad = Buffer.from(good);
  bad[6] = 4;
  assert.throws(() => readNpy(bad, 'v4.npy'), /v4\.npy: unsupported \.npy format version 4\.0/);
});

test('encodeNpy rejects mismatched input', () => {
  assert.throws(() => encodeNpy({ shape: [3], dtype: 'float32', data: new Float64Array(3) }, 'x.npy'), /x\.npy: dtype float32 needs a Float32Array, got Float64Array/);
  assert.throws(() => encodeNpy({ shape: [2, 2], dtype: 'uint8', data: new Uint8Array(3) }), /data has 3 elements, shape \[2, 2\] needs 4/);
  assert.throws(() => encodeNpy({ shape: [-1], dtype: 'uint8', data: new Uint8Array(0) }), /shape \[-1\] must be a list of non-negative integers/);
  assert.throws(() => encodeNpy({ shape: [2], dtype: 'bool', data: Uint8Array.of(1, 2) }), /bool element 1 is 2, expected 0 or 1/);
  assert.throws(() => encodeNpy({ shape: [1], dtype: 'complex64' as never, data: new Uint8Array(1) }), /unsupported dtype 'complex64'/);
});
