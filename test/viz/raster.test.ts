import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fontSize, measureText } from '../../src/viz/font.js';
import { rasterize } from '../../src/viz/raster.js';
import { SvgSurface } from '../../src/viz/svg.js';
import { Pixels } from './pixels.js';

type Box = { x0: number; y0: number; x1: number; y1: number };

/** Bounding box of pixels for which `ink` holds, or null. */
function inkBox(c: Pixels, ink: (p: readonly number[]) => boolean): Box | null {
  let b: Box | null = null;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (!ink(c.getPixel(x, y))) continue;
      b = b ? { x0: Math.min(b.x0, x), y0: Math.min(b.y0, y), x1: Math.max(b.x1, x), y1: Math.max(b.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
    }
  }
  return b;
}
const dark = (p: readonly number[]) => p[0]! < 128 && p[1]! < 128 && p[2]! < 128;
const render = (svg: SvgSurface) => new Pixels(rasterize(svg));

test('text is measured proportionally by the font that draws it', () => {
  assert.ok(measureText('WWW').width > 2 * measureText('iii').width, 'proportional, not monospace');
  assert.equal(measureText('').width, 0);
  const one = measureText('Loss', { scale: 1 }), three = measureText('Loss', { scale: 3 });
  assert.ok(Math.abs(three.width / one.width - fontSize({ scale: 3 }) / fontSize({ scale: 1 })) < 1e-9, 'width scales with the font size');
  assert.ok(measureText('Bold', { bold: true }).width > measureText('Bold').width);
  assert.throws(() => measureText('x', { scale: 0 }), /font scale 0 must be a number in \(0, 64\]/);
  // The measured advance is where the ink of the drawn text ends (up to the last glyph's side bearing).
  const svg = new SvgSurface(200, 40);
  svg.text('Validation', 10, 5, { scale: 2 });
  const box = inkBox(render(svg), dark)!;
  const m = measureText('Validation', { scale: 2 });
  assert.ok(Math.abs(box.x1 + 1 - (10 + m.width)) <= 2, `ink ends at ${box.x1 + 1}, measured ${10 + m.width}`);
});

test('text lands where it is anchored', () => {
  const svg = new SvgSurface(120, 40);
  svg.text('HH', 10, 5, { scale: 2 });
  const box = inkBox(render(svg), dark)!;
  const cap = measureText('H', { scale: 2 }).height;
  // 'H' has ink from the top of the capitals to the baseline; its side bearing is about a pixel.
  assert.ok(box.x0 >= 10 && box.x0 <= 12, `left edge ${box.x0}`);
  assert.equal(box.y0, 5);
  assert.ok(Math.abs(box.y1 + 1 - (5 + cap)) <= 1, `baseline ${box.y1 + 1}, expected ${5 + cap}`);
  const r = new SvgSurface(120, 40);
  r.text('HH', 100, 20, { scale: 2, align: 'right', baseline: 'middle' });
  const right = inkBox(render(r), dark)!;
  assert.ok(right.x1 <= 99 && right.x1 >= 96, `right edge ${right.x1}`);
  assert.ok(Math.abs((right.y0 + right.y1 + 1) / 2 - 20) <= 1, 'capitals centred on the anchor');
});

test('rotated text reads upward: taller than wide', () => {
  const svg = new SvgSurface(60, 120);
  svg.text('Z2 axis', 20, 60, { rotate: 90, align: 'center' });
  const box = inkBox(render(svg), dark)!;
  assert.ok(box.y1 - box.y0 > 3 * (box.x1 - box.x0));
  assert.ok(box.y0 < 60 && box.y1 > 60, 'centred on the anchor');
});

