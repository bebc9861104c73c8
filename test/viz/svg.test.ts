import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng } from '../../src/image/png.js';
import { rasterize } from '../../src/viz/raster.js';
import { SvgSurface, escapeXml } from '../../src/viz/svg.js';
import { Pixels } from './pixels.js';

test('SvgSurface writes escaped text, rotated labels, markers and clipped paths', () => {
  const svg = new SvgSurface(100, 50);
  svg.text('a<b & "c"', 10, 10, { align: 'center' });
  svg.text('Z2', 5, 25, { rotate: 90, align: 'center', baseline: 'top' });
  svg.setClip({ x: 0, y: 0, width: 50, height: 50 });
  svg.polyline([0, 0, 10, 10, NaN, NaN, 20, 20, 30, 10], [255, 0, 0, 128], { width: 2, dash: [4, 2] });
  svg.setClip(null);
  svg.marker('circle', 40, 40, 6, 'black');
  svg.marker('cross', 60, 40, 6, 'black');
  const out = svg.toString();
  assert.ok(out.includes('>a&lt;b &amp; &quot;c&quot;</text>'));
  assert.match(out, /text-anchor="middle"/);
  assert.match(out, /transform="rotate\(-90 [\d.]+ 25\)"[^>]*>Z2<\/text>/);
  assert.match(out, /<path clip-path="url\(#clip0\)" d="M0.5 0.5L10.5 10.5M20.5 20.5L30.5 10.5"/);
  assert.match(out, /stroke="#ff0000" stroke-opacity="0.5" stroke-width="2" stroke-dasharray="4 2"/);
  assert.match(out, /<clipPath id="clip0"><rect x="0" y="0" width="50" height="50"\/><\/clipPath>/);
  assert.match(out, /<circle cx="40.5" cy="40.5" r="3" fill="#000000"\/>/);
  assert.equal(out.split('<line').length - 1, 2, 'a cross is two lines');
  assert.equal(escapeXml("it's"), 'it&#39;s');
});

test('images are embedded as PNG holding the same pixels, and drawn crisp', () => {
  const svg = new SvgSurface(10, 10, { background: 'transparent' });
  svg.image({ width: 3, height: 1, channels: 1, data: Uint8Array.from([0, 0, 255]) }, 0, 0, 6, 2);
  const out = svg.toString();
  assert.equal(out.split('<rect').length - 1, 0, 'a transparent background draws no rect');
  const m = /<image x="0" y="0" width="6" height="2" preserveAspectRatio="none" image-rendering="optimizeSpeed" href="data:image\/png;base64,([^"]+)"\/>/.exec(out);
  assert.ok(m, 'one <image> with a PNG data URI');
  const png = decodePng(Buffer.from(m[1]!, 'base64'));
  assert.deepEqual([png.width, png.height, png.channels, Array.from(png.data)], [3, 1, 1, [0, 0, 255]]);
  const c = new Pixels(rasterize(svg));
  assert.deepEqual(c.getPixel(3, 1), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(4, 0), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(6, 0), [255, 255, 255, 255], 'white (transparent) outside the image');
});
