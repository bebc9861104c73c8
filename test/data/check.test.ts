import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDataset, formatReport } from '../../src/data/check.js';
import { encodePng } from '../../src/image/png.js';
import { cleanup, makeCamvid, makeFolder, patternLabel, tempDir } from './make-datasets.js';

const sharedDatasets = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));

test('checkDataset reports counts, sizes, the class histogram and every problem, naming files', async () => {
  const dir = tempDir('check');
  try {
    makeFolder(dir, { count: 7, numClasses: 3, split: 'train', classesJson: { names: ['a', 'b', 'c'], ignoreIndex: 255 } });
    makeFolder(dir, { count: 2, numClasses: 3, split: 'val', width: 5, height: 5 });
    const t = join(dir, 'train');
    renameSync(join(t, 'masks', 'img_0.png'), join(t, 'masks', 'stray.png'));
    writeFileSync(join(t, 'masks', 'img_1.png'), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }));
    writeFileSync(join(t, 'masks', 'img_2.png'), encodePng({ width: 6, height: 4, channels: 1, data: new Uint8Array(24).fill(7) }));
    writeFileSync(join(t, 'images', 'img_3.png'), Buffer.from('broken'));
    writeFileSync(join(t, 'masks', 'img_4.png'), encodePng({ width: 6, height: 4, channels: 1, data: Uint8Array.from({ length: 24 }, (_, i) => (i < 4 ? 255 : 1)) }));
    // Only stem-shared files: a second image format of one stem is a problem too.
    writeFileSync(join(t, 'images', 'img_6.jpg'), Buffer.from('x'));

    const report = await checkDataset({ format: 'folder', root: dir, classesFile: 'train/classes.json' });
    assert.deepEqual(report.splits.map((s) => [s.split, s.count, s.checked, s.labelled]), [
      ['train', 6, 6, 3],
      ['val', 2, 2, 2],
    ]);
    const kinds = report.problems.map((p) => `${p.split}:${p.kind}:${p.file.slice(dir.length + 1)}`).sort();
    assert.deepEqual(kinds, [
      'train:bad-spec:train/images/img_6.jpg',
      'train:label-out-of-range:train/masks/img_2.png',
      'train:missing-image:train/masks/stray.png',
      'train:missing-mask:train/images/img_0.png',
      'train:size-mismatch:train/masks/img_1.png',
      'train:unreadable:train/images/img_3.png',
    ]);
    assert.equal(report.ok, false);
    assert.deepEqual(report.classNames, ['a', 'b', 'c']);
    const train = report.splits[0]!;
    // Decoded and labelled in train: img_4 (4 ignored + 20 x class 1), img_5, img_6 (png) patterns.
    const expected = [0, 0, 0];
    for (const k of [5, 6]) for (let p = 0; p < 24; p++) expected[patternLabel(k, p % 6, Math.floor(p / 6), 3)]!++;
    expected[1]! += 20;
    assert.deepEqual(train.classPixels, expected);
    assert.equal(train.ignoredPixels, 4);
    assert.deepEqual(train.classImages, [2, 3, 2]);
    // The labelled pixels of the images holding each class (img_4: 20 of them, class 1 alone).
    const imagePixels = [0, 0, 0];
    for (const k of [5, 6]) for (const c of new Set(Array.from({ length: 24 }, (_, p) => patternLabel(k, p % 6, Math.floor(p / 6), 3)))) imagePixels[c]! += 24;
    imagePixels[1]! += 20;
    assert.deepEqual(train.classImagePixels, imagePixels);
    assert.deepEqual(train.sizes, [{ width: 6, height: 4, count: 3 }]);
    assert.deepEqual([report.splits[1]!.minWidth, report.splits[1]!.maxHeight], [5, 5]);
    assert.deepEqual(report.classPixels, [0, 1, 2].map((c) => train.classPixels[c]! + report.splits[1]!.classPixels[c]!));

    const text = formatReport(report);
    assert.match(text, /classes: 3, label 255 ignored/);
    assert.match(text, /train\s+6\s+3\s+4x6/);
    assert.match(text, /image sizes \(HxW\)/);
    assert.match(text, /6 problems \(/);
    assert.ok(text.includes(join(t, 'masks', 'img_2.png')));
    assert.match(formatReport(report, { maxProblems: 2 }), /and 4 more/);
  } finally {
    cleanup(dir);
  }
});

test('checkDataset on a sound CamVid copy: every split, no problems', async () => {
  const dir = tempDir('check');
  try {
    makeCamvid(dir, { train: 3, val: 2, test: 1 });
    const report = await checkDataset({ format: 'camvid', root: dir } as never);
    assert.deepEqual(report.splits.map((s) => [s.split, s.count]), [['train', 3], ['val', 2], ['test', 1]]);
    assert.equal(report.ok, true);
    assert.equal(report.ignoreIndex, 11);
    assert.ok(report.ignoredPixels > 0);
    assert.match(formatReport(report), /no problems found/);
    const missing = await checkDataset({ format: 'camvid', root: join(dir, 'nothing') } as never);
    assert.equal(missing.ok, false);
    assert.equal(missing.problems[0]!.kind, 'missing-folder');
  } finally {
    cleanup(dir);
  }
});

test('checkDataset on the real membrane data (skipped without ../shared/datasets)', async (t) => {
  if (!existsSync(sharedDatasets)) {
    t.skip(`${sharedDatasets} not present (CI)`);
    return;
  }
  const report = await checkDataset({ format: 'folder', root: join(sharedDatasets, 'membrane') });
  assert.deepEqual(report.splits.map((s) => [s.split, s.count, s.labelled]), [['train', 20, 20], ['val', 5, 5]]);
  assert.equal(report.ok, true);
  assert.deepEqual(report.splits[0]!.sizes, [{ width: 512, height: 512, count: 20 }]);
  assert.ok(report.classPixels[0]! > 0 && report.classPixels[1]! > report.classPixels[0]!);
});
