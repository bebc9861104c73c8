import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/data/datasets/open.js';
import { SyntheticDataset } from '../../src/data/datasets/synthetic.js';
import { SHAPES } from '../../src/data/datasets/synthetic-scene.js';

test('synthetic scenes are deterministic per (seed, split, index) and differ otherwise', async () => {
  const a = new SyntheticDataset({ format: 'synthetic', count: 6, seed: 4 });
  const b = await openDataset({ format: 'synthetic', count: 6, seed: 4 });
  for (const i of [0, 5]) assert.deepEqual(await b.get(i), a.getSync(i));
  const other = new SyntheticDataset({ format: 'synthetic', count: 6, seed: 5 });
  const val = new SyntheticDataset({ format: 'synthetic', count: 6, seed: 4, split: 'val' });
  assert.notDeepEqual(other.getSync(0).image.data, a.getSync(0).image.data);
  assert.notDeepEqual(val.getSync(0).image.data, a.getSync(0).image.data);
  assert.notDeepEqual(a.getSync(1).image.data, a.getSync(0).image.data);
  // Reading sample 5 first does not change sample 0: no hidden generator state.
  const fresh = new SyntheticDataset({ format: 'synthetic', count: 6, seed: 4 });
  fresh.getSync(5);
  assert.deepEqual(fresh.getSync(0), a.getSync(0));
});

test('synthetic defaults, sizes, class names and parameter errors', () => {
  const ds = new SyntheticDataset({ format: 'synthetic', split: 'val', size: 32, numClasses: 9, channels: 1 });
  assert.equal(ds.length, 128);
  assert.deepEqual(ds.classNames, ['background', ...SHAPES]);
  assert.equal(ds.palette.length, 9);
  const s = ds.getSync(3);
  assert.deepEqual([s.image.width, s.image.height, s.image.channels, s.image.data.length, s.label!.data.length], [32, 32, 1, 1024, 1024]);
  assert.ok(s.label!.data.every((v) => v < 9));
  assert.throws(() => new SyntheticDataset({ format: 'synthetic', numClasses: 12 }), /numClasses 12, expected 2\.\.9/);
  assert.throws(() => new SyntheticDataset({ format: 'synthetic', difficulty: 2 }), /difficulty 2/);
  assert.throws(() => new SyntheticDataset({ format: 'synthetic', size: 8 }), /size 8/);
  assert.throws(() => ds.getSync(128), /index 128 out of range/);
});

test('every shape class appears about equally often; background is not everything', () => {
  const n = 240;
  const ds = new SyntheticDataset({ format: 'synthetic', count: n, numClasses: 6, size: 48 });
  const images = new Array<number>(6).fill(0);
  const pixels = new Array<number>(6).fill(0);
  for (let i = 0; i < n; i++) {
    const seen = new Set<number>();
    for (const v of ds.getSync(i).label!.data) {
      pixels[v]!++;
      seen.add(v);
    }
    for (const c of seen) images[c]!++;
  }
  const shapeImages = images.slice(1);
  const mean = shapeImages.reduce((a, b) => a + b, 0) / shapeImages.length;
  for (const [k, count] of shapeImages.entries()) assert.ok(Math.abs(count - mean) < 0.2 * mean, `class ${k + 1} in ${count} images, mean ${mean}`);
  const total = pixels.reduce((a, b) => a + b, 0);
  assert.ok(pixels[0]! / total < 0.9 && pixels[0]! / total > 0.4, `background fraction ${pixels[0]! / total}`);
  for (let c = 1; c < 6; c++) assert.ok(pixels[c]! / total > 0.01, `class ${c} covers ${pixels[c]! / total}`);
});

test('the class is the shape, not its colour: colours of one class vary as much as across classes', () => {
  const ds = new SyntheticDataset({ format: 'synthetic', count: 80, numClasses: 4, size: 48, noise: 0 });
  const means: number[][][] = [[], [], [], []];
  for (let i = 0; i < ds.length; i++) {
    const { image, label } = ds.getSync(i);
    const sums = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    label!.data.forEach((v, p) => {
      for (let c = 0; c < 3; c++) sums[v]![c]! += image.data[3 * p + c]!;
      sums[v]![3]!++;
    });
    sums.forEach((s, v) => s[3]! > 20 && means[v]!.push([s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!]));
  }
  const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - xs.reduce((p, q) => p + q, 0) / xs.length) ** 2, 0) / xs.length);
  const classMeans: number[][] = [];
  for (let v = 1; v < 4; v++) {
    assert.ok(means[v]!.length > 20);
    for (let c = 0; c < 3; c++) assert.ok(std(means[v]!.map((m) => m[c]!)) > 40, `class ${v} channel ${c} colours barely vary`);
    classMeans.push([0, 1, 2].map((c) => means[v]!.reduce((a, m) => a + m[c]!, 0) / means[v]!.length));
  }
  // The average colours of the shape classes are close together: colour says nothing about the class.
  for (let c = 0; c < 3; c++) assert.ok(std(classMeans.map((m) => m[c]!)) < 25);
});

test('difficulty makes shapes smaller and scenes noisier', () => {
  const stats = (difficulty: number) => {
    const ds = new SyntheticDataset({ format: 'synthetic', count: 40, size: 64, difficulty });
    let shape = 0;
    let rough = 0;
    for (let i = 0; i < ds.length; i++) {
      const { image, label } = ds.getSync(i);
      for (let p = 0; p < label!.data.length; p++) {
        if (label!.data[p]! > 0) shape++;
        if (p % 64 > 0 && label!.data[p] === label!.data[p - 1]) rough += Math.abs(image.data[3 * p]! - image.data[3 * p - 3]!);
      }
    }
    return { shape, rough };
  };
  const easy = stats(0);
  const hard = stats(1);
  assert.ok(hard.shape < easy.shape, `shape pixels ${hard.shape} vs ${easy.shape}`);
  assert.ok(hard.rough > 1.5 * easy.rough, `texture ${hard.rough} vs ${easy.rough}`);
});
