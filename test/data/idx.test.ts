import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { decodeIdx, readIdx } from '../../src/data/idx.js';

// IDX files written by hand in scripts/fixtures/codecs.py.
const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const mnistDir = fileURLToPath(new URL('../../../../shared/datasets/mnist/', import.meta.url));
const cases = (JSON.parse(readFileSync(fixtureDir + 'codecs.json', 'utf8')) as { idx: { file: string; shape: number[]; data: number[] }[] }).idx;

for (const c of cases) {
  test(`readIdx ${c.file}`, () => {
    const arr = readIdx(fixtureDir + 'codecs/' + c.file);
    assert.deepEqual(arr.shape, c.shape);
    assert.deepEqual(Array.from(arr.data), c.data);
  });
}

test('readIdx detects gzip by its magic bytes, not the file name', () => {
  const raw = readFileSync(fixtureDir + 'codecs/images-idx3-ubyte');
  const a = decodeIdx(gzipSync(raw), 'no-extension');
  const b = readIdx(fixtureDir + 'codecs/images-idx3-ubyte');
  assert.deepEqual(a, b);
  assert.equal(b.dtype, 'uint8');
  assert.ok(b.data instanceof Uint8Array);
});

test('readIdx errors name the file and the expected magic', () => {
  const good = readFileSync(fixtureDir + 'codecs/images-idx3-ubyte');
  assert.throws(() => decodeIdx(Buffer.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10), 'digits.idx'), /^Error: digits\.idx: not an IDX file: it starts with 89 50 4e 47, expected 00 00 <type> <dims> \(MNIST: 00 00 08 03 images, 00 00 08 01 labels\)$/);
  // One short line (it was 773 characters once).
  assert.throws(() => decodeIdx(Buffer.of(1, 2, 3, 4, 5), 'd.idx'), (e: Error) => e.message.length < 140);
  const badType = Buffer.from(good);
  badType[2] = 0x0a;
  assert.throws(() => decodeIdx(badType, 'digits.idx'), /digits\.idx: not an IDX file: it starts with 00 00 0a 03/);
  assert.throws(() => decodeIdx(good.subarray(0, good.length - 1), 'digits.idx'), /digits\.idx: truncated: shape \[3, 4, 5\] of uint8 needs 76 bytes, the file has 75/);
  assert.throws(() => decodeIdx(Buffer.concat([good, Buffer.of(0)]), 'digits.idx'), /digits\.idx: trailing bytes/);
  assert.throws(() => decodeIdx(good.subarray(0, 10), 'digits.idx'), /digits\.idx: truncated header: 3 dimensions need 16 bytes/);
  assert.throws(() => decodeIdx(Buffer.of(0x1f, 0x8b, 8, 0, 1, 2), 'digits.gz'), /digits\.gz: corrupt gzip data/);
  assert.throws(() => readIdx(fixtureDir + 'codecs/missing-idx'), /missing-idx/);
});

test('real MNIST: 9000 training and 1000 test digits of 28x28, labels 0..9', (t) => {
  if (!existsSync(mnistDir)) {
    t.skip(`MNIST not found at ${mnistDir}`);
    return;
  }
  for (const [prefix, count] of [['train', 9000], ['t10k', 1000]] as const) {
    const images = readIdx(mnistDir + `${prefix}-images-idx3-ubyte.gz`);
    const labels = readIdx(mnistDir + `${prefix}-labels-idx1-ubyte.gz`);
    assert.deepEqual(images.shape, [count, 28, 28]);
    assert.deepEqual(labels.shape, [count]);
    assert.deepEqual(new Set(labels.data), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // Digits are white strokes on black: borders empty, some full-intensity pixels.
    const first = images.data.subarray(0, 28 * 28);
    assert.equal(first[0], 0);
    assert.ok(Math.max(...first) > 200);
  }
});
