import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, decodeEntry, encodeEntry, SampleCache } from '../../src/data/cache.js';
import { openDataset } from '../../src/data/datasets/open.js';
import { DataLoader } from '../../src/data/loader.js';
import { prepare } from '../../src/data/transforms/pipeline.js';
import { cleanup, makeFolder, tempDir } from './make-datasets.js';

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin')).map((f) => join(dir, f));
}

test('miss, then hit with the same content; augmentation changes do not invalidate', async () => {
  const dir = tempDir('cache');
  try {
    const root = makeFolder(join(dir, 'data'), { count: 3, classesJson: ['a', 'b', 'c'] });
    const ds = await openDataset({ format: 'folder', root });
    const spec = { resize: { width: 3, height: 2 } };
    const cache = new SampleCache(join(dir, 'cache'), ds, spec);
    const first = await cache.get(1);
    assert.deepEqual(cache.stats, { hits: 0, misses: 1, corrupt: 0, writes: 1 });
    const second = await cache.get(1);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, corrupt: 0, writes: 1 });
    assert.deepEqual(second, first);
    assert.deepEqual(second, prepare(await ds.get(1), spec, { ignoreIndex: null }));
    const augmented = new SampleCache(join(dir, 'cache'), ds, { ...spec, normalize: 'vgg', augment: { hflip: true } });
    await augmented.get(1);
    assert.equal(augmented.stats.hits, 1);
    // Written atomically: only finished entries in the folder, no temp files.
    const files = readdirSync(join(dir, 'cache'), { recursive: true, encoding: 'utf8' });
    assert.ok(files.every((f) => !f.endsWith('.tmp')));
    assert.equal(entryFiles(join(dir, 'cache')).length, 1);
  } finally {
    cleanup(dir);
  }
});

test('changes to the source file, the deterministic preprocessing or the dataset spec miss', async () => {
  const dir = tempDir('cache');
  try {
    const root = makeFolder(join(dir, 'data'), { count: 2, classesJson: ['a', 'b', 'c'] });
    const ds = await openDataset({ format: 'folder', root });
    const at = join(dir, 'cache');
    const spec = { resize: { width: 3, height: 2 } };
    const key = new SampleCache(at, ds, spec).key(0);
    assert.equal(new SampleCache(at, ds, { ...spec }).key(0), key);
    assert.notEqual(new SampleCache(at, ds, { resize: { width: 3, height: 3 } }).key(0), key);
    assert.notEqual(new SampleCache(at, ds, { ...spec, channels: 1 }).key(0), key);
    const withIgnore = await openDataset({ format: 'folder', root, ignoreIndex: 2 });
    assert.notEqual(new SampleCache(at, withIgnore, spec).key(0), key);
    assert.notEqual(new SampleCache(at, ds, spec).key(1), key);
    // Touching the mask (same bytes, new mtime) and rewriting the image both change the key.
    const mask = join(root, 'masks', 'img_0.png');
    const t = statSync(mask).mtime;
    utimesSync(mask, t, new Date(t.getTime() + 5000));
    const touched = new SampleCache(at, ds, spec);
    assert.notEqual(touched.key(0), key);
    await touched.get(0);
    const image = join(root, 'images', 'img_0.png');
    writeFileSync(image, readFileSync(join(root, 'images', 'img_1.png')));
    const rewritten = new SampleCache(at, ds, spec);
    const fresh = await rewritten.get(0);
    assert.deepEqual(rewritten.stats, { hits: 0, misses: 1, corrupt: 0, writes: 1 });
    assert.deepEqual(fresh.image, prepare(await ds.get(0), spec, { ignoreIndex: null }).image);
  } finally {
    cleanup(dir);
  }
});

test('a corrupted or truncated entry is detected, deleted and rebuilt', async () => {
  const dir = tempDir('cache');
  try {
    const root = makeFolder(join(dir, 'data'), { count: 1, classesJson: ['a', 'b', 'c'] });
    const ds = await openDataset({ format: 'folder', root });
    const cache = new SampleCache(join(dir, 'cache'), ds, {});
    const good = await cache.get(0);
    const [file] = entryFiles(join(dir, 'cache'));
    const bytes = readFileSync(file!);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20]! ^= 0x40;
    writeFileSync(file!, flipped);
    assert.deepEqual(await cache.get(0), good);
    assert.equal(cache.stats.corrupt, 1);
    assert.deepEqual(readFileSync(file!), bytes, 'rebuilt entry equals the original');
    writeFileSync(file!, bytes.subarray(0, bytes.length - 9));
    assert.deepEqual(await cache.get(0), good);
    assert.equal(cache.stats.corrupt, 2);
    assert.equal(cache.stats.hits, 0);
    assert.equal(cache.stats.writes, 3);
  } finally {
    cleanup(dir);
  }
});

test('entries round-trip every dtype and refuse a different key', () => {
  const sample = {
    name: 'x',
    image: { width: 2, height: 1, channels: 3, data: Float32Array.of(1.5, -2, 3, 4, 5, 6) },
    label: { width: 2, height: 1, data: Int32Array.of(300, -1) },
    classIndex: 7,
  };
  const bytes = encodeEntry('k1', sample);
  assert.deepEqual(decodeEntry(bytes, 'k1'), sample);
  assert.equal(decodeEntry(bytes, 'k2'), undefined);
  assert.equal(decodeEntry(bytes.subarray(0, 10), 'k1'), undefined);
  const u16 = { name: 'y', image: { width: 1, height: 1, channels: 1, data: Uint8Array.of(9) }, label: { width: 1, height: 1, data: Uint16Array.of(1000) } };
  assert.deepEqual(decodeEntry(encodeEntry('k', u16), 'k'), u16);
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] }), '{"a":[1,{"d":2}],"b":1}');
});

test('the loader uses the cache from worker threads and counts hits', async () => {
  const dir = tempDir('cache');
  try {
    const root = makeFolder(join(dir, 'data'), { count: 4, classesJson: ['a', 'b', 'c'] });
    const options = { batchSize: 2, workers: 1, cacheDir: join(dir, 'cache'), preprocess: { augment: { hflip: true } } };
    const loader = new DataLoader({ format: 'folder', root }, options);
    const plain = new DataLoader({ format: 'folder', root }, { ...options, workers: 0, cacheDir: null });
    try {
      const read = async (l: DataLoader, epoch: number) => {
        const out: number[][] = [];
        for await (const b of l.epoch(epoch)) {
          out.push(Array.from(b.images.data() as Float32Array));
          b.dispose();
        }
        return out;
      };
      const first = await read(loader, 0);
      assert.deepEqual(loader.cacheStats(), { hits: 0, misses: 4, corrupt: 0, writes: 4 });
      const second = await read(loader, 1);
      assert.deepEqual(loader.cacheStats(), { hits: 4, misses: 4, corrupt: 0, writes: 4 });
      assert.deepEqual(first, await read(plain, 0));
      assert.deepEqual(second, await read(plain, 1));
    } finally {
      await loader.close();
    }
  } finally {
    cleanup(dir);
  }
});
