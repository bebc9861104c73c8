import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropImage, cropLabel, flipImageH, flipImageV, flipLabelH, flipLabelV } from '../../src/data/transforms/geometry.js';
import { normalizeChw, resolveNormalization } from '../../src/image/normalization.js';
import { centerPadding, padImage, padIndex, padLabel, paddingFor } from '../../src/data/transforms/pad.js';
import { finish, prepare, preprocess } from '../../src/data/transforms/pipeline.js';
import { fromChw, toChw } from '../../src/image/convert.js';
import { resizeChw, resizeImage, resizeLabels } from '../../src/image/resize.js';
import type { ChwImage } from '../../src/image/types.js';
import { mixSeed, permutation, Rng } from '../../src/data/transforms/random.js';
import { evalSpec, validatePreprocess, type PadMode } from '../../src/data/transforms/spec.js';
import type { Sample } from '../../src/data/datasets/types.js';

const plane = (width: number, height: number, values: number[], channels = 1): ChwImage => ({ width, height, channels, data: Float32Array.from(values) });
const round = (a: ArrayLike<number>, digits = 4) => Array.from(a, (v) => Number(v.toFixed(digits)));

test('toChw: HWC to CHW; gray to RGB replicates, RGBA drops alpha, RGB to gray is PIL luma', () => {
  const rgba = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.of(255, 0, 0, 9, 10, 20, 30, 9) };
  assert.deepEqual(Array.from(toChw(rgba).data), [255, 10, 0, 20, 0, 30]);
  // PIL: convert('L') of pure red is 76, of (10, 20, 30) is 18.
  assert.deepEqual(Array.from(toChw(rgba, 1).data), [76, 18]);
  const gray = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.of(7, 8) };
  assert.deepEqual(Array.from(toChw(gray, 3).data), [7, 8, 7, 8, 7, 8]);
  const back = fromChw(toChw(rgba));
  assert.deepEqual(Array.from(back.data), [255, 0, 0, 10, 20, 30]);
});

test('bilinear resize equals torch interpolate(align_corners=False)', () => {
  // torch.nn.functional.interpolate(x, size, mode='bilinear', align_corners=False)
  const up = resizeChw(plane(2, 2, [0, 10, 20, 30]), 4, 4, 'bilinear');
  assert.deepEqual(round(up.data), [0, 2.5, 7.5, 10, 5, 7.5, 12.5, 15, 15, 17.5, 22.5, 25, 20, 22.5, 27.5, 30]);
  const ramp = plane(5, 3, Array.from({ length: 15 }, (_, i) => i));
  assert.deepEqual(round(resizeChw(ramp, 3, 2, 'bilinear').data, 3), [1.583, 3.25, 4.917, 9.083, 10.75, 12.417]);
  const wide = resizeChw(ramp, 7, 5, 'bilinear');
  assert.deepEqual(round(wide.data.subarray(7, 14), 3), [2, 2.571, 3.286, 4, 4.714, 5.429, 6]);
  // 8-bit images stay 8-bit, rounded.
  const bytes = resizeChw({ width: 2, height: 2, channels: 1, data: Uint8Array.of(0, 10, 20, 30) }, 4, 4);
  assert.ok(bytes.data instanceof Uint8Array);
  assert.deepEqual(Array.from(bytes.data.subarray(0, 4)), [0, 3, 8, 10]);
});

test('area resize is the exact box average (block means for integer factors)', () => {
  const img = plane(4, 4, Array.from({ length: 16 }, (_, i) => i * 10));
  assert.deepEqual(round(resizeChw(img, 2, 2, 'area').data), [25, 45, 105, 125]);
  // 3 -> 2: output pixel 0 covers source [0, 1.5): weights 1 and 0.5 (over 1.5).
  const three = plane(3, 3, [0, 30, 60, 90, 120, 150, 180, 210, 240]);
  const out = resizeChw(three, 2, 2, 'area');
  assert.deepEqual(round(out.data), [40, 80, 160, 200]);
  // Two channels are resized independently.
  const two = resizeChw(plane(2, 1, [0, 10, 100, 110], 2), 1, 1, 'area');
  assert.deepEqual(round(two.data), [5, 105]);
});

