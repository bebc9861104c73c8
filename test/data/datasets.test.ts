import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { ihdrBytes, pngChunk, SIGNATURE } from '../../src/image/png-chunks.js';
import { setMaxImagePixels } from '../../src/image/limits.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClassInfo } from '../../src/data/classes.js';
import { ADE20K_CLASS_NAMES, VOC_CLASS_NAMES } from '../../src/image/classes.js';
import { datasetSplits, openDataset } from '../../src/data/datasets/open.js';
import type { Dataset } from '../../src/data/datasets/types.js';
import { encodePng } from '../../src/image/png.js';
import { writeNpy } from '../../src/data/npy.js';
import { vocPalette } from '../../src/image/palette.js';
import { cleanup, folderColors, makeAde20k, makeCamvid, makeFolder, makeMnist, makeNpy, makeVoc, patternLabel, tempDir } from './make-datasets.js';

const sharedDatasets = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));

async function labelsOf(ds: Dataset, i: number): Promise<number[]> {
  const s = await ds.get(i);
  assert.ok(s.label, `sample ${i} has a label`);
  return Array.from(s.label.data);
}

function expectedPattern(k: number, w: number, h: number, n: number, map: (v: number) => number = (v) => v): number[] {
  return Array.from({ length: w * h }, (_, i) => map(patternLabel(k, i % w, Math.floor(i / w), n)));
}

test('folder: index masks matched by stem, values exact, image decoded', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { count: 3, numClasses: 3, classesJson: { names: ['bg', 'a', 'b'] } });
    const ds = await openDataset({ format: 'folder', root: dir });
    assert.equal(ds.length, 3);
    assert.deepEqual([0, 1, 2].map((i) => ds.name(i)), ['img_0', 'img_1', 'img_2']);
    assert.deepEqual(ds.classNames, ['bg', 'a', 'b']);
    assert.equal(ds.numClasses, 3);
    assert.equal(ds.ignoreIndex, null);
    assert.equal(ds.hasLabels, true);
    const s = await ds.get(1);
    assert.equal(s.name, 'img_1');
    assert.deepEqual([s.image.width, s.image.height, s.image.channels], [6, 4, 3]);
    assert.equal(s.image.data[0], patternLabel(1, 0, 0, 3) * 10);
    assert.deepEqual(await labelsOf(ds, 1), expectedPattern(1, 6, 4, 3));
    assert.deepEqual(ds.sources(1), [join(dir, 'images', 'img_1.png'), join(dir, 'masks', 'img_1.png')]);
  } finally {
    cleanup(dir);
  }
});

test('folder: palette masks give palette indices and bring their colours', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { numClasses: 4, masks: 'palette', split: 'train' });
    const ds = await openDataset({ format: 'folder', root: dir, split: 'train', numClasses: 4 });
    assert.deepEqual(await labelsOf(ds, 2), expectedPattern(2, 6, 4, 4));
    assert.deepEqual(ds.palette, vocPalette(4));
    assert.deepEqual(datasetSplits({ format: 'folder', root: dir }), ['train']);
  } finally {
    cleanup(dir);
  }
});

test('folder: 0/255 binary masks become 0/1 without any class information', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { masks: 'binary' });
    const ds = await openDataset({ format: 'folder', root: dir });
    assert.deepEqual(ds.classNames, ['background', 'foreground']);
    assert.equal(ds.spec.format === 'folder' && ds.spec.maskMode, 'binary');
    assert.deepEqual(await labelsOf(ds, 0), expectedPattern(0, 6, 4, 2));
    // Colours that show over gray EM images and as legend swatches on white: saturated, distinct, neither black nor white.
    assert.equal(ds.palette.length, 2);
    for (const [r, g, b] of ds.palette) assert.ok(Math.max(r, g, b) - Math.min(r, g, b) >= 150, `[${r}, ${g}, ${b}] is nearly gray`);
    assert.notDeepEqual(ds.palette[0], ds.palette[1]);
    // An explicit threshold above 255 is refused with the value named.
    await assert.rejects(openDataset({ format: 'folder', root: dir, threshold: 300 }), /threshold 300/);
  } finally {
    cleanup(dir);
  }
});

test('folder: 8-bit 0/1 masks are already classes 0/1 (not thresholded to all background)', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { numClasses: 2 });
    const ds = await openDataset({ format: 'folder', root: dir });
    assert.deepEqual(ds.classNames, ['background', 'foreground']);
    const want = expectedPattern(1, 6, 4, 2);
    assert.ok(want.includes(1));
    assert.deepEqual(await labelsOf(ds, 1), want);
    // A worker reopens from the filled spec and must read the same labels.
    assert.deepEqual(await labelsOf(await openDataset(ds.spec), 1), want);
  } finally {
    cleanup(dir);
  }
});

