import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { makeFolder } from '../data/make-datasets.js';
import { assertOneLineError, cli, tempDir } from './helpers.js';

const classesJson = { names: ['a', 'b', 'c'] };

test('data check names every broken file: missing mask, size mismatch, label out of range, unreadable', async (t) => {
  const root = tempDir(t, 'check');
  makeFolder(root, { count: 6, width: 6, height: 4, numClasses: 3, classesJson });
  const missingMask = join(root, 'images', 'img_0.png');
  unlinkSync(join(root, 'masks', 'img_0.png'));
  const smallMask = join(root, 'masks', 'img_1.png');
  writeFileSync(smallMask, encodePng({ width: 3, height: 2, channels: 1, data: new Uint8Array(6) }));
  const outOfRange = join(root, 'masks', 'img_2.png');
  writeFileSync(outOfRange, encodePng({ width: 6, height: 4, channels: 1, data: new Uint8Array(24).fill(9) }));
  const unreadable = join(root, 'images', 'img_3.png');
  writeFileSync(unreadable, Buffer.from('not a png'));

  const r = await cli(['data', 'check', root, '--format', 'folder', '-q']);
  assert.equal(r.code, 1, r.stderr);
  const problem = (kind: string, file: string): void => {
    const line = r.stdout.split('\n').find((l) => l.includes(`[${kind}]`) && l.includes(file));
    assert.ok(line, `a ${kind} line naming ${file} in:\n${r.stdout}`);
  };
  problem('missing-mask', missingMask);
  problem('size-mismatch', smallMask);
  problem('label-out-of-range', outOfRange);
  problem('unreadable', unreadable);
  assert.match(r.stdout, /^\(root\)\s+5\s/m, 'counts: five image/mask pairs (one image lacks its mask)');
  assert.match(r.stdout, /class histogram/);

  const json = await cli(['data', 'check', '--data', root, '--format', 'folder', '--json', '-q']);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { ok: boolean; problems: { kind: string; file: string }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((p) => `${p.kind} ${p.file}`).sort(),
    [
      `label-out-of-range ${outOfRange}`,
      `missing-mask ${missingMask}`,
      `size-mismatch ${smallMask}`,
      `unreadable ${unreadable}`,
    ].sort(),
  );
});

test('data check of a clean dataset: counts, sizes, histogram, exit code 0', async (t) => {
  const root = tempDir(t, 'check');
  makeFolder(root, { split: 'train', count: 3, width: 6, height: 4, numClasses: 3, classesJson });
  makeFolder(root, { split: 'val', count: 2, width: 5, height: 5, numClasses: 3, classesJson });
  const r = await cli(['data', 'check', root, '--format', 'folder', '-q']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^train\s+3\s+3\s+4x6/m);
  assert.match(r.stdout, /^val\s+2\s+2\s+5x5/m);
  assert.match(r.stdout, /no problems found/);
  const json = await cli(['data', 'check', root, '--format', 'folder', '--split', 'val', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { ok: boolean; splits: { split: string; count: number }[]; classPixels: number[] };
  assert.equal(report.ok, true);
  assert.deepEqual(report.splits.map((s) => [s.split, s.count]), [['val', 2]]);
  assert.equal(report.classPixels.reduce((a, b) => a + b, 0), 2 * 25);
});

test('data check mistakes: missing folder (exit 1), no format, unknown subcommand (exit 2)', async (t) => {
  const root = tempDir(t, 'check');
  const missing = join(root, 'nothing-here');
  const line = assertOneLineError(await cli(['data', 'check', missing, '--format', 'folder']), 1, 'data');
  assert.ok(line.includes(missing), line);
  assertOneLineError(await cli(['data', 'check', root]), 2, 'data');
  assertOneLineError(await cli(['data', 'verify', root]), 2, 'data');
  assertOneLineError(await cli(['data', 'check', root, '--data', root, '--format', 'folder']), 2, 'data');
});
