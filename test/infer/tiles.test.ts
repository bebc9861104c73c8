import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisStarts, axisWeights, checkTiling, rampWeights, tileWindows } from '../../src/infer/tiles.js';

test('window starts cover the axis, overlap at least as asked, and the last is flush with the border', () => {
  for (const [size, tile, overlap] of [[100, 32, 8], [97, 40, 13], [64, 64, 16], [65, 64, 0], [300, 128, 64]] as const) {
    const starts = axisStarts(size, tile, overlap);
    assert.equal(starts[0], 0);
    assert.equal(starts.at(-1), size - tile, `${size}/${tile}/${overlap}`);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1]! + tile - starts[i]! >= overlap, `overlap ${starts}`);
  }
  assert.deepEqual(axisStarts(20, 32, 8), [0], 'a tile larger than the image is one window');
  assert.deepEqual(axisStarts(100, 40, 10), [0, 30, 60]);
});

test('tileWindows lays windows out row by row, clipped to small images', () => {
  const w = tileWindows(50, 20, 32, 8);
  assert.deepEqual(w, [
    { x: 0, y: 0, width: 32, height: 20 },
    { x: 18, y: 0, width: 32, height: 20 },
  ]);
});

test('ramp weights of neighbouring windows sum to one over their overlap and are never all zero', () => {
  const a = rampWeights(32, 0, 12);
  const b = rampWeights(32, 12, 0);
  for (let d = 0; d < 12; d++) assert.ok(Math.abs(a[20 + d]! + b[d]! - 1) < 1e-6, `pixel ${d} of the overlap`);
  assert.equal(a[0], 1);
  assert.equal(b[0], 0, 'the edge quarter of a shared stretch is left to the neighbour');
  assert.equal(b[11], 1);
  for (let size = 1; size < 120; size += 7) {
    for (let tile = 1; tile < 50; tile += 3) {
      for (let overlap = 0; overlap < tile; overlap += 2) {
        const starts = axisStarts(size, tile, overlap);
        const len = Math.min(tile, size);
        const sum = new Float64Array(size);
        axisWeights(starts, len).forEach((w, i) => w.forEach((v, d) => (sum[starts[i]! + d]! += v)));
        assert.ok(sum.every((v) => v > 0), `${size}/${tile}/${overlap}: some pixel has no weight`);
      }
    }
  }
});

test('tile and overlap are checked', () => {
  assert.throws(() => checkTiling(0, 0), /tile size 0, expected a positive integer/);
  assert.throws(() => checkTiling(32, 32), /overlap 32, expected an integer from 0 to 31/);
  assert.throws(() => checkTiling(32, -1), /overlap -1/);
});