test('folder: RGB colour masks map through classes.json colours; unknown colours name the file', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { masks: 'color', numClasses: 3, classesJson: { classes: folderColors(3).map((color, i) => ({ name: `c${i}`, color })) } });
    const ds = await openDataset({ format: 'folder', root: dir });
    assert.deepEqual(await labelsOf(ds, 1), expectedPattern(1, 6, 4, 3));
    // A colour that is no class: the error names the mask and the colour.
    writeFileSync(join(dir, 'masks', 'img_2.png'), encodePng({ width: 6, height: 4, channels: 3, data: new Uint8Array(72).fill(7) }));
    await assert.rejects(ds.get(2), (e: Error) => e.message.includes(join(dir, 'masks', 'img_2.png')) && e.message.includes('(7, 7, 7)'));
  } finally {
    cleanup(dir);
  }
});

test('folder: classes.json ignore index allowed, other out-of-range values are errors naming the mask', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { count: 2, numClasses: 3, classesJson: { names: ['a', 'b', 'c'], ignoreIndex: 255 } });
    const bad = Uint8Array.from({ length: 24 }, (_, i) => (i === 5 ? 255 : i === 7 ? 9 : 0));
    writeFileSync(join(dir, 'masks', 'img_1.png'), encodePng({ width: 6, height: 4, channels: 1, data: bad }));
    const ds = await openDataset({ format: 'folder', root: dir });
    assert.equal(ds.ignoreIndex, 255);
    await assert.rejects(ds.get(1), (e: Error) => e.message.startsWith(join(dir, 'masks', 'img_1.png')) && /label value 9 at \(x 1, y 1\)/.test(e.message));
    bad[7] = 2;
    writeFileSync(join(dir, 'masks', 'img_1.png'), encodePng({ width: 6, height: 4, channels: 1, data: bad }));
    assert.equal((await labelsOf(ds, 1))[5], 255);
  } finally {
    cleanup(dir);
  }
});

test('folder: missing masks, masks without images, size mismatch, unreadable files and missing folders are named', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { count: 3, classesJson: ['a', 'b', 'c'] });
    await assert.rejects(openDataset({ format: 'folder', root: join(dir, 'nope') }), (e: Error) => e.message.includes(join(dir, 'nope')) && /not found/.test(e.message));
    renameSync(join(dir, 'masks', 'img_0.png'), join(dir, 'masks', 'orphan.png'));
    await assert.rejects(openDataset({ format: 'folder', root: dir }), (e: Error) => e.message.includes(join(dir, 'images', 'img_0.png')) && e.message.includes(join(dir, 'masks', 'orphan.png')));
    const lenient = await openDataset({ format: 'folder', root: dir }, { lenient: true });
    assert.equal(lenient.length, 2);
    assert.deepEqual(lenient.problems.map((p) => p.kind).sort(), ['missing-image', 'missing-mask']);
    unlinkSync(join(dir, 'masks', 'orphan.png'));
    unlinkSync(join(dir, 'images', 'img_0.png'));
    writeFileSync(join(dir, 'masks', 'img_1.png'), encodePng({ width: 5, height: 4, channels: 1, data: new Uint8Array(20) }));
    writeFileSync(join(dir, 'images', 'img_2.png'), Buffer.from('not a png at all'));
    const ds = await openDataset({ format: 'folder', root: dir });
    await assert.rejects(ds.get(0), (e: Error) => e.message.startsWith(join(dir, 'masks', 'img_1.png')) && /label map is 4x5 but its image .* is 4x6 \(HxW\)/.test(e.message));
    await assert.rejects(ds.get(1), (e: Error) => e.message.startsWith(join(dir, 'images', 'img_2.png')));
  } finally {
    cleanup(dir);
  }
});

