import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFolderDataset } from '../../src/data/export.js';
import { openDataset } from '../../src/data/datasets/open.js';
import { SyntheticDataset } from '../../src/data/datasets/synthetic.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-export-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writeFolderDataset writes a split that reads back as the same pixels and labels', async (t) => {
  const dir = tempDir(t);
  const source = new SyntheticDataset({ format: 'synthetic', split: 'train', count: 3, size: 16 });
  await writeFolderDataset(source, dir, 'train');
  const back = await openDataset({ format: 'folder', root: dir, split: 'train' });
  assert.equal(back.length, 3);
  assert.deepEqual(back.classNames, source.classNames);
  for (let i = 0; i < 3; i++) {
    const [a, b] = [await source.get(i), await back.get(i)];
    assert.deepEqual(b.image.data, a.image.data);
    assert.deepEqual(Array.from(b.label!.data), Array.from(a.label!.data));
  }
  // An existing split is never overwritten.
  await assert.rejects(writeFolderDataset(source, dir, 'train'), /train already exists/);
  // Splits share classes.json: a second split of the same classes is fine, other classes are refused.
  await writeFolderDataset(source, dir, 'val');
  writeFileSync(join(dir, 'classes.json'), JSON.stringify({ names: ['a', 'b'] }));
  await assert.rejects(writeFolderDataset(source, dir, 'test'), /classes\.json describes other classes/);
  assert.deepEqual(readdirSync(dir).sort(), ['classes.json', 'train', 'val']);
  await assert.rejects(writeFolderDataset(source, dir, '../x'), /must be a plain folder name/);
});

test('writeFolderDataset leaves nothing behind when a sample fails', async (t) => {
  const dir = tempDir(t);
  const source = new SyntheticDataset({ format: 'synthetic', split: 'val', count: 3, size: 16 });
  const get = source.get.bind(source);
  source.get = async (i: number) => {
    if (i === 2) throw new Error('unreadable sample 2');
    return get(i);
  };
  await assert.rejects(writeFolderDataset(source, dir, 'val'), /unreadable sample 2/);
  assert.deepEqual(readdirSync(dir), [], 'no split, no partial folder, no classes.json');
});
