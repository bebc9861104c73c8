import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/image/types.js';
import { activationGrid, filterGrid, tileMaps } from '../../src/viz/grid.js';
import { sampleColormap } from '../../src/viz/colormap.js';

function countColor(img: RawImage, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const o = i * img.channels;
    if (img.data[o] === rgb[0] && img.data[o + 1] === rgb[1] && img.data[o + 2] === rgb[2]) n++;
  }
  return n;
}

function distinctColors(img: RawImage): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.width * img.height; i++) seen.add((img.data[3 * i]! << 16) | (img.data[3 * i + 1]! << 8) | img.data[3 * i + 2]!);
  return seen.size;
}

test('filters share one signed range: each weight is an upscaled block in its coolwarm colour', () => {
  // (out 2, in 1, 2x2): the global range is [-2, 2].
  const w = Float32Array.from([1, -1, 0, 0.5, 0, 0, 0, -2]);
  const img = filterGrid(w, [2, 1, 2, 2], { colorbar: false, scale: 16 });
  // Upscaled 16x: each weight covers 16x16 pixels.
  assert.equal(countColor(img, sampleColormap('coolwarm', 0)), 16 * 16, 'the -2 weight');
  assert.equal(countColor(img, sampleColormap('coolwarm', 0.75)), 16 * 16, 'the +1 weight');
  assert.equal(countColor(img, sampleColormap('coolwarm', 0.5)), 4 * 16 * 16, 'the four zeros');
  const withBar = filterGrid(w, [2, 1, 2, 2], { scale: 16 });
  assert.ok(distinctColors(withBar) > distinctColors(img) + 10, 'the colour bar shows a gradient');
});

test('selecting one (out, in) pair draws it large; out-of-range channels are rejected', () => {
  const w = new Float32Array(4 * 3 * 3 * 3).map((_, i) => (i % 7) - 3);
  const one = filterGrid(w, [4, 3, 3, 3], { outChannels: [2], inChannels: [1], colorbar: false });
  assert.ok(one.width >= 192 && one.height >= 192);
  assert.throws(() => filterGrid(w, [4, 3, 3, 3], { outChannels: [4] }), /outChannels entry 4 is outside 0..3/);
  assert.throws(() => filterGrid(w, [4, 3, 3, 2]), /needs 72/);
});

test('activations: one tile per channel, each normalised on its own', () => {
  const act = Float32Array.from([0, 1, 2, 3, 10, 20, 30, 40]);
  const img = activationGrid(act, [1, 2, 2, 2]);
  const top = sampleColormap('viridis', 1), bottom = sampleColormap('viridis', 0);
  const k = 96; // 2x2 maps drawn at 192 px
  assert.equal(countColor(img, top), 2 * k * k, 'each channel reaches the top colour once');
  assert.equal(countColor(img, bottom), 2 * k * k);
  const global = activationGrid(act, [2, 2, 2], { normalize: 'global', colorbar: false });
  assert.equal(countColor(global, top), k * k, 'only the largest value overall');
  assert.throws(() => activationGrid(act, [3, 2, 2]), /needs 12/);
});

test('tileMaps checks sizes and labels', () => {
  const a = { width: 2, height: 2, data: [0, 1, 2, 3] };
  assert.throws(() => tileMaps([a, { width: 3, height: 1, data: [0, 0, 0] }]), /tile 1 is 1x3 \(HxW\), expected 2x2/);
  assert.throws(() => tileMaps([a], { labels: ['x', 'y'] }), /2 labels for 1 tiles/);
  const img = tileMaps([a, a, a], { cols: 3, scale: 4, gap: 2, labels: false });
  assert.equal(img.width, 2 * 7 + 3 * 8 + 2 * 2);
});