test('folder: a JPEG or an empty file named .png as a mask, a symlink loop, an image over the pixel limit: one clear line each', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { count: 5, classesJson: ['a', 'b', 'c'] });
    const mask = (k: number): string => join(dir, 'masks', `img_${k}.png`);
    writeFileSync(mask(1), await sharp({ create: { width: 6, height: 4, channels: 3, background: '#000' } }).jpeg().toBuffer());
    writeFileSync(mask(2), new Uint8Array(0));
    unlinkSync(mask(3));
    symlinkSync(mask(3), mask(3)); // a link to itself
    // A PNG that declares 20000x20000 pixels in a few dozen bytes: refused from its header.
    const ihdr = ihdrBytes(20000, 20000, 8, 2);
    writeFileSync(join(dir, 'images', 'img_4.png'), Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', Uint8Array.of(1, 2, 3)), pngChunk('IEND', new Uint8Array(0))]));
    const ds = await openDataset({ format: 'folder', root: dir });
    const error = async (i: number): Promise<string> => {
      try {
        await ds.get(i);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    assert.equal(await error(1), `${mask(1)}: a JPEG file, not a PNG (whatever its name); label maps must be lossless: JPEG blurs class boundaries into other values`);
    assert.equal(await error(2), `${mask(2)}: empty file (0 bytes), expected a PNG`);
    assert.equal(await error(3), `${mask(3)}: a symbolic link that leads back to itself (a symlink loop)`);
    const huge = join(dir, 'images', 'img_4.png');
    assert.equal(await error(4), `${huge}: 20000x20000 (HxW) is 400,000,000 pixels, more than the limit of 178,956,970 (raise it with --max-image-pixels or setMaxImagePixels)`);
    for (const i of [1, 2, 3, 4]) assert.equal((await error(i)).split('\n').length, 1);
    // A lower limit refuses ordinary images too; the data check reports them as too large.
    const previous = setMaxImagePixels(20);
    try {
      assert.match(await error(0), /img_0\.png: 4x6 \(HxW\) is 24 pixels, more than the limit of 20/);
    } finally {
      setMaxImagePixels(previous);
    }
  } finally {
    cleanup(dir);
  }
});

test('folder: gray masks with many values and no class count ask for classes.json', async () => {
  const dir = tempDir();
  try {
    makeFolder(dir, { numClasses: 5 });
    await assert.rejects(openDataset({ format: 'folder', root: dir }), /classes\.json/);
    const ds = await openDataset({ format: 'folder', root: dir, numClasses: 5 });
    assert.deepEqual(ds.classNames, ['class 0', 'class 1', 'class 2', 'class 3', 'class 4']);
  } finally {
    cleanup(dir);
  }
});

test('classes.json forms and errors', () => {
  assert.deepEqual(parseClassInfo(['a', 'b']), { names: ['a', 'b'], ignoreIndex: null });
  assert.deepEqual(parseClassInfo({ names: ['a', 'b'], colors: ['#ff0000', [0, 0, 255]], ignore_index: 255 }), {
    names: ['a', 'b'],
    colors: [[255, 0, 0], [0, 0, 255]],
    ignoreIndex: 255,
  });
  assert.throws(() => parseClassInfo({ names: ['a'], colors: [[1, 2]] }, 'x/classes.json'), /x\/classes\.json: class 0 \(a\) colour/);
  assert.throws(() => parseClassInfo({ names: [] }), /no classes/);
});

test('camvid: SegNet layout, 11 classes, void 11 kept as the ignore index, splits found', async () => {
  const dir = tempDir();
  try {
    makeCamvid(dir, { train: 3, val: 2 });
    assert.deepEqual(datasetSplits({ format: 'camvid', root: dir, split: 'train' }), ['train', 'val']);
    const train = await openDataset({ format: 'camvid', root: dir, split: 'train' });
    const val = await openDataset({ format: 'camvid', root: dir, split: 'val' });
    assert.equal(train.length, 3);
    assert.equal(val.length, 2);
    assert.equal(train.numClasses, 11);
    assert.equal(train.ignoreIndex, 11);
    assert.equal(train.classNames[0], 'sky');
    const labels = await labelsOf(train, 0);
    assert.deepEqual(labels, expectedPattern(0, 8, 5, 12));
    assert.ok(labels.includes(11));
    writeFileSync(join(dir, 'valannot', val.name(1) + '.png'), encodePng({ width: 8, height: 5, channels: 1, data: new Uint8Array(40).fill(12) }));
    await assert.rejects(val.get(1), (e: Error) => e.message.includes(join(dir, 'valannot')) && /label value 12/.test(e.message));
    await assert.rejects(openDataset({ format: 'camvid', root: dir, split: 'test' }), (e: Error) => e.message.includes(join(dir, 'test')));
  } finally {
    cleanup(dir);
  }
});

