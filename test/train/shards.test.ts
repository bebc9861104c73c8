import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, type Batch } from '../../src/data/loader.js';
import { permutation } from '../../src/data/transforms/random.js';
import type { SyntheticSpec } from '../../src/data/datasets/types.js';
import { DistributedSampler } from '../../src/distributed/index.js';
import { positionForBatch, savedGlobalBatch, stepsForBatch } from '../../src/train/samples-seen.js';
import type { TrainState } from '../../src/train/training-state.js';

const synthetic: SyntheticSpec = { format: 'synthetic', split: 'train', count: 10, size: 16, numClasses: 3 };
const preprocess = { augment: { scale: [0.8, 1.25] as [number, number], crop: { width: 12, height: 12 }, hflip: true } };

/** Each sample of each batch, by name: its augmented pixels. */
async function samples(loader: DataLoader, epoch: number): Promise<Map<string, number[]>[]> {
  const batches: Map<string, number[]>[] = [];
  for await (const batch of loader.epoch(epoch)) {
    using b: Batch = batch;
    const per = b.images.numel / b.names.length;
    const data = b.images.data() as Float32Array;
    batches.push(new Map(b.names.map((n, i) => [n, Array.from(data.subarray(i * per, (i + 1) * per))])));
  }
  return batches;
}

test("2 shards (the DistributedSampler over the loader's permutation) x batch 2 are the one-process batches of 4, augmentation included", async () => {
  const one = new DataLoader(synthetic, { batchSize: 4, shuffle: true, seed: 3, workers: 0, preprocess });
  const shards = [0, 1].map(
    (rank) =>
      new DataLoader(synthetic, {
        batchSize: 2,
        seed: 3,
        workers: 0,
        preprocess,
        indices: (epoch, n) => new DistributedSampler(n, { rank, worldSize: 2, seed: 3, order: permutation }).indices(epoch),
      }),
  );
  await Promise.all([one, ...shards].map((l) => l.ready()));
  assert.deepEqual([one.length, shards[0]!.length, shards[1]!.length], [3, 3, 3]);
  for (const epoch of [0, 1]) {
    const [want, a, b] = await Promise.all([samples(one, epoch), samples(shards[0]!, epoch), samples(shards[1]!, epoch)]);
    assert.equal(want.length, 3);
    want.forEach((batch, k) => {
      const joined = new Map([...a[k]!, ...b[k]!]);
      assert.deepEqual([...joined.keys()].sort(), [...batch.keys()].sort(), `epoch ${epoch}, batch ${k}: the same samples`);
      for (const [name, pixels] of batch) assert.deepEqual(joined.get(name), pixels, `epoch ${epoch}, ${name}: the same augmented pixels`);
    });
  }
  const bad = new DataLoader(synthetic, { workers: 0, indices: () => [0, 10] });
  await bad.ready();
  assert.throws(() => bad.plan(0), /the indices option gave index 10 for a dataset of 10 samples/);
});

test('resuming with another global batch continues by samples seen', () => {
  // 24 samples; 1 epoch and 1 batch of 8 done (step 4): 32 samples seen.
  const saved = { epoch: 1, step: 4, batchInEpoch: 1, globalBatch: 8 };
  assert.deepEqual(positionForBatch(saved, 8, 3), { step: 4, batchInEpoch: 1 }, 'the same batch: unchanged');
  assert.deepEqual(positionForBatch(saved, 4, 6), { step: 8, batchInEpoch: 2 }, 'half the batch: twice the steps');
  assert.deepEqual(positionForBatch(saved, 16, 2), { step: 2, batchInEpoch: 0 }, 'rounded down: samples 16..23 of the epoch are seen again');
  assert.equal(stepsForBatch(100, 8, 4), 200);
  assert.equal(stepsForBatch(3, 8, 16), 2);
  assert.equal(stepsForBatch(1, 2, 64), 1);
  const state = { epoch: 0, step: 0, bestScore: null, optimizer: {}, scheduler: null, rng: '' } as unknown as TrainState;
  assert.equal(savedGlobalBatch({ ...state, extra: { globalBatch: 12 } }, { batchSize: 4 }), 12);
  assert.equal(savedGlobalBatch(state, { batchSize: 4, worldSize: 3 }), 12, 'from the config when the checkpoint predates the field');
  assert.equal(savedGlobalBatch(state, {}), 8, "an old checkpoint without batchSize: the default");
});
