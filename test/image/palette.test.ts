import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  vocPalette, qualitativePalette, pairedPalette, camvidPalette, paletteFor, colorOf, IGNORE_BLACK,
} from '../../src/image/palette.js';
import { CAMVID_CLASSES } from '../../src/image/classes.js';

test('VOC palette follows the bit-interleaving construction', () => {
  const voc = vocPalette();
  assert.equal(voc.length, 256);
  assert.deepEqual(voc.slice(0, 4), [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]);
  assert.deepEqual(voc[5], [128, 0, 128]);
  assert.deepEqual(voc[15], [192, 128, 128]); // person
  assert.deepEqual(voc[255], [224, 224, 192]); // the void/border colour
});

test('qualitative and paired palettes give distinct colours for any count', () => {
  for (const make of [qualitativePalette, pairedPalette]) {
    const p = make(151); // ADE20K's class count
    assert.equal(p.length, 151);
    assert.equal(new Set(p.map((c) => c.join(','))).size, 151);
    for (const c of p) for (const v of c) assert.ok(Number.isInteger(v) && v >= 0 && v <= 255);
    assert.deepEqual(make(151).slice(0, 5), p.slice(0, 5), 'deterministic');
  }
  // Paired: the first two share a hue (light, then strong).
  const [light, dark] = pairedPalette(2);
  assert.ok(light![0] + light![1] + light![2] > dark![0] + dark![1] + dark![2]);
});

test('paletteFor picks the kind and CamVid has 11 classes plus void', () => {
  assert.deepEqual(paletteFor(21, 'voc')[1], [128, 0, 0]);
  assert.equal(paletteFor(300, 'voc').length, 300);
  assert.deepEqual(paletteFor(3, 'qualitative'), qualitativePalette(3));
  assert.deepEqual(paletteFor(12, 'camvid'), camvidPalette());
  assert.equal(CAMVID_CLASSES.length, 12);
  assert.deepEqual(camvidPalette()[3], [128, 64, 128]); // road
  assert.throws(() => paletteFor(13, 'camvid'), /CamVid defines 12/);
  assert.throws(() => paletteFor(0), /positive integer/);
  assert.throws(() => paletteFor(3, 'rainbow' as never), /not one of/);
});

test('colorOf maps the ignore index to the ignore colour and rejects unknown labels', () => {
  const p = vocPalette(21);
  assert.deepEqual(colorOf(p, 255, 255, IGNORE_BLACK), [0, 0, 0]);
  assert.deepEqual(colorOf(p, 255, 255), [255, 255, 255]);
  assert.deepEqual(colorOf(p, 2, 255), [0, 128, 0]);
  assert.throws(() => colorOf(p, 30), /label 30 has no colour: palette has 21/);
});