test('voc: JPEG photos, palette labels with 255 ignored, 21 class names, split lists', async () => {
  const dir = tempDir();
  try {
    await makeVoc(dir);
    assert.equal(VOC_CLASS_NAMES.length, 21);
    assert.deepEqual(datasetSplits({ format: 'voc', root: dir, split: 'train' }), ['train', 'val']);
    const train = await openDataset({ format: 'voc', root: join(dir, 'VOCdevkit'), split: 'train' });
    const val = await openDataset({ format: 'voc', root: dir, split: 'val' });
    assert.equal(train.length, 2);
    assert.equal(val.length, 1);
    assert.deepEqual([train.name(0), train.name(1)], ['2007_000032', '2007_000039']);
    assert.equal(train.ignoreIndex, 255);
    assert.deepEqual(train.classNames, VOC_CLASS_NAMES);
    const s = await train.get(1);
    assert.deepEqual([s.image.width, s.image.height, s.image.channels], [10, 7, 3]);
    const expected = Array.from({ length: 70 }, (_, i) => (i % 10 === 0 ? 255 : patternLabel(1, i % 10, Math.floor(i / 10), 21)));
    assert.deepEqual(Array.from(s.label!.data), expected);
    // A listed id whose label is missing is named.
    unlinkSync(join(dir, 'VOCdevkit', 'VOC2012', 'SegmentationClass', '2007_000033.png'));
    await assert.rejects(openDataset({ format: 'voc', root: dir, split: 'val' }), /2007_000033\.png/);
  } finally {
    cleanup(dir);
  }
});

test('ade20k: 0 becomes ignore and labels shift down by one, gray JPEGs become RGB, 150 names', async () => {
  const dir = tempDir();
  try {
    await makeAde20k(dir);
    assert.equal(ADE20K_CLASS_NAMES.length, 150);
    assert.equal(new Set(ADE20K_CLASS_NAMES).size, 150);
    assert.deepEqual([ADE20K_CLASS_NAMES[0], ADE20K_CLASS_NAMES[149]], ['wall', 'flag']);
    const ds = await openDataset({ format: 'ade20k', root: dir, split: 'train' });
    assert.equal(ds.length, 2);
    assert.equal(ds.numClasses, 150);
    assert.equal(ds.ignoreIndex, 255);
    assert.deepEqual(await labelsOf(ds, 0), expectedPattern(0, 9, 6, 151, (v) => (v === 0 ? 255 : v - 1)));
    const gray = await ds.get(1);
    assert.equal(gray.image.channels, 3);
    const val = await openDataset({ format: 'ade20k', root: dir, split: 'validation' });
    assert.equal(val.length, 1);
    writeFileSync(join(dir, 'annotations', 'validation', `${val.name(0)}.png`), encodePng({ width: 9, height: 6, channels: 1, data: new Uint8Array(54).fill(151) }));
    await assert.rejects(val.get(0), /label value 151/);
  } finally {
    cleanup(dir);
  }
});

test('npy: one-hot and index labels give the same classes; train/val split takes the last fraction as val', async () => {
  const dir = tempDir();
  try {
    const paths = makeNpy(dir, 5, 4, 3, 3);
    const byIndex = await openDataset({ format: 'npy', root: dir, images: 'images.npy', labels: 'labels.npy' });
    const byOneHot = await openDataset({ format: 'npy', root: dir, images: 'images.npy', labels: 'onehot.npy' });
    assert.equal(byIndex.numClasses, 3);
    assert.equal(byOneHot.numClasses, 3);
    assert.equal(byOneHot.spec.format === 'npy' && byOneHot.spec.labelEncoding, 'onehot');
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await labelsOf(byOneHot, i), expectedPattern(i, 4, 3, 3));
      assert.deepEqual(await labelsOf(byIndex, i), await labelsOf(byOneHot, i));
    }
    const s = await byIndex.get(2);
    assert.deepEqual([s.image.width, s.image.height, s.image.channels, s.name], [4, 3, 3, '2']);
    assert.equal(s.image.data[0], patternLabel(2, 0, 0, 3) * 10);
    const val = await openDataset({ format: 'npy', images: paths.images, labels: paths.index, split: 'val', valFraction: 0.4 });
    const train = await openDataset({ format: 'npy', images: paths.images, labels: paths.index, split: 'train', valFraction: 0.4 });
    assert.deepEqual([train.length, val.length, val.name(0)], [3, 2, '3']);
    // Labels that do not match the images are refused, naming the file.
    writeNpy(join(dir, 'short.npy'), { shape: [4, 3, 4], dtype: 'uint8', data: new Uint8Array(48) });
    await assert.rejects(openDataset({ format: 'npy', root: dir, images: 'images.npy', labels: 'short.npy' }), (e: Error) => e.message.includes(join(dir, 'short.npy')));
    await assert.rejects(openDataset({ format: 'npy', root: dir, images: 'missing.npy' }), (e: Error) => e.message.includes(join(dir, 'missing.npy')));
  } finally {
    cleanup(dir);
  }
});