test('resizeImage on interleaved pixels equals resizeChw on the planes (one kernel, both layouts)', () => {
  const rng = new Rng(3);
  const hwc = { width: 7, height: 5, channels: 3 as const, data: Uint8Array.from({ length: 105 }, () => rng.int(0, 255)) };
  for (const mode of ['bilinear', 'area', 'nearest'] as const) {
    for (const [w, h] of [[3, 2], [11, 9], [7, 1]] as const) {
      const direct = resizeImage(hwc, w, h, mode);
      const viaPlanes = fromChw(resizeChw(toChw(hwc, 3), w, h, mode));
      assert.deepEqual(Array.from(direct.data), Array.from(viaPlanes.data), `${mode} ${w}x${h}`);
    }
  }
  assert.throws(() => resizeImage(hwc, 0, 2), /resizeImage: target 2x0 \(HxW\), expected positive integers/);
});

test('nearest label resize never invents values', () => {
  const rng = new Rng(1);
  const values = [3, 7, 9, 255];
  const label = { width: 13, height: 11, data: Uint8Array.from({ length: 143 }, () => rng.pick(values)) };
  for (const [w, h] of [[5, 4], [26, 22], [17, 3], [1, 1], [40, 7]] as const) {
    const out = resizeLabels(label, w, h);
    assert.equal(out.data.length, w * h);
    assert.ok(Array.from(out.data).every((v) => values.includes(v)), `${w}x${h} invented a value`);
  }
  assert.deepEqual(Array.from(resizeLabels({ width: 2, height: 2, data: Uint8Array.of(1, 2, 3, 4) }, 4, 4).data), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  assert.deepEqual(Array.from(resizeLabels({ width: 4, height: 1, data: Uint8Array.of(1, 2, 3, 4) }, 2, 1).data), [2, 4]);
});

test('pad modes equal numpy.pad in 1-d, also wider than the array', () => {
  // np.pad([1, 2, 3], (7, 8), mode)
  const expected: Record<string, number[]> = {
    reflect: [2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3],
    symmetric: [1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2],
    wrap: [3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2],
    edge: [1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3],
  };
  for (const [mode, want] of Object.entries(expected)) {
    const out = padImage(plane(3, 1, [1, 2, 3]), { top: 0, bottom: 0, left: 7, right: 8 }, mode as PadMode);
    assert.deepEqual(Array.from(out.data), want, mode);
  }
  // np.pad([1, 2], (5, 4), 'reflect'); np.pad([5], (2, 3), 'reflect'); np.pad([1, 2, 3, 4], (9, 7), ...)
  assert.deepEqual(Array.from({ length: 11 }, (_, i) => [1, 2][padIndex(i - 5, 2, 'reflect')]), [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
  assert.deepEqual(Array.from({ length: 6 }, (_, i) => padIndex(i - 2, 1, 'reflect')), [0, 0, 0, 0, 0, 0]);
  const four = (mode: PadMode) => Array.from({ length: 20 }, (_, i) => padIndex(i - 9, 4, mode) + 1);
  assert.deepEqual(four('reflect'), [4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3]);
  assert.deepEqual(four('symmetric'), [1, 1, 2, 3, 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1, 2, 3]);
  assert.equal(padIndex(-1, 3, 'constant'), -1);
});

test('pad modes equal numpy.pad in 2-d', () => {
  // np.pad(np.arange(6).reshape(2, 3), ((3, 2), (4, 5)), mode)
  const a = plane(3, 2, [0, 1, 2, 3, 4, 5]);
  const p = { top: 3, bottom: 2, left: 4, right: 5 };
  const rows = (m: PadMode) => {
    const out = padImage(a, p, m);
    return Array.from({ length: out.height }, (_, y) => Array.from(out.data.subarray(y * out.width, (y + 1) * out.width)));
  };
  const evenR = [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4];
  const oddR = [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1];
  assert.deepEqual(rows('reflect'), [evenR, oddR, evenR, oddR, evenR, oddR, evenR]);
  const s5 = [5, 5, 4, 3, 3, 4, 5, 5, 4, 3, 3, 4];
  const s2 = [2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1];
  assert.deepEqual(rows('symmetric'), [s5, s5, s2, s2, s5, s5, s2]);
  const w5 = [5, 3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4];
  const w2 = [2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1];
  assert.deepEqual(rows('wrap'), [w5, w2, w5, w2, w5, w2, w5]);
  // np.pad(a, ((1, 2), (2, 1)), 'edge')
  const edge = padImage(a, { top: 1, bottom: 2, left: 2, right: 1 }, 'edge');
  assert.deepEqual(Array.from(edge.data), [0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5, 3, 3, 3, 4, 5, 5, 3, 3, 3, 4, 5, 5]);
  const constant = padImage(a, { top: 1, bottom: 0, left: 0, right: 1 }, 'constant', 9);
  assert.deepEqual(Array.from(constant.data), [9, 9, 9, 9, 0, 1, 2, 9, 3, 4, 5, 9]);
});

test('pad 101 to 128 splits ((14, 13), (14, 13)) as the seed notebook does, labels alike', () => {
  assert.deepEqual(centerPadding(101, 128), [14, 13]);
  assert.deepEqual(paddingFor({ width: 128, height: 128 }, 101, 101), { top: 14, bottom: 13, left: 14, right: 13 });
  const img = plane(101, 101, Array.from({ length: 101 * 101 }, (_, i) => i));
  const out = padImage(img, paddingFor({ width: 128, height: 128 }, 101, 101), 'reflect');
  assert.deepEqual([out.width, out.height], [128, 128]);
  // numpy reflect: padded[y][x] = a[|y - 14|][|x - 14|] near the top-left corner.
  assert.equal(out.data[0], img.data[14 * 101 + 14]);
  assert.equal(out.data[14 * 128 + 14], img.data[0]);
  assert.equal(out.data[127 * 128 + 127], img.data[(100 - 13) * 101 + (100 - 13)]);
  const label = padLabel({ width: 2, height: 1, data: Uint8Array.of(1, 2) }, { top: 0, bottom: 0, left: 1, right: 2 }, 'constant', 255);
  assert.deepEqual(Array.from(label.data), [255, 1, 2, 255, 255]);
  assert.deepEqual(Array.from(padLabel({ width: 2, height: 1, data: Uint8Array.of(1, 2) }, { top: 0, bottom: 0, left: 1, right: 1 }, 'symmetric').data), [1, 1, 2, 2]);
});

test('flips and crops move image and label together', () => {
  const img = plane(3, 2, [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60], 2);
  const label = { width: 3, height: 2, data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
  assert.deepEqual(Array.from(flipImageH(img).data), [3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40]);
  assert.deepEqual(Array.from(flipLabelH(label).data), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(flipImageV(img).data), [4, 5, 6, 1, 2, 3, 40, 50, 60, 10, 20, 30]);
  assert.deepEqual(Array.from(flipLabelV(label).data), [4, 5, 6, 1, 2, 3]);
  assert.deepEqual(Array.from(cropImage(img, 1, 1, 2, 1).data), [5, 6, 50, 60]);
  assert.deepEqual(Array.from(cropLabel(label, 1, 0, 2, 2).data), [2, 3, 5, 6]);
  assert.throws(() => cropImage(img, 2, 0, 2, 1), /does not fit in 2x3/);
});

test('normalisation presets: unit, VGG means, ImageNet mean/std, per-channel checks', () => {
  const img = { width: 1, height: 1, channels: 3, data: Uint8Array.of(255, 128, 0) };
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('unit')).data), [1, 0.502, 0]);
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('vgg')).data, 2), [131.32, 11.22, -103.94]);
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('imagenet')).data, 4), [2.2489, 0.2052, -1.8044]);
  assert.deepEqual(round(normalizeChw(img, resolveNormalization({ mean: [128], std: [2] })).data), [63.5, 0, -64]);
  const gray = { width: 1, height: 1, channels: 1, data: Uint8Array.of(5) };
  assert.throws(() => normalizeChw(gray, resolveNormalization('vgg')), /mean has 3 values for a 1-channel image/);
});

