import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32, decodePng, encodePng, isPng, readPngHeader } from '../../src/image/png.js';
import type { RawImage } from '../../src/image/types.js';

// Fixtures from scripts/fixtures/codecs.py: PNGs written by PIL and by hand, decoded by PIL.
const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const datasets = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));

interface PngCase {
  file: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  data: number[];
  palette?: number[];
  transparency?: number[];
}
const cases = (JSON.parse(readFileSync(fixtureDir + 'codecs.json', 'utf8')) as { png: PngCase[] }).png;
const fixture = (file: string) => readFileSync(fixtureDir + 'codecs/' + file);

/** Deterministic pseudo-random bytes (tests must not depend on Math.random). */
function noise(n: number, seed: number, max = 256): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) % max;
  }
  return out;
}

/** The chunks of a PNG file as [type, data] (CRCs not checked: that is the decoder's job). */
function chunks(png: Uint8Array): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let pos = 8; pos < png.length; ) {
    const len = view.getUint32(pos);
    out.push([Buffer.from(png.subarray(pos + 4, pos + 8)).toString('latin1'), png.subarray(pos + 8, pos + 8 + len)]);
    pos += 12 + len;
  }
  return out;
}

/** Builds a PNG from chunks with correct CRCs, to make precise corruptions. */
function assemble(parts: [string, Uint8Array][]): Buffer {
  const bufs: Buffer[] = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])];
  for (const [type, data] of parts) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    bufs.push(head, Buffer.from(data), tail);
  }
  return Buffer.concat(bufs);
}

test('fixtures cover every colour type, bit depth, interlacing and tRNS kind', () => {
  const kinds = new Set(cases.map((c) => `${c.colorType}/${c.bitDepth}`));
  for (const k of ['0/1', '0/2', '0/4', '0/8', '0/16', '2/8', '2/16', '3/1', '3/2', '3/4', '3/8', '4/8', '4/16', '6/8', '6/16']) {
    assert.ok(kinds.has(k), `no fixture with colour type / bit depth ${k}`);
  }
  assert.ok(cases.filter((c) => c.interlaced).length >= 8);
  assert.deepEqual(new Set(cases.filter((c) => c.transparency).map((c) => c.colorType)), new Set([0, 2, 3]));
});

for (const c of cases) {
  test(`decodePng ${c.file} equals PIL`, () => {
    const png = decodePng(fixture(c.file), c.file);
    assert.deepEqual(
      { width: png.width, height: png.height, channels: png.channels, bitDepth: png.bitDepth, colorType: png.colorType, interlaced: png.interlaced },
      { width: c.width, height: c.height, channels: c.channels, bitDepth: c.bitDepth, colorType: c.colorType, interlaced: c.interlaced },
    );
    assert.ok(png.bitDepth === 16 ? png.data instanceof Uint16Array : png.data instanceof Uint8Array);
    assert.deepEqual(Array.from(png.data), c.data);
    assert.deepEqual(png.palette && Array.from(png.palette), c.palette);
    assert.deepEqual(png.transparency, c.transparency);
  });
}

test('decodePng of a VOC-style label gives palette indices (incl. 255 ignore) and the exact colour map', () => {
  const png = decodePng(fixture('pil-voc-label.png'));
  assert.equal(png.channels, 1);
  assert.deepEqual([...new Set(png.data)].sort((a, b) => a - b), [0, 7, 15, 255]);
  assert.deepEqual(Array.from(png.palette!.subarray(15 * 3, 16 * 3)), [192, 128, 128]); // VOC 'person'
});

test('encodePng -> decodePng round-trips gray, gray+alpha, RGB, RGBA at 8 and 16 bits', () => {
  let seed = 1;
  for (const channels of [1, 2, 3, 4] as const) {
    for (const [width, height] of [[1, 1], [7, 5], [33, 4]] as const) {
      const data8 = noise(width * height * channels, seed++);
      const back8 = decodePng(encodePng({ width, height, channels, data: data8 }));
      assert.equal(back8.channels, channels);
      assert.equal(back8.bitDepth, 8);
      assert.deepEqual(back8.data, data8);
      const data16 = Uint16Array.from(noise(width * height * channels, seed++), (v, i) => v * 257 + (i % 256));
      const back16 = decodePng(encodePng({ width, height, channels, data: data16 }));
      assert.equal(back16.bitDepth, 16);
      assert.deepEqual(back16.data, data16);
    }
  }
});