test('lines, rects and markers cover the pixels they should', () => {
  const svg = new SvgSurface(50, 50);
  svg.line(2, 3, 40, 3, [255, 0, 0]);
  svg.line(0, 10, 9, 19, [0, 160, 0], { width: 3 });
  svg.fillRect(20, 20, 5, 4, [0, 0, 255]);
  svg.marker('circle', 35, 35, 9, [10, 20, 30]);
  const c = render(svg);
  assert.deepEqual(c.getPixel(2, 3), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(40, 3), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(41, 3), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(1, 3), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(5, 15), [0, 160, 0, 255]);
  assert.deepEqual(c.getPixel(6, 15), [0, 160, 0, 255], 'a thick pen covers neighbours');
  assert.deepEqual(inkBox(c, (p) => p[0] === 0 && p[1] === 0 && p[2] === 255), { x0: 20, y0: 20, x1: 24, y1: 23 });
  assert.deepEqual(c.getPixel(35, 35), [10, 20, 30, 255]);
  const b = inkBox(c, (p) => p[0]! < 200 && p[2]! < 200 && p[1]! < 200 && !(p[1]! > 100))!;
  assert.ok(b.x0 >= 30 && b.x1 <= 40 && b.y0 >= 30 && b.y1 <= 40, 'a 9-pixel disc');
  assert.deepEqual(c.getPixel(31, 31), [255, 255, 255, 255], 'corners stay empty');
});

test('dashed lines leave gaps', () => {
  const svg = new SvgSurface(40, 5);
  svg.line(0, 2, 39, 2, [0, 0, 0], { dash: [4, 4] });
  const c = render(svg);
  assert.deepEqual(c.getPixel(0, 2), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(5, 2), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(8, 2), [0, 0, 0, 255]);
});

test('markers are centred on their point', () => {
  for (const kind of ['circle', 'square', 'triangle', 'diamond', 'cross', 'plus'] as const) {
    const svg = new SvgSurface(31, 31);
    svg.marker(kind, 15, 15, 9, [200, 0, 0]);
    const c = render(svg);
    const red = (p: readonly number[]) => p[0]! > 150 && p[1]! < 120;
    assert.ok(red(c.getPixel(15, 15)), `${kind} covers its centre`);
    const b = inkBox(c, red)!;
    assert.ok(Math.abs((b.x0 + b.x1) / 2 - 15) <= 1 && Math.abs((b.y0 + b.y1) / 2 - 15) <= 1, `${kind} centred`);
    assert.ok(b.x1 - b.x0 >= 6 && b.x1 - b.x0 <= 12, `${kind} about 9 wide`);
  }
});

test('translucent colours blend and clipping stops drawing', () => {
  const svg = new SvgSurface(10, 10, { background: [0, 0, 0] });
  svg.fillRect(0, 0, 10, 10, [255, 255, 255, 128]);
  svg.setClip({ x: 0, y: 0, width: 5, height: 10 });
  svg.fillRect(0, 0, 10, 10, [255, 0, 0]);
  svg.setClip(null);
  const c = render(svg);
  const [g] = c.getPixel(7, 3);
  assert.ok(Math.abs(g! - 128) <= 1, `half white over black is ${g}`);
  assert.deepEqual(c.getPixel(4, 0), [255, 0, 0, 255]);
  assert.deepEqual(c.getPixel(5, 0), c.getPixel(7, 3));
});

test('images scale by nearest neighbour, gray expanded, colours exact', () => {
  const svg = new SvgSurface(8, 8);
  svg.image({ width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 150]) }, 0, 0, 8, 8);
  const c = render(svg);
  assert.deepEqual(c.getPixel(3, 3), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(4, 0), [50, 50, 50, 255]);
  assert.deepEqual(c.getPixel(0, 7), [100, 100, 100, 255]);
  assert.deepEqual(c.getPixel(7, 7), [150, 150, 150, 255]);
  assert.throws(() => svg.image({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, 0, 0), /image data has 5 values, expected 2x2x3 \(HxWxC\) = 12/);
  assert.throws(() => new SvgSurface(0, 5), /svg size 5x0 \(HxW\)/);
});
