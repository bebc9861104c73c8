// The crc32c combination the TF bundle reader uses to check a tensor from the ranges it read:
// combining the pieces' crcs in order must give @node-rs/crc32's crc32c of the whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { Crc32cCombiner } from '../../../src/io/formats/table.js';

test('crc32c of pieces combined in order equals the crc32c of the whole', () => {
  let seed = 12345;
  const bytes = Buffer.alloc(100_003);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const whole = crc32c(bytes) >>> 0;
  for (const cuts of [[0], [1], [7, 8, 9], [4096, 8192, 12288, 50000], [0, 0, 99_999], Array.from({ length: 50 }, (_, i) => i * 2000)]) {
    const combined = new Crc32cCombiner();
    const points = [...cuts, bytes.length];
    let at = 0;
    for (const p of points) {
      const piece = bytes.subarray(at, p);
      combined.append(crc32c(piece) >>> 0, piece.length);
      at = p;
    }
    assert.equal(combined.crc, whole, `cut at ${cuts}`);
  }
  const other = new Crc32cCombiner();
  other.append(crc32c(bytes.subarray(0, 10)) >>> 0, 10);
  other.append(crc32c(bytes.subarray(11, 20)) >>> 0, 9); // a byte left out: another crc
  assert.notEqual(other.crc, crc32c(bytes.subarray(0, 20)) >>> 0);
});