test('encodePng writes palette PNGs with the smallest bit depth and exact palette', () => {
  for (const [entries, depth] of [[1, 1], [2, 1], [3, 2], [4, 2], [12, 4], [16, 4], [17, 8], [256, 8]] as const) {
    const palette = Array.from({ length: entries }, (_, i) => [i, 255 - i, (i * 37) % 256] as [number, number, number]);
    const width = 13;
    const height = 3;
    const data = noise(width * height, entries, entries);
    const back = decodePng(encodePng({ width, height, channels: 1, data }, { palette }));
    assert.equal(back.colorType, 3);
    assert.equal(back.bitDepth, depth, `${entries} entries`);
    assert.deepEqual(back.data, data);
    assert.deepEqual(Array.from(back.palette!), palette.flat());
  }
  // A flat palette and per-entry alpha (tRNS).
  const data = Uint8Array.of(0, 1, 2, 1);
  const back = decodePng(encodePng({ width: 2, height: 2, channels: 1, data }, { palette: [0, 0, 0, 255, 0, 0, 0, 255, 0], paletteAlpha: [0, 128] }));
  assert.deepEqual(Array.from(back.palette!), [0, 0, 0, 255, 0, 0, 0, 255, 0]);
  assert.deepEqual(back.transparency, [0, 128]);
});

test('re-encoding every fixture keeps its samples (palette fixtures keep indices and palette)', () => {
  for (const c of cases) {
    const png = decodePng(fixture(c.file));
    if (png.bitDepth < 8 && png.colorType !== 3) continue; // encodePng writes 8/16-bit gray
    const palette = png.palette;
    const back = decodePng(encodePng(png as RawImage<Uint8Array | Uint16Array>, palette ? { palette } : {}));
    assert.deepEqual(back.data, png.data, c.file);
    assert.deepEqual(back.palette, palette, c.file);
  }
});

test('encodePng filters photo rows adaptively and leaves palette rows unfiltered', () => {
  const width = 64;
  const height = 16;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set([x * 4, y * 16, (x + y) * 2], (y * width + x) * 3);
  const filterBytes = (png: Buffer, rowBytes: number) => {
    const idat = Buffer.concat(chunks(png).filter(([t]) => t === 'IDAT').map(([, d]) => d));
    const raw = inflateSync(idat);
    return Array.from({ length: raw.length / (rowBytes + 1) }, (_, r) => raw[r * (rowBytes + 1)]);
  };
  const photo = encodePng({ width, height, channels: 3, data: rgb });
  assert.ok(filterBytes(photo, width * 3).some((f) => f !== 0), 'a gradient should use a filter');
  // Filtering pays: the gradient compresses far below its 3 KB of pixels.
  assert.ok(photo.length < 600, `gradient PNG is ${photo.length} bytes`);
  const labels = encodePng({ width, height, channels: 1, data: noise(width * height, 3, 20) }, { palette: new Uint8Array(60) });
  assert.deepEqual(new Set(filterBytes(labels, width)), new Set([0]));
});

test('sharp decodes our PNGs to the same pixels (independent decoder)', async () => {
  const width = 9;
  const height = 7;
  const n = width * height;
  const expand = (data: Uint8Array, channels: number): number[] => {
    // sharp returns gray as RGB (and gray+alpha as RGBA).
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const px = Array.from(data.subarray(i * channels, (i + 1) * channels));
      if (channels <= 2) out.push(px[0]!, px[0]!, px[0]!, ...px.slice(1));
      else out.push(...px);
    }
    return out;
  };
  for (const channels of [1, 2, 3, 4] as const) {
    const data = noise(n * channels, 40 + channels);
    const raw = await sharp(encodePng({ width, height, channels, data })).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(Array.from(raw.data), expand(data, channels), `${channels} channels`);
  }
  const palette = Array.from({ length: 21 }, (_, i) => [(i * 50) % 256, (i * 90) % 256, (i * 130) % 256] as const);
  const indices = noise(n, 7, 21);
  const viaSharp = await sharp(encodePng({ width, height, channels: 1, data: indices }, { palette })).raw().toBuffer();
  assert.deepEqual(Array.from(viaSharp), Array.from(indices, (i) => palette[i]!).flat());
  const alpha = Array.from({ length: 21 }, (_, i) => (i === 0 ? 0 : 200));
  const withAlpha = await sharp(encodePng({ width, height, channels: 1, data: indices }, { palette, paletteAlpha: alpha })).raw().toBuffer();
  assert.deepEqual(Array.from(withAlpha), Array.from(indices, (i) => [...palette[i]!, alpha[i]!]).flat());
  const data16 = Uint16Array.from(noise(n * 3, 9), (v, i) => v * 250 + i);
  const sharp16 = await sharp(encodePng({ width, height, channels: 3, data: data16 })).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
  assert.deepEqual(Array.from(new Uint16Array(sharp16.buffer, sharp16.byteOffset, sharp16.length / 2)), Array.from(data16));
});