test('npy: 0/255 masks are binary, float images stay float, out-of-range index labels name the file', async () => {
  const dir = tempDir();
  try {
    writeNpy(join(dir, 'x.npy'), { shape: [2, 2, 2], dtype: 'float32', data: Float32Array.of(0, 0.25, 0.5, 1, 1, 1, 0, 0) });
    writeNpy(join(dir, 'm.npy'), { shape: [2, 2, 2, 1], dtype: 'uint8', data: Uint8Array.of(0, 255, 255, 0, 0, 0, 255, 255) });
    const ds = await openDataset({ format: 'npy', root: dir, images: 'x.npy', labels: 'm.npy' });
    assert.equal(ds.numClasses, 2);
    const s = await ds.get(0);
    assert.ok(s.image.data instanceof Float32Array);
    assert.deepEqual(Array.from(s.image.data), [0, 0.25, 0.5, 1]);
    assert.deepEqual(Array.from(s.label!.data), [0, 1, 1, 0]);
    // Reopening from the filled spec (what a worker does) gives the same labels without a scan.
    const again = await openDataset(ds.spec);
    assert.deepEqual(Array.from((await again.get(1)).label!.data), [0, 0, 1, 1]);
    const bad = await openDataset({ format: 'npy', root: dir, images: 'x.npy', labels: 'm.npy', labelEncoding: 'index', numClasses: 3 });
    await assert.rejects(bad.get(0), (e: Error) => e.message.includes(join(dir, 'm.npy')) && /255/.test(e.message));
  } finally {
    cleanup(dir);
  }
});

test('mnist: gzip and raw IDX files, images only, digits as classIndex', async () => {
  for (const gzip of [true, false]) {
    const dir = tempDir();
    try {
      makeMnist(dir, { train: 4, test: 2 }, gzip);
      const train = await openDataset({ format: 'mnist', root: dir, split: 'train' });
      const test_ = await openDataset({ format: 'mnist', root: dir, split: 'test' });
      assert.deepEqual([train.length, test_.length], [4, 2]);
      assert.equal(train.hasLabels, false);
      const s = await train.get(3);
      assert.deepEqual([s.image.width, s.image.height, s.image.channels], [28, 28, 1]);
      assert.equal(s.image.data[100], 30);
      assert.equal(s.label, undefined);
      assert.equal(s.classIndex, 3);
      assert.deepEqual(datasetSplits({ format: 'mnist', root: dir, split: 'train' }), ['train', 'test']);
    } finally {
      cleanup(dir);
    }
  }
  const empty = tempDir();
  try {
    await assert.rejects(openDataset({ format: 'mnist', root: empty, split: 'train' }), (e: Error) => e.message.includes(join(empty, 'train-images-idx3-ubyte.gz')));
  } finally {
    cleanup(empty);
  }
});

test('openDataset: unknown formats and missing fields are explained', async () => {
  await assert.rejects(openDataset({ format: 'coco' } as never), /unknown format "coco".*folder, camvid, voc, ade20k, npy, mnist, synthetic/);
  await assert.rejects(openDataset(null as never), /has no format/);
  await assert.rejects(openDataset({ format: 'camvid', root: '/tmp' } as never), /split/);
});

test('real data: CamVid (camvid format) and ISBI membrane (folder format) counts', async (t) => {
  if (!existsSync(sharedDatasets)) {
    t.skip(`${sharedDatasets} not present (CI): real-data check skipped`);
    return;
  }
  const camvid = join(sharedDatasets, 'camvid');
  const membrane = join(sharedDatasets, 'membrane');
  const counts = await Promise.all([
    openDataset({ format: 'camvid', root: camvid, split: 'train' }),
    openDataset({ format: 'camvid', root: camvid, split: 'val' }),
    openDataset({ format: 'folder', root: membrane, split: 'train' }),
    openDataset({ format: 'folder', root: membrane, split: 'val' }),
  ]);
  assert.deepEqual(counts.map((d) => d.length), [367, 101, 20, 5]);
  const slice = await counts[2]!.get(0);
  assert.deepEqual([slice.image.width, slice.image.height, slice.image.channels], [512, 512, 1]);
  assert.deepEqual(counts[2]!.classNames, ['background', 'foreground']);
  const membraneLabels = Array.from(slice.label!.data);
  assert.ok(membraneLabels.every((v) => v === 0 || v === 1) && membraneLabels.includes(0) && membraneLabels.includes(1));
  const frame = await counts[1]!.get(0);
  assert.deepEqual([frame.image.width, frame.image.height, frame.image.channels], [480, 360, 3]);
  assert.ok(frame.label!.data.every((v) => v <= 11));
});
