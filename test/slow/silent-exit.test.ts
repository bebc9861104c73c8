// `train --data BADDATA --quiet --workers 1` used to exit with code 13 and print nothing, now
// and then (12 of 155 runs): a worker reply arriving while the loader closed unreferenced the
// worker, the awaited exit never settled and Node quit with work unfinished. Loop the case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../cli/helpers.js';
import { makeFolder } from '../data/make-datasets.js';

test('a data error with --quiet --workers 1 prints its one line every time (30 runs)', { timeout: 15 * 60_000 }, async (t) => {
  const dir = tempDir(t, 'silent');
  makeFolder(dir, { count: 8, width: 32, height: 32, classesJson: ['a', 'b', 'c'] });
  for (const k of [3, 4, 5, 6, 7]) writeFileSync(join(dir, 'masks', `img_${k}.png`), 'garbage');
  const run = join(dir, 'run');
  const codes: (number | null)[] = [];
  for (let i = 0; i < 30; i++) {
    rmSync(run, { recursive: true, force: true });
    const r = await cli(['train', '--data', dir, '--format', 'folder', '--model', 'unet', '--depth', '2', '--base-width', '4', '--epochs', '1', '--threads', '1', '--quiet', '--workers', '1', '--batch-size', '2', '--out', run]);
    codes.push(r.code);
    assert.equal(r.code, 1, `run ${i + 1}: exit code ${r.code}, stderr: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr.trim(), /^pixelwise train: error: \S+masks\/img_\d\.png: not a PNG file/, `run ${i + 1}`);
  }
  assert.deepEqual(codes, new Array(30).fill(1));
});
