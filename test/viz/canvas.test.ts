import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Canvas } from '../../src/viz/canvas.js';
import { ADVANCE, CAP_HEIGHT, measureText, hasGlyph } from '../../src/viz/font.js';

/** Bounding box of pixels equal to `rgb`, or null. */
function inkBox(c: Canvas, rgb: [number, number, number]) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const [r, g, b] = c.getPixel(x, y);
      if (r === rgb[0] && g === rgb[1] && b === rgb[2]) {
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

test('every printable ASCII character has a glyph, and text measures by advance', () => {
  for (let c = 32; c < 127; c++) assert.ok(hasGlyph(String.fromCharCode(c)), `glyph ${c}`);
  assert.ok(!hasGlyph('\u00e9'));
  assert.deepEqual(measureText('abc'), { width: 3 * ADVANCE - 1, height: CAP_HEIGHT, descent: 2 });
  assert.equal(measureText('abc', { scale: 3 }).width, 3 * (3 * ADVANCE - 1));
  assert.equal(measureText('').width, 0);
  assert.throws(() => measureText('x', { scale: 1.5 }), /font scale 1.5 must be an integer/);
});

test('text lands where it is anchored, at the requested scale', () => {
  const c = new Canvas(120, 40);
  c.text('HH', 10, 5, { scale: 2, color: [255, 0, 0] });
  // 'H' has ink in its outer columns from the top row to the baseline.
  assert.deepEqual(inkBox(c, [255, 0, 0]), { x0: 10, y0: 5, x1: 10 + measureText('HH', { scale: 2 }).width - 1, y1: 5 + 14 - 1 });
  const r = new Canvas(120, 40);
  r.text('HH', 100, 20, { scale: 2, color: [0, 0, 255], align: 'right', baseline: 'middle' });
  const box = inkBox(r, [0, 0, 255])!;
  assert.equal(box.x1, 99);
  assert.equal(box.y0, 20 - 7);
});

test('rotated text reads upward: taller than wide', () => {
  const c = new Canvas(60, 120);
  c.text('Z2 axis', 20, 60, { rotate: 90, align: 'center', color: [0, 0, 0] });
  const box = inkBox(c, [0, 0, 0])!;
  assert.ok(box.y1 - box.y0 > 3 * (box.x1 - box.x0));
  assert.ok(box.y0 < 60 && box.y1 > 60, 'centred on the anchor');
});

test('lines, rects and circles touch the pixels they should', () => {
  const c = new Canvas(50, 50);
  c.line(2, 3, 40, 3, [255, 0, 0]);
  assert.deepEqual(c.getPixel(2, 3), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(40, 3), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(41, 3), [255, 255, 255, 255]);
  c.line(0, 0, 9, 9, [0, 255, 0], { width: 3 });
  assert.deepEqual(c.getPixel(5, 5), [0, 255, 0, 255]);
  assert.deepEqual(c.getPixel(6, 5), [0, 255, 0, 255], 'thick pen covers neighbours');
  c.fillRect(20, 20, 5, 4, [0, 0, 255]);
  assert.deepEqual(inkBox(c, [0, 0, 255]), { x0: 20, y0: 20, x1: 24, y1: 23 });
  c.circle(35, 35, 4, [10, 20, 30]);
  const b = inkBox(c, [10, 20, 30])!;
  assert.deepEqual([b.x0, b.x1, b.y0, b.y1], [31, 39, 31, 39]);
  assert.deepEqual(c.getPixel(31, 31), [255, 255, 255, 255], 'corners stay empty');
});

test('dashed lines leave gaps', () => {
  const c = new Canvas(40, 5);
  c.line(0, 2, 39, 2, [0, 0, 0], { dash: [4, 4] });
  assert.deepEqual(c.getPixel(0, 2), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(5, 2), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(8, 2), [0, 0, 0, 255]);
});

test('markers are centred on their point', () => {
  for (const kind of ['circle', 'square', 'triangle', 'diamond', 'cross', 'plus'] as const) {
    const c = new Canvas(31, 31);
    c.marker(kind, 15, 15, 9, [200, 0, 0]);
    assert.deepEqual(c.getPixel(15, 15), [200, 0, 0, 255], kind);
    const b = inkBox(c, [200, 0, 0])!;
    assert.ok(Math.abs((b.x0 + b.x1) / 2 - 15) <= 1 && Math.abs((b.y0 + b.y1) / 2 - 15) <= 1, `${kind} centred`);
    assert.ok(b.x1 - b.x0 >= 6 && b.x1 - b.x0 <= 12, `${kind} about 9 wide`);
  }
});

test('translucent colours blend and clipping stops drawing', () => {
  const c = new Canvas(10, 10, { background: [0, 0, 0] });
  c.fillRect(0, 0, 10, 10, [255, 255, 255, 128]);
  assert.deepEqual(c.getPixel(3, 3), [128, 128, 128, 255]);
  c.setClip({ x: 0, y: 0, width: 5, height: 10 });
  c.fillRect(0, 0, 10, 10, [255, 0, 0]);
  c.setClip(null);
  assert.deepEqual(c.getPixel(4, 0), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(5, 0), [128, 128, 128, 255]);
});

test('blit scales by nearest neighbour and expands gray', () => {
  const c = new Canvas(8, 8);
  c.blit({ width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 150]) }, 0, 0, 8, 8);
  assert.deepEqual(c.getPixel(3, 3), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(4, 0), [50, 50, 50, 255]);
  assert.deepEqual(c.getPixel(0, 7), [100, 100, 100, 255]);
  assert.deepEqual(c.getPixel(7, 7), [150, 150, 150, 255]);
  assert.throws(() => c.blit({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, 0, 0), /expected 2\*2\*3 = 12/);
  assert.throws(() => new Canvas(0, 5), /canvas size 0x5/);
});