test('the normalisation record: BGR with 0..255 (Caffe), Keras modes, and the legacy form older checkpoints stored', () => {
  const img = { width: 1, height: 1, channels: 3, data: Uint8Array.of(255, 128, 0) };
  // Caffe: channels reversed (B, G, R), minus the mean pixel in that order.
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('caffe')).data, 5), [0 - 104.00699, 128 - 116.66877, 255 - 122.67892].map((v) => Number(v.toFixed(5))));
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('keras-caffe')).data, 3), [-103.939, 11.221, 131.32]);
  assert.deepEqual(round(normalizeChw(img, resolveNormalization('keras-tf')).data, 4), [1, 0.0039, -1]);
  // Legacy {scale, mean, std}: range = 255 * scale, RGB; the presets they stood for give the same numbers.
  assert.deepEqual(resolveNormalization({ scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }), resolveNormalization('imagenet'));
  assert.deepEqual(resolveNormalization({ scale: 1, mean: [123.68, 116.78, 103.94], std: [1] }), resolveNormalization('vgg'));
  assert.deepEqual(resolveNormalization(undefined), resolveNormalization('unit'));
  assert.throws(() => resolveNormalization({ channelOrder: 'grb' }), /channelOrder is "grb", expected 'rgb' or 'bgr'/);
  assert.throws(() => resolveNormalization({ range: 1, scale: 2 }), /mixes range \(the record\) and scale/);
  assert.throws(() => resolveNormalization({ range: 1, std: [0] }), /std is \[0\], expected a list of non-zero numbers/);
});

