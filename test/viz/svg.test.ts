import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SvgSurface, escapeXml } from '../../src/viz/svg.js';

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

test('images become merged runs of rects', () => {
  const svg = new SvgSurface(10, 10, { background: 'transparent' });
  svg.image({ width: 3, height: 1, channels: 1, data: Uint8Array.from([0, 0, 255]) }, 0, 0, 6, 2);
  const out = svg.toString();
  assert.equal(out.split('<rect').length - 1, 2);
  assert.match(out, /<rect x="0" y="0" width="4" height="2" fill="#000000"\/>/);
  assert.match(out, /<rect x="4" y="0" width="2" height="2" fill="#ffffff"\/>/);
});
