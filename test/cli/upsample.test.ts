// pixelwise upsample: the bilinear transposed convolution on an image file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { readImage } from '../../src/image/files.js';
import { upsampleImage } from '../../src/image/upsample.js';
import { assertOneLineError, cli, cliAll, tempDir } from './helpers.js';

test('upsample writes the image upsampled by N into a new folder, as upsampleImage computes it', async (t) => {
  const dir = tempDir(t, 'upsample');
  // The upsampling tutorial's 3x3 picture: (x + y) / 6 per channel, here on 0..255.
  const input = { width: 3, height: 3, channels: 3 as const, data: Uint8Array.from({ length: 27 }, (_, i) => Math.round((255 * (Math.floor(i / 9) + (Math.floor(i / 3) % 3))) / 6)) };
  const path = join(dir, 'in.png');
  writeFileSync(path, encodePng(input));
  const out = join(dir, 'new', 'up.png');
  const r = await cli(['upsample', path, '--factor', '4', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*up\.png \(12x12 HxW, factor 4, kernel 8\)/);
  const written = await readImage(out);
  const expected = upsampleImage(input, 4);
  assert.deepEqual([written.width, written.height, written.channels], [12, 12, 3]);
  assert.deepEqual(Array.from(written.data), Array.from(expected.data, (v) => Math.min(255, Math.max(0, Math.round(v)))));
});

test('upsample bad input: one-line errors naming the file or option, exit 2 for usage and 1 for the rest, nothing written', async (t) => {
  const dir = tempDir(t, 'upsample-bad');
  const good = join(dir, 'in.png');
  writeFileSync(good, encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 80, 160, 240]) }));
  const fake = join(dir, 'fake.png');
  writeFileSync(fake, 'not a png');
  const out = join(dir, 'out.png');
  const cases: [string[], number, RegExp][] = [
    [[join(dir, 'missing.png'), '--factor', '2', '--out', out], 1, /image .*missing\.png does not exist/],
    [[fake, '--factor', '2', '--out', out], 1, /fake\.png/],
    [[good, '--factor', '0', '--out', out], 2, /--factor expects an integer >= 1, got '0'/],
    [[good, '--out', out], 2, /--factor is required/],
    [[good, '--factor', '2', '--out', join(dir, 'out.jpg')], 2, /--out must name a \.png file/],
    [['--factor', '2', '--out', out], 2, /expected one IMAGE, got 0/],
  ];
  const results = await cliAll(cases.map(([args]) => ['upsample', ...args]));
  results.forEach((r, i) => {
    const [args, code, message] = cases[i]!;
    assert.match(assertOneLineError(r, code, 'upsample'), message, args.join(' '));
  });
  assert.equal(existsSync(out), false, 'no output after any failure');
  assert.equal(existsSync(join(dir, 'out.jpg')), false);
});
