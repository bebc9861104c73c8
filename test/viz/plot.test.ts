import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pixels } from './pixels.js';
import { Figure } from '../../src/viz/figure.js';
import { latentScatter, linePlot, lossCurves, thresholdPlot } from '../../src/viz/plot.js';

const count = (s: string, needle: string) => s.split(needle).length - 1;
const train = [0.0422, 0.0338, 0.0321, 0.0309, 0.0301, 0.0296, 0.0292, 0.0289, 0.0287, 0.0283];
const val = [0.04, 0.035, 0.0335, 0.0322, 0.0318, 0.0316, NaN, 0.0313, 0.0314, 0.0315];

test('loss curves SVG: one path per series, axis labels, title and ticks as real text', () => {
  const fig = lossCurves({ train, val });
  assert.equal(fig.panels.length, 1);
  const svg = fig.toSvg();
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640" height="480"/);
  assert.equal(count(svg, '<path'), 2);
  for (const label of ['epoch', 'loss', 'Loss', 'train loss', 'val loss', '0.040', '10']) {
    assert.ok(svg.includes(`>${label}</text>`), `text ${label}`);
  }
  assert.match(svg, /<text[^>]*transform="rotate\(-90[^>]*>loss<\/text>/, 'y label rotated');
  // The NaN at epoch 7 lifts the pen: the val path has two sub-paths.
  const paths = [...svg.matchAll(/<path[^>]* d="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(count(paths[0]!, 'M'), 1);
  assert.equal(count(paths[1]!, 'M'), 2);
});

test('mIoU gets its own panel and the raster matches the layout', () => {
  const fig = lossCurves({ train, val, miou: [0.2, 0.3, 0.4] });
  assert.equal(fig.panels.length, 2);
  assert.equal(fig.width, 1280);
  const img = fig.toImage();
  assert.deepEqual([img.width, img.height, img.channels], [1280, 480, 3]);
  const c = new Pixels(img);
  // The first train point is drawn in the first series colour at its mapped pixel.
  const [x, y] = fig.toPixel(1, train[0]!);
  const p = c.getPixel(x, y);
  assert.notDeepEqual(p, [255, 255, 255, 255]);
  assert.ok(p[2] > p[0], 'first series is blue');
  assert.ok(fig.toSvg().includes('>best 0.4</text>'));
});

test('the legend never covers data: best corner inside, else outside the plot', () => {
  const fig = lossCurves({ train, val });
  const { legend, plot } = fig.panels[0]!;
  assert.ok(legend);
  const inside = legend.rect.x >= plot.x && legend.rect.x + legend.rect.width <= plot.x + plot.width;
  assert.ok(inside, 'room inside for a falling curve');
  for (const series of [train, val]) {
    series.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      const [x, y] = fig.toPixel(i + 1, v);
      const r = legend.rect;
      assert.ok(!(x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height), `point ${i} under the legend`);
    });
  }
  // A scatter filling the whole plot pushes the legend outside.
  const xs: number[] = [], ys: number[] = [], labels: number[] = [];
  for (let i = 0; i < 40; i++) for (let j = 0; j < 30; j++) { xs.push(i, j); labels.push((i + j) % 3); }
  void ys;
  const full = latentScatter(xs, labels);
  const p = full.panels[0]!;
  assert.ok(p.legend!.rect.x >= p.plot.x + p.plot.width, 'legend outside on the right');
});

test('the latent scatter draws the highlighted point at its pixel, on equal axes', () => {
  const points = [-3, 2, -2.5, 2.5, 1, 0, 1.5, 0.5, 3, -2, 3.5, -1.5];
  const labels = [1, 1, 5, 5, 6, 6];
  const fig = latentScatter(points, labels, { classes: [1, 5, 6], highlight: { x: 2, y: -4 } });
  const c = new Pixels(fig.toImage());
  const [hx, hy] = fig.toPixel(2, -4);
  assert.deepEqual(c.getPixel(hx, hy), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(hx + 5, hy), [0, 0, 0, 255], 'a big marker');
  assert.notDeepEqual(c.getPixel(hx + 12, hy), [0, 0, 0, 255], 'but not huge');
  const [x0, y0] = fig.toPixel(0, 0), [x1] = fig.toPixel(1, 0), [, y1] = fig.toPixel(0, 1);
  assert.ok(Math.abs((x1 - x0) - (y0 - y1)) <= 1, 'one unit is as long on both axes');
  const svg = fig.toSvg();
  for (const t of ['Z1', 'Z2', 'Latent space', '1', '5', '6', 'new data']) assert.ok(svg.includes(`>${t}</text>`), t);
  assert.equal(count(svg, '<circle'), 6 + 1 + 4, 'six points, the highlight, four legend markers');
});

test('empty series, a single point and huge values still make a sensible plot', () => {
  const empty = linePlot([], { title: 'nothing yet' });
  assert.ok(empty.toSvg().includes('>no data</text>'));
  assert.equal(empty.toImage().width, 640);
  const single = linePlot({ name: 'one', y: [3] });
  const p = single.panels[0]!;
  const [x, y] = single.toPixel(0, 3);
  assert.ok(x > p.plot.x && x < p.plot.x + p.plot.width && y > p.plot.y && y < p.plot.y + p.plot.height);
  const c = new Pixels(single.toImage());
  assert.notDeepEqual(c.getPixel(x, y), [255, 255, 255, 255], 'a lone point gets a marker');
  const huge = linePlot({ x: [0, 1e6, 2e6], y: [1e30, 3e30, 2e30] });
  const svg = huge.toSvg();
  assert.ok(svg.includes('>2e30</text>') && svg.includes('>1e6</text>'));
  const allNaN = linePlot({ y: [NaN, Infinity, NaN] });
  assert.ok(allNaN.toSvg().includes('>no data</text>'));
  assert.throws(() => linePlot({ x: [1, 2], y: [1] }), /x has 2 values but y has 1/);
  assert.throws(() => new Figure([{ lines: [] }], { width: 50 }), /panel width 50/);
});

test('log axes drop non-positive values and tick at powers of ten', () => {
  const fig = linePlot({ y: [1, 0.1, 0, -1, 0.001] }, { yScale: 'log' });
  const { y } = fig.panels[0]!;
  assert.ok(y.ticks.includes(0.01) && y.ticks.includes(1));
  assert.ok(Number.isNaN(y.toPixel(0)));
  assert.ok(y.toPixel(0.001) > y.toPixel(1), 'smaller values lower');
});

test('the threshold plot marks the best threshold', () => {
  const t = [0.1, 0.3, 0.5, 0.7, 0.9];
  const iou = [0.5, 0.7, 0.8, 0.6, 0.2];
  const fig = thresholdPlot(t, iou);
  const spec = fig.panels[0]!.spec;
  assert.equal(spec.vLines![0]!.value, 0.5);
  const svg = fig.toSvg();
  assert.ok(svg.includes('>t=0.5  IoU 0.8</text>'));
  assert.ok(svg.includes('>threshold</text>') && svg.includes('>IoU vs threshold</text>'));
  assert.throws(() => thresholdPlot([0.1], [0.2, 0.3]), /1 thresholds but 2 scores/);
});

test('epoch axes tick at whole epochs, and one epoch is not stretched to 0.90-1.10', () => {
  const one = lossCurves({ train: [0.7], val: [0.8], miou: [0.3] });
  for (const p of one.panels) {
    assert.deepEqual(p.x.ticks, [1]);
    assert.ok(p.x.min <= 0.5 && p.x.max >= 1.5, `x axis ${p.x.min}..${p.x.max}`);
  }
  const three = lossCurves({ train: { x: [1, 2, 2.4], y: [0.9, 0.7, 0.65] } });
  assert.deepEqual(three.panels[0]!.x.ticks, [1, 2]);
  assert.ok(linePlot({ y: [1, 2] }).panels[0]!.x.ticks.some((t) => !Number.isInteger(t)), 'plain plots keep fractional ticks');
});

test('the y-axis label keeps clear of the tick labels', () => {
  const fig = lossCurves({ train, val, miou: [0.0091, 0.0102, 0.0125] });
  const c = new Pixels(fig.toImage());
  for (const p of fig.panels) {
    // Columns left of the ticks that hold dark (text) pixels: the rotated label, then the tick labels.
    const inked: boolean[] = [];
    for (let x = p.outer.x; x < p.plot.x - 3; x++) {
      let ink = false;
      for (let y = p.plot.y; y < p.plot.y + p.plot.height && !ink; y++) ink = c.getPixel(x, y)[0] < 160;
      inked.push(ink);
    }
    const label = inked.indexOf(true), labelEnd = inked.indexOf(false, label);
    const ticks = inked.indexOf(true, labelEnd);
    assert.ok(label >= 0 && ticks > labelEnd, `panel ${p.spec.title}: the axis label and the tick labels are separate`);
    assert.ok(labelEnd - label <= 20, `panel ${p.spec.title}: the first block is the one-line label (${labelEnd - label} px wide)`);
    assert.ok(ticks - labelEnd >= 6, `panel ${p.spec.title}: ${ticks - labelEnd} px between the axis label and the tick labels`);
  }
});
