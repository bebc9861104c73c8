import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/image/types.js';
import { colorizeLabels, overlay, overlayMask, overlayHeatmap, labelBoundaries } from '../../src/viz/overlay.js';
import { sampleColormap } from '../../src/viz/colormap.js';
import { vocPalette } from '../../src/image/palette.js';
import { resizeLabels } from '../../src/image/resize.js';

const rgb = (img: RawImage, x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

// 4x2 labels: background, aeroplane, bicycle, void
const labels = { width: 4, height: 2, data: Uint8Array.from([0, 1, 2, 255, 0, 1, 2, 255]) };
const image: RawImage = { width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(200) };

test('colorizeLabels paints each pixel in its palette colour', () => {
  const img = colorizeLabels(labels, { palette: 'voc', ignoreIndex: 255, ignoreColor: [0, 0, 0] });
  assert.deepEqual(rgb(img, 0, 0), [0, 0, 0]);
  assert.deepEqual(rgb(img, 1, 0), [128, 0, 0]);
  assert.deepEqual(rgb(img, 2, 1), [0, 128, 0]);
  assert.deepEqual(rgb(img, 3, 1), [0, 0, 0]);
  // Default: VOC colours, 255 is simply the VOC void colour when not ignored.
  assert.deepEqual(rgb(colorizeLabels(labels), 3, 0), [224, 224, 192]);
  assert.throws(() => colorizeLabels(labels, { palette: vocPalette(3) }), /label 255 has no colour: the palette has 3 entries \(pass ignoreIndex/);
});

test('overlay at alpha 0.5 is the average of image and class colour; ignore keeps the image', () => {
  const out = overlay(image, labels, { alpha: 0.5, palette: 'voc', ignoreIndex: 255 });
  assert.deepEqual(rgb(out, 1, 0), [164, 100, 100]); // (200+128)/2, 200/2, 200/2
  assert.deepEqual(rgb(out, 0, 0), [100, 100, 100]);
  assert.deepEqual(rgb(out, 3, 0), [200, 200, 200]);
  const one = overlay(image, labels, { alpha: 1, palette: 'voc', transparentLabels: [0], ignoreIndex: 255 });
  assert.deepEqual(rgb(one, 0, 0), [200, 200, 200], 'transparent background');
  assert.deepEqual(rgb(one, 2, 0), [0, 128, 0]);
});

test('outlines are drawn opaquely on region borders only', () => {
  const big = { width: 6, height: 6, data: new Uint8Array(36) };
  for (let y = 2; y < 5; y++) for (let x = 2; x < 5; x++) big.data[y * 6 + x] = 1;
  const edges = labelBoundaries(big);
  assert.equal(edges[3 * 6 + 3], 0, 'region centre');
  assert.equal(edges[2 * 6 + 2], 1, 'region corner');
  assert.equal(edges[0], 0, 'far background');
  const img: RawImage = { width: 6, height: 6, channels: 3, data: new Uint8Array(108).fill(255) };
  const out = overlay(img, big, { outlineOnly: true, outline: [255, 0, 0], palette: 'voc' });
  assert.deepEqual(rgb(out, 2, 2), [255, 0, 0]);
  assert.deepEqual(rgb(out, 3, 3), [255, 255, 255]);
});

test('mask overlay tints foreground only; heatmap overlay blends a colormap everywhere', () => {
  const mask = { width: 4, height: 2, data: Float32Array.from([0, 0.9, 0.2, 1, 0, 0, 0, 0]) };
  const out = overlayMask(image, mask, { color: [0, 0, 255], alpha: 0.5 });
  assert.deepEqual(rgb(out, 0, 0), [200, 200, 200]);
  assert.deepEqual(rgb(out, 1, 0), [100, 100, 228]);
  assert.deepEqual(rgb(out, 2, 0), [200, 200, 200], 'below threshold');
  const heat = overlayHeatmap(image, mask, { map: 'blues', alpha: 0.5, min: 0, max: 1 });
  const top = sampleColormap('blues', 1);
  assert.deepEqual(rgb(heat, 3, 0), top.map((v) => Math.round((200 + v) / 2)));
  assert.throws(() => overlay(image, { width: 2, height: 2, data: [0, 0, 0, 0] }), /image is 2x4 but the map is 2x2 \(HxW\)/);
  assert.throws(() => overlay(image, labels, { alpha: 2 }), /alpha 2 must be between 0 and 1/);
});

test('gray images are expanded and coarse labels can be resized to the image', () => {
  const gray: RawImage = { width: 4, height: 4, channels: 1, data: new Uint8Array(16).fill(100) };
  const coarse = resizeLabels({ width: 2, height: 2, data: [0, 1, 1, 0] }, 4, 4);
  assert.deepEqual(Array.from(coarse.data), [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  const out = overlay(gray, coarse, { alpha: 0.5, palette: 'voc' });
  assert.equal(out.channels, 3);
  assert.deepEqual(rgb(out, 3, 0), [114, 50, 50]);
});
