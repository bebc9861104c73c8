import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyColormap, colormapRange, sampleColormap } from '../../src/viz/colormap.js';

const map = (data: number[]) => ({ width: data.length, height: 1, data: Float32Array.from(data) });
const pixel = (img: { data: Uint8Array }, i: number) => Array.from(img.data.slice(3 * i, 3 * i + 3));

test('gray maps min to black, max to white and the middle to mid grey', () => {
  const img = applyColormap(map([0, 0.5, 1]), { map: 'gray' });
  assert.equal(img.channels, 3);
  assert.deepEqual(pixel(img, 0), [0, 0, 0]);
  assert.deepEqual(pixel(img, 1), [128, 128, 128]);
  assert.deepEqual(pixel(img, 2), [255, 255, 255]);
});

test('viridis runs from dark purple to yellow; blues from near-white to dark blue', () => {
  const [r0, g0, b0] = sampleColormap('viridis', 0);
  const [r1, g1, b1] = sampleColormap('viridis', 1);
  assert.ok(b0 > r0 && b0 > g0, 'low end is blue-purple');
  assert.ok(r1 > 200 && g1 > 200 && b1 < 80, 'high end is yellow');
  assert.ok(sampleColormap('blues', 0).every((v) => v > 240));
  const dark = sampleColormap('blues', 1);
  assert.ok(dark[2] > dark[0] && dark[0] < 30);
});

test('values are clamped to [min, max] and NaN gets the NaN colour', () => {
  const img = applyColormap(map([-5, 0, 10, NaN]), { map: 'gray', min: 0, max: 1, nanColor: [255, 0, 0] });
  assert.deepEqual(pixel(img, 0), [0, 0, 0]);
  assert.deepEqual(pixel(img, 2), [255, 255, 255]);
  assert.deepEqual(pixel(img, 3), [255, 0, 0]);
});

test('symmetric ranges centre zero on the diverging map', () => {
  assert.deepEqual(colormapRange([-0.2, 0.5], { symmetric: true }), [-0.5, 0.5]);
  const img = applyColormap(map([-0.2, 0, 0.5]), { map: 'coolwarm', symmetric: true });
  assert.deepEqual(pixel(img, 1), [...sampleColormap('coolwarm', 0.5)]);
  const [r, , b] = pixel(img, 2);
  assert.ok(r! > b!, 'positive is warm');
  const [r2, , b2] = pixel(img, 0);
  assert.ok(b2! > r2!, 'negative is cool');
});

test('a constant map does not divide by zero, and bad input is rejected', () => {
  const img = applyColormap(map([3, 3]), { map: 'gray' });
  assert.deepEqual(pixel(img, 0), [0, 0, 0]);
  assert.throws(() => applyColormap({ width: 2, height: 2, data: [1, 2, 3] }), /has 3 values, expected width\*height = 2\*2 = 4/);
  assert.throws(() => applyColormap(map([1]), { map: 'jet' as never }), /colormap "jet" is not one of/);
  assert.throws(() => applyColormap(map([1]), { min: 2, max: 1 }), /min 2 is greater than max 1/);
});