test('validatePreprocess names the bad field', () => {
  assert.deepEqual(validatePreprocess(undefined), {});
  assert.throws(() => validatePreprocess({ resize: { width: 0, height: 3 } }), /resize\.width is 0/);
  assert.throws(() => validatePreprocess({ pad: { width: 128, mode: 'mirror' } }), /pad\.mode is "mirror".*numpy/);
  assert.throws(() => validatePreprocess({ augment: { scale: [2, 1] } }), /augment\.scale/);
  // 'caffe' is a preset now (BGR, Caffe's mean pixel); an unknown name is the error.
  assert.throws(() => validatePreprocess({ normalize: 'cafe' }), /preprocess spec: normalize: "cafe" is no preset, expected none, unit, imagenet/);
  assert.deepEqual(validatePreprocess({ normalize: 'caffe' }).normalize, { channelOrder: 'bgr', range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1] });
  assert.throws(() => validatePreprocess({ rezise: {} }), /unknown field "rezise"/);
  const spec = { resize: { width: 4, height: 4 }, augment: { hflip: true } };
  assert.deepEqual(evalSpec(validatePreprocess(spec)), { resize: { width: 4, height: 4 } });
});

/** A sample whose red value is 10 x its label everywhere, to check alignment after augmentation. */
function alignedSample(w: number, h: number): Sample {
  const rng = new Rng(7);
  const label = Uint8Array.from({ length: w * h }, () => rng.int(0, 5));
  const image = new Uint8Array(w * h * 3);
  label.forEach((v, i) => image.set([v * 10, i % 256, 3], 3 * i));
  return { name: 'aligned', image: { width: w, height: h, channels: 3, data: image }, label: { width: w, height: h, data: label } };
}

