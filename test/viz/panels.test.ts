import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/image/types.js';
import { hconcat, grid, vconcat } from '../../src/viz/panels.js';
import { Pixels } from './pixels.js';
import { measureText } from '../../src/viz/font.js';

const solid = (w: number, h: number, c: [number, number, number]): RawImage => {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(c, 3 * i);
  return { width: w, height: h, channels: 3, data };
};

test('hconcat puts panels side by side with gaps and padding', () => {
  const out = hconcat([solid(10, 10, [255, 0, 0]), solid(10, 6, [0, 0, 255])], { gap: 4, padding: 2 });
  assert.equal(out.width, 2 + 10 + 4 + 10 + 2);
  assert.equal(out.height, 2 + 10 + 2);
  const c = new Pixels(out);
  assert.deepEqual(c.getPixel(2, 2), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(12, 2), [255, 255, 255, 255], 'gap');
  assert.deepEqual(c.getPixel(16, 2), [0, 0, 255, 255]);
  assert.deepEqual(c.getPixel(16, 10), [255, 255, 255, 255], 'shorter panel ends');
});

test('titles sit above their panel and widen narrow cells', () => {
  const out = hconcat([solid(4, 4, [0, 200, 0])], { titles: ['a long title'], padding: 0, titleScale: 1 });
  assert.ok(out.width >= measureText('a long title', { scale: 1 }).width);
  const c = new Pixels(out);
  let ink = 0;
  for (let y = 0; y < 10; y++) for (let x = 0; x < out.width; x++) if (c.getPixel(x, y)[0] < 100 && c.getPixel(x, y)[1] < 100) ink++;
  assert.ok(ink > 20, 'title text drawn in black above the panel');
  // The panel is centred under the title, below the title band.
  const px = Math.round(out.width / 2 - 2);
  assert.deepEqual(c.getPixel(px, out.height - 1), [0, 200, 0, 255]);
});

test('grid wraps rows; vconcat stacks', () => {
  const tiles = [1, 2, 3, 4, 5].map((k) => solid(5, 5, [k * 40, 0, 0]));
  const out = grid(tiles, { cols: 2, gap: 1, padding: 0 });
  assert.equal(out.width, 11);
  assert.equal(out.height, 3 * 5 + 2);
  const c = new Pixels(out);
  assert.deepEqual(c.getPixel(6, 6), [160, 0, 0, 255]); // tile 4 at row 1, col 1
  assert.deepEqual(c.getPixel(0, 12), [200, 0, 0, 255]);
  assert.deepEqual(c.getPixel(6, 12), [255, 255, 255, 255], 'empty last cell');
  assert.equal(vconcat(tiles, { gap: 0, padding: 0 }).height, 25);
  assert.throws(() => grid([]), /at least one image/);
});
