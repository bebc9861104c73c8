// Median-frequency class weights (SegNet's CamVid weighting): the definition on hand-made
// counts, and on a dataset's label files against a count made here from the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { classWeightsOf, medianFrequencyWeights } from '../../src/data/class-weights.js';
import { openDataset } from '../../src/data/datasets/open.js';
import { cleanup, makeFolder, tempDir } from './make-datasets.js';

test('median frequency: median(freq) / freq(c), freq over the images holding c; an absent class weighs 1', () => {
  // freq = 0.1, 0.3, absent, 0.1 -> median 0.1
  const round = (xs: number[]) => xs.map((x) => Number(x.toFixed(12)));
  assert.deepEqual(round(medianFrequencyWeights([10, 30, 0, 5], [100, 100, 0, 50])), round([1, 1 / 3, 1, 1]));
  // An even count of classes: the mean of the middle two (0.2 and 0.4 -> 0.3).
  assert.deepEqual(round(medianFrequencyWeights([1, 2, 4, 8], [10, 10, 10, 10])), [3, 1.5, 0.75, 0.375]);
  assert.throws(() => medianFrequencyWeights([0, 0], [0, 0]), /contain no class/);
});

test('classWeightsOf counts the split it is given, as a count over the decoded label maps does', async () => {
  const dir = tempDir('class-weights');
  try {
    makeFolder(dir, { count: 5, numClasses: 3, split: 'train', width: 7, height: 5 });
    const spec = { format: 'folder', root: dir, split: 'train', numClasses: 3 } as const;
    const dataset = await openDataset(spec);
    const pixels = [0, 0, 0];
    const imagePixels = [0, 0, 0];
    for (let i = 0; i < dataset.length; i++) {
      const { label } = await dataset.get(i);
      const counts = [0, 0, 0];
      for (const v of label!.data) counts[v]!++;
      counts.forEach((n, c) => {
        pixels[c]! += n;
        if (n > 0) imagePixels[c]! += label!.data.length;
      });
    }
    assert.deepEqual(await classWeightsOf(spec, 'median-frequency'), medianFrequencyWeights(pixels, imagePixels));
    assert.ok(pixels.every((n) => n > 0), 'every class occurs, so every weight is counted');
  } finally {
    cleanup(dir);
  }
});
