import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, getNumThreads } from '../../src/torch/index.js';
import type { DDPOptions } from '../../src/distributed/index.js';
import { makeModel, RECIPE, snapshot, train, type Recipe } from './recipe.js';
import { NO_GLOO, runRanks } from './helpers.js';

interface TrainResult {
  rank: number;
  buckets: string[][];
  stats: { steps: number; bucketsStartedInBackward: number };
  losses: number[];
  state: Record<string, number[]>;
}

/** The single-process reference: the whole global batch, no DistributedDataParallel. */
async function reference(recipe: Recipe): Promise<{ losses: number[]; state: Record<string, number[]> }> {
  const threads = getNumThreads();
  setNumThreads(1);
  try {
    const model = makeModel(recipe);
    const losses = await train(recipe, model, 0, 1, (loss) => loss.backward());
    return { losses, state: snapshot(model) };
  } finally {
    setNumThreads(threads);
  }
}

function maxDiff(a: Record<string, number[]>, b: Record<string, number[]>): number {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  let d = 0;
  for (const k of Object.keys(a)) a[k]!.forEach((x, i) => (d = Math.max(d, Math.abs(x - b[k]![i]!))));
  return d;
}

const VARIANTS: { name: string; recipe: Partial<Recipe>; ddp: DDPOptions }[] = [
  { name: 'gradients reduced after backward', recipe: {}, ddp: { overlap: false } },
  { name: 'overlapped with backward, one bucket per layer, channels_last weights', recipe: { channelsLast: true }, ddp: { overlap: true, bucketCapMB: 0.00005, firstBucketMB: 0.00005 } },
  { name: 'SyncBatchNorm', recipe: { batchNorm: true }, ddp: { syncBatchNorm: true } },
];

test('2 ranks x batch B follow 1 process x batch 2B (20 SGD steps), and the ranks stay identical', { skip: NO_GLOO }, async () => {
  const r = await runRanks('train', { variants: VARIANTS.map(({ recipe, ddp }) => ({ recipe, ddp })) });
  assert.equal(r.message, null);
  assert.ok(r.ok);
  for (const [i, v] of VARIANTS.entries()) {
    const recipe = { ...RECIPE, ...v.recipe };
    const [a, b] = [r.results[0]![i] as TrainResult, r.results[1]![i] as TrainResult];
    const ref = await reference(recipe);
    assert.equal(a.losses.length, 20);
    assert.ok(ref.losses[19]! < ref.losses[0]! * 0.9, `${v.name}: the reference learns (${ref.losses[0]} -> ${ref.losses[19]})`);
    a.losses.forEach((l, s) => assert.ok(Math.abs(l - ref.losses[s]!) <= 1e-5, `${v.name}: step ${s} loss ${l} vs ${ref.losses[s]}`));
    // Both ranks apply the same averaged gradients to the same (broadcast) weights: bit for bit.
    assert.deepEqual(a.state, b.state, `${v.name}: rank 1's weights and buffers equal rank 0's`);
    const d = maxDiff(a.state, ref.state);
    assert.ok(d <= 1e-5, `${v.name}: weights after 20 steps differ from the single process by ${d}`);
    assert.equal(a.stats.steps, 20);
  }
  const [plain, overlapped] = [r.results[0]![0] as TrainResult, r.results[0]![1] as TrainResult];
  assert.equal(plain.buckets.length, 1, 'the small model fits one 1 MB bucket');
  assert.equal(plain.stats.bucketsStartedInBackward, 0);
  // Tiny buckets: last layer first (the order backward produces gradients).
  assert.ok(overlapped.buckets.length >= 3);
  assert.deepEqual(overlapped.buckets[0], ['4.bias', '4.weight']);
  assert.ok(overlapped.stats.bucketsStartedInBackward >= 20 * (overlapped.buckets.length - 1), 'hooks start buckets while backward runs');
});

interface UnusedResult {
  rank: number;
  grads: Record<string, number[][] | number[] | null>;
  local: number[][];
  accumulated: number[][];
}

for (const overlap of [false, true]) {
  test(`parameters unused on some or all ranks, and noSync accumulation (overlap ${overlap})`, { skip: NO_GLOO }, async () => {
    const r = await runRanks('unused', { overlap });
    assert.equal(r.message, null);
    const [r0, r1] = [r.results[0]![0] as UnusedResult, r.results[1]![0] as UnusedResult];
    // x = (1, 2, 3) on rank 0, (2, 4, 6) on rank 1; d(sum(W x))/dW = x per output row.
    assert.deepEqual(r0.grads['a.weight'], [[1.5, 3, 4.5], [1.5, 3, 4.5]]);
    assert.deepEqual(r0.grads['a.bias'], [1, 1]);
    // Used on rank 0 only: rank 1 counts as zeros in the average.
    assert.deepEqual(r0.grads['b.weight'], [[0.5, 1, 1.5], [0.5, 1, 1.5]]);
    // Used nowhere: no gradient, as in a single process.
    assert.equal(r0.grads['c.weight'], null);
    assert.equal(r0.grads['c.bias'], null);
    assert.deepEqual(r1.grads, r0.grads);
    // noSync: 1x + 2x kept locally, then + 1x and averaged: 4 * mean(x) = 4 * 1.5 * (1, 2, 3).
    assert.deepEqual(r0.local, [[3, 6, 9], [3, 6, 9]]);
    assert.deepEqual(r1.local, [[6, 12, 18], [6, 12, 18]]);
    assert.deepEqual(r0.accumulated, [[6, 12, 18], [6, 12, 18]]);
    assert.deepEqual(r1.accumulated, r0.accumulated);
  });
}