test('augmentation keeps image and label aligned; crops larger than the image pad labels with the ignore index', () => {
  const sample = alignedSample(9, 7);
  const spec = { normalize: 'none' as const, augment: { crop: { width: 6, height: 5 }, hflip: 0.5, vflip: 0.5 } };
  const seen = new Set<string>();
  for (let epoch = 0; epoch < 12; epoch++) {
    const out = preprocess(sample, spec, { ignoreIndex: 255 }, new Rng(mixSeed(3, epoch, 0)));
    assert.deepEqual([out.width, out.height, out.channels], [6, 5, 3]);
    for (let i = 0; i < 30; i++) assert.equal(out.image[i], out.label![i]! * 10, `epoch ${epoch} pixel ${i}`);
    seen.add(Array.from(out.label!).join());
  }
  assert.ok(seen.size > 4, 'different epochs draw different crops and flips');
  const big = preprocess(sample, { normalize: 'none', augment: { crop: { width: 12, height: 8 } } }, { ignoreIndex: 255 }, new Rng(1));
  const padded = Array.from(big.label!).filter((v) => v === 255).length;
  assert.equal(padded, 12 * 8 - 9 * 7);
  for (let i = 0; i < 96; i++) if (big.label![i] === 255) assert.equal(big.image[i], 0);
  // An explicit labelValue (train --ignore-index overriding the dataset's) wins.
  const filled = preprocess(sample, { normalize: 'none', augment: { crop: { width: 12, height: 8 }, labelValue: 7 } }, { ignoreIndex: 255 }, new Rng(1));
  assert.equal(Array.from(filled.label!).filter((v) => v === 7).length, 12 * 8 - 9 * 7);
  assert.ok(!filled.label!.includes(255));
});

test('random scale resizes labels by nearest only; same seed gives the same sample', () => {
  const sample = alignedSample(16, 12);
  const spec = { augment: { scale: [0.5, 2] as [number, number], hflip: true } };
  const a = preprocess(sample, spec, { ignoreIndex: null }, new Rng(42));
  const b = preprocess(sample, spec, { ignoreIndex: null }, new Rng(42));
  assert.deepEqual(a, b);
  assert.ok(a.width !== 16 || a.height !== 12);
  assert.ok(Array.from(a.label!).every((v) => v >= 0 && v <= 5));
  assert.ok(a.label instanceof Int32Array);
  assert.equal(a.image.length, 3 * a.width * a.height);
});

test('prepare applies channels, resize (labels nearest) and pad (labels with the ignore index); finish is channels-first float32', () => {
  const sample = alignedSample(4, 4);
  const prepared = prepare(sample, { channels: 1, resize: { width: 2, height: 2, mode: 'area' }, pad: { width: 3, height: 3 } }, { ignoreIndex: 99 });
  assert.deepEqual([prepared.image.width, prepared.image.height, prepared.image.channels], [3, 3, 1]);
  assert.ok(prepared.image.data instanceof Uint8Array);
  // before = ceil(1 / 2) = 1: the top row and left column are padding.
  assert.deepEqual(Array.from(prepared.label!.data).filter((_, i) => i < 3 || i % 3 === 0), [99, 99, 99, 99, 99]);
  const done = finish(prepared, { normalize: 'unit' }, { ignoreIndex: 99 });
  assert.ok(done.image instanceof Float32Array);
  assert.equal(done.image.length, 9);
  assert.ok(done.image.every((v) => v >= 0 && v <= 1));
});

test('permutation is reproducible per (seed, epoch) and differs across epochs', () => {
  assert.deepEqual(permutation(50, 1, 3), permutation(50, 1, 3));
  assert.notDeepEqual(permutation(50, 1, 3), permutation(50, 1, 4));
  assert.notDeepEqual(permutation(50, 1, 3), permutation(50, 2, 3));
  assert.deepEqual([...permutation(50, 9, 0)].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});