test('decodePng agrees with sharp on every 8-bit gray/RGB fixture', async () => {
  for (const c of cases.filter((c) => c.bitDepth === 8 && (c.colorType === 2 || c.colorType === 6) && !c.transparency)) {
    const ours = decodePng(fixture(c.file)).data;
    const theirs = await sharp(fixture(c.file)).raw().toBuffer();
    assert.deepEqual(Array.from(ours), Array.from(theirs), c.file);
  }
});

test('corrupt PNGs give errors naming the file and the problem', () => {
  const good = fixture('pil-rgb8.png');
  const name = 'data/broken.png';
  assert.throws(() => decodePng(Buffer.from('GIF89a...'), name), /data\/broken\.png: not a PNG file: bad signature/);
  const flipped = Buffer.from(good);
  flipped[good.length - 20]! ^= 0x40; // inside the IDAT data
  assert.throws(() => decodePng(flipped, name), /data\/broken\.png: CRC mismatch in chunk IDAT/);
  assert.throws(() => decodePng(good.subarray(0, good.length - 30), name), /data\/broken\.png: truncated chunk IDAT/);
  assert.throws(() => decodePng(good.subarray(0, good.length - 12), name), /broken\.png: truncated: the file ends before the IEND chunk/);
  assert.throws(() => decodePng(good.subarray(0, 20), name), /broken\.png: truncated/);

  const parts = chunks(good);
  const ihdr = parts.find(([t]) => t === 'IHDR')![1];
  const withIhdr = (edit: (h: Uint8Array) => void) => {
    const h = Uint8Array.from(ihdr);
    edit(h);
    return assemble(parts.map(([t, d]) => [t, t === 'IHDR' ? h : d]));
  };
  assert.throws(() => decodePng(withIhdr((h) => (h[8] = 3)), name), /broken\.png: bit depth 3 is not allowed for colour type 2/);
  assert.throws(() => decodePng(withIhdr((h) => (h[9] = 5)), name), /broken\.png: unsupported colour type 5/);
  assert.throws(() => decodePng(withIhdr((h) => (h[12] = 2)), name), /broken\.png: unsupported interlace method 2/);
  // Valid CRCs around bad content: the zlib stream itself, and a too-short stream.
  const badZlib = assemble(parts.map(([t, d]) => [t, t === 'IDAT' ? Uint8Array.of(1, 2, 3, 4) : d]));
  assert.throws(() => decodePng(badZlib, name), /broken\.png: corrupt image data \(zlib/);
  const raw = inflateSync(Buffer.concat(parts.filter(([t]) => t === 'IDAT').map(([, d]) => d)));
  const short = assemble(parts.map(([t, d]) => [t, t === 'IDAT' ? deflateSync(raw.subarray(0, raw.length - 5)) : d]));
  assert.throws(() => decodePng(short, name), /broken\.png: truncated image data/);
  const badFilter = Uint8Array.from(raw);
  badFilter[0] = 9;
  assert.throws(() => decodePng(assemble(parts.map(([t, d]) => [t, t === 'IDAT' ? deflateSync(badFilter) : d])), name), /unknown filter type 9 on row 0/);
  const critical = assemble([...parts.slice(0, 1), ['ZZZZ', new Uint8Array(1)], ...parts.slice(1)]);
  assert.throws(() => decodePng(critical, name), /broken\.png: unsupported critical chunk ZZZZ/);
  const ancillary = assemble([...parts.slice(0, 1), ['zzZz', new Uint8Array(1)], ...parts.slice(1)]);
  assert.deepEqual(decodePng(ancillary).data, decodePng(good).data);
  assert.throws(() => decodePng(assemble(parts.filter(([t]) => t !== 'IDAT')), name), /broken\.png: no IDAT chunk/);
  assert.throws(() => decodePng(Buffer.from('not a png')), /^Error: PNG data: not a PNG file/);
});

test('encodePng rejects bad input with clear errors', () => {
  const img = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.of(0, 1, 2, 3) };
  assert.throws(() => encodePng({ ...img, data: new Uint8Array(3) }, {}, 'out.png'), /out\.png: data has 3 samples, expected 2x2x1 \(HxWxC\) = 4/);
  assert.throws(() => encodePng(img, { palette: [[0, 0, 0], [1, 1, 1]] }, 'out.png'), /out\.png: index 2 at pixel \(0, 1\) is outside the 2-entry palette/);
  assert.throws(() => encodePng(img, { palette: new Uint8Array(257 * 3) }), /palette has 257 colours, expected 1\.\.256/);
  assert.throws(() => encodePng(img, { palette: [0, 0, 0, 300, 0, 0, 0, 0, 0, 0, 0, 0] }), /palette colour 1 has component 300/);
  assert.throws(() => encodePng({ ...img, channels: 3, data: new Uint8Array(12) }, { palette: [[0, 0, 0]] }), /a palette needs 1-channel index data, got 3 channels/);
  assert.throws(() => encodePng({ ...img, width: 0 }), /invalid size 2x0 \(HxW/);
});

test('isPng checks the signature', () => {
  assert.ok(isPng(fixture('pil-gray8.png')));
  assert.ok(!isPng(Uint8Array.of(0xff, 0xd8, 0xff)));
});

test('real data: CamVid photos and labels, membrane masks decode as sharp decodes them', async (t) => {
  const dirs = [datasets + 'camvid/trainannot/', datasets + 'membrane/train/masks/', datasets + 'camvid/train/'];
  if (!dirs.every((d) => existsSync(d))) {
    t.skip(`datasets not found under ${datasets}`);
    return;
  }
  for (const dir of dirs) {
    for (const file of readdirSync(dir).sort().slice(0, 2)) {
      const bytes = readFileSync(dir + file);
      const png = decodePng(bytes, dir + file);
      const photo = dir.endsWith('camvid/train/');
      assert.equal(png.channels, photo ? 3 : 1, file);
      const theirs = photo ? await sharp(bytes).raw().toBuffer() : await sharp(bytes).extractChannel(0).raw().toBuffer();
      assert.deepEqual(Buffer.from(png.data as Uint8Array), theirs, dir + file);
      if (dir.endsWith('trainannot/')) assert.ok(png.data.every((v) => v <= 11), `${file}: CamVid classes are 0..11`);
    }
  }
});

test('a pixel limit refuses an image from its header, before decoding anything', () => {
  // 30000 x 40000 declared in a 60-byte file whose image data is not even valid zlib.
  const ihdr = Uint8Array.of(0, 0, 0x75, 0x30, 0, 0, 0x9c, 0x40, 8, 2, 0, 0, 0);
  const huge = assemble([['IHDR', ihdr], ['IDAT', Uint8Array.of(1, 2, 3)], ['IEND', new Uint8Array(0)]]);
  assert.ok(huge.length < 80);
  assert.throws(
    () => decodePng(huge, 'big/huge.png', { maxPixels: 89_478_485 }),
    /^ImageTooLargeError: big\/huge\.png: 40000x30000 \(HxW\) is 1,200,000,000 pixels, more than the limit of 89,478,485 \(raise it with --max-image-pixels or setMaxImagePixels\)$/,
  );
  assert.deepEqual(readPngHeader(huge.subarray(0, 33), 'big/huge.png'), { width: 30000, height: 40000, bitDepth: 8, colorType: 2, channels: 3, interlaced: false });
  assert.throws(() => readPngHeader(huge.subarray(0, 20), 'cut.png'), /cut\.png: truncated: 20 bytes, too short for the IHDR chunk/);
  // Within the limit the same checks go on to the image data.
  const small = fixture('pil-rgb8.png');
  const { width, height } = readPngHeader(small);
  assert.equal(decodePng(small, 'ok.png', { maxPixels: width * height }).width, width);
  assert.throws(() => decodePng(small, 'ok.png', { maxPixels: width * height - 1 }), /ok\.png: 6x7 \(HxW\) is 42 pixels, more than the limit of 41/);
});
