import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/image/types.js';
import { discreteMatshow, relabel, segmentationPanel } from '../../src/viz/legend.js';
import { Pixels } from './pixels.js';
import { vocPalette, qualitativePalette } from '../../src/image/palette.js';
import { displaySize } from '../../src/viz/display.js';
import { measureText } from '../../src/viz/font.js';

const VOC = ['background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'];

type Box = { x0: number; y0: number; x1: number; y1: number };
/**
 * Box of the solid areas of colour `rgb` (pixels whose 3x3 neighbourhood is all `rgb`, grown by
 * one): anti-aliased text has gray edge pixels that may equal a gray class colour such as
 * VOC's car (128, 128, 128), but never a solid 3x3 block.
 */
function boxOf(c: Pixels, rgb: readonly number[], fromX = 0): Box | null {
  const is = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= c.width || y >= c.height) return false;
    const p = c.getPixel(x, y);
    return p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2];
  };
  let b: Box | null = null;
  for (let y = 1; y < c.height - 1; y++) {
    for (let x = Math.max(1, fromX + 1); x < c.width - 1; x++) {
      let solid = true;
      for (let dy = -1; dy <= 1 && solid; dy++) for (let dx = -1; dx <= 1 && solid; dx++) solid = is(x + dx, y + dy);
      if (!solid) continue;
      b = b ? { x0: Math.min(b.x0, x - 1), y0: Math.min(b.y0, y - 1), x1: Math.max(b.x1, x + 1), y1: Math.max(b.y1, y + 1) } : { x0: x - 1, y0: y - 1, x1: x + 1, y1: y + 1 };
    }
  }
  return b;
}

/** Rightmost dark (text) pixel in rows y0..y1 right of x, or -1. */
function inkRight(c: Pixels, x: number, y0: number, y1: number): number {
  let right = -1;
  for (let y = y0; y <= y1; y++) for (let xx = x; xx < c.width; xx++) {
    const [r, g, b] = c.getPixel(xx, y);
    if (r < 100 && g < 100 && b < 100) right = Math.max(right, xx);
  }
  return right;
}

// 8x6: bus on the left, person top right, car bottom right.
const W = 8, H = 6;
const map = { width: W, height: H, data: new Uint8Array(W * H) };
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) map.data[y * W + x] = x < 4 ? 6 : y < 3 ? 15 : 7;

test('relabel returns the present classes and each pixel\'s index among them', () => {
  const { classes, relabelled } = relabel({ width: 3, height: 1, data: [780, 0, 255] }, 255);
  assert.deepEqual(classes, [0, 780]);
  assert.deepEqual(Array.from(relabelled.data), [1, 0, -1]);
});

test('discreteMatshow lists exactly the present classes, in order, with their names', () => {
  const img = discreteMatshow(map, { names: VOC, palette: 'voc', title: 'Segmentation' });
  const c = new Pixels(img);
  const voc = vocPalette(21);
  // The map is drawn upscaled at x = 12 (default display size); the colour bar is right of it.
  const [dw] = displaySize(W, H, 256, 512);
  const mapBox = boxOf(c, voc[6]!)!;
  assert.equal(mapBox.x0, 12);
  const barFrom = 12 + dw + 2;
  for (let k = 1; k < 21; k++) {
    const present = [6, 7, 15].includes(k);
    assert.equal(boxOf(c, voc[k]!) !== null, present, `colour of class ${k} ${present ? 'present' : 'absent'}`);
  }
  const bands = [6, 7, 15].map((k) => boxOf(c, voc[k]!, barFrom)!);
  assert.ok(bands[0]!.y1 < bands[1]!.y0 && bands[1]!.y1 < bands[2]!.y0, 'relabelled order 0 bus, 1 car, 2 person');
  const textX = bands[0]!.x1 + 2;
  const ends = bands.map((b) => inkRight(c, textX, b.y0, b.y1));
  for (const e of ends) assert.ok(e > textX, 'label text next to every band');
  // Each label ends where its measured text ends: '0 bus', '1 car' and '2 person', not other text.
  const width = (t: string) => measureText(t, { scale: 2 }).width;
  assert.ok(Math.abs(ends[1]! - ends[0]! - (width('1 car') - width('0 bus'))) <= 2, `'1 car' ends ${ends[1]! - ends[0]!} px after '0 bus'`);
  assert.ok(Math.abs(ends[2]! - ends[0]! - (width('2 person') - width('0 bus'))) <= 2, `'2 person' ends ${ends[2]! - ends[0]!} px after '0 bus'`);
  assert.equal(inkRight(c, textX, bands[2]!.y1 + 1, c.height - 1), -1, 'nothing listed below the last class');
  // The title is drawn above the map.
  assert.ok(inkRight(c, 0, 0, mapBox.y0 - 2) > 0);
});

test('without a palette the present classes take qualitative colours in order', () => {
  const img = discreteMatshow({ width: 2, height: 1, data: [900, 3] });
  const c = new Pixels(img);
  const [first, second] = qualitativePalette(2);
  // Classes [3, 900] become indices [0, 1]: the left pixel (900) takes the second colour.
  const a = boxOf(c, first!)!, b = boxOf(c, second!)!;
  assert.equal(b.x0, 12);
  assert.ok(a.x0 > 12);
});

test('segmentationPanel shares one legend for classes in truth or prediction', () => {
  const image: RawImage = { width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).fill(90) };
  const truth = { width: W, height: H, data: new Uint8Array(W * H).fill(6) };
  const pred = { width: W, height: H, data: new Uint8Array(W * H).fill(7) };
  pred.data[0] = 255;
  const img = segmentationPanel(image, truth, pred, { names: VOC, palette: 'voc', ignoreIndex: 255, ignoreColor: [255, 0, 255] });
  const c = new Pixels(img);
  const voc = vocPalette(21);
  const truthBox = boxOf(c, voc[6]!)!;
  const predBox = boxOf(c, voc[7]!)!;
  assert.ok(truthBox.x0 < predBox.x0, 'truth panel left of prediction');
  const ignored = boxOf(c, [255, 0, 255])!;
  assert.equal(ignored.x0, predBox.x0, 'the ignore pixel is the prediction\'s top-left, in the ignore colour');
  // Legend swatches: both classes appear again right of the prediction panel, nothing else.
  const [dw] = displaySize(W, H, 256, 512);
  const legendFrom = predBox.x0 + dw + 2;
  const bus = boxOf(c, voc[6]!, legendFrom)!, car = boxOf(c, voc[7]!, legendFrom)!;
  assert.ok(bus.y1 < car.y0);
  assert.equal(boxOf(c, voc[15]!), null);
  assert.ok(inkRight(c, bus.x1 + 1, bus.y0, bus.y1) > bus.x1);
  assert.throws(() => segmentationPanel(image, truth, { width: 2, height: 2, data: [0, 0, 0] }), /has 3 values/);
});
