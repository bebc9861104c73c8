import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedSampler } from '../../src/distributed/index.js';
import { permutation } from '../../src/data/index.js';
import { getRngState, rand } from '../../src/torch/index.js';
import { loadFixture } from '../helpers.js';

interface Case {
  length: number;
  worldSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
  dropLast: boolean;
  ranks: number[][];
}

test("DistributedSampler gives every rank PyTorch's DistributedSampler indices", () => {
  const { cases } = loadFixture<{ cases: Case[] }>('distributed_sampler');
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    for (let rank = 0; rank < c.worldSize; rank++) {
      const s = new DistributedSampler(c.length, { rank, worldSize: c.worldSize, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast });
      const what = `length ${c.length}, worldSize ${c.worldSize}, shuffle ${c.shuffle}, seed ${c.seed}, epoch ${c.epoch}, dropLast ${c.dropLast}, rank ${rank}`;
      assert.deepEqual(s.indices(c.epoch), c.ranks[rank], what);
      assert.equal(s.numSamples, c.ranks[rank]!.length, what);
    }
  }
});

test('training shards are equal, disjoint apart from the padding, and cover the epoch', () => {
  for (const [n, world] of [[160, 2], [97, 4], [10, 3], [3, 8]] as const) {
    const shards = Array.from({ length: world }, (_, rank) => new DistributedSampler(n, { rank, worldSize: world, seed: 3 }).indices(5));
    const per = Math.ceil(n / world);
    for (const s of shards) assert.equal(s.length, per);
    const all = shards.flat();
    assert.deepEqual([...new Set(all)].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `n ${n}: every index appears`);
    // Only the padding repeats indices: per * world - n of them.
    assert.equal(all.length - new Set(all).size, per * world - n);
    // Interleaving the shards gives the single-process order (the first n positions).
    const single = new DistributedSampler(n, { rank: 0, worldSize: 1, seed: 3 }).indices(5);
    const interleaved = Array.from({ length: per * world }, (_, i) => shards[i % world]![Math.floor(i / world)]!);
    assert.deepEqual(interleaved.slice(0, n), single);
  }
});

test('evaluation shards (pad: false) are uneven, disjoint and cover the set once', () => {
  for (const [n, world] of [[10, 3], [7, 4], [2, 5], [100, 8]] as const) {
    const shards = Array.from({ length: world }, (_, rank) => new DistributedSampler(n, { rank, worldSize: world, shuffle: false, pad: false }).indices(0));
    const all = shards.flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), `n ${n}, world ${world}`);
    for (const s of shards) assert.ok(s.length === Math.floor(n / world) || s.length === Math.ceil(n / world));
  }
});

test('the shuffle differs by epoch, repeats for the same (seed, epoch), and leaves the global generator alone', () => {
  const s = new DistributedSampler(50, { rank: 1, worldSize: 2, seed: 9 });
  const before = getRngState();
  const e0 = s.indices(0);
  assert.deepEqual(getRngState(), before);
  assert.deepEqual(s.indices(0), e0);
  assert.notDeepEqual(s.indices(1), e0);
  rand([3]).dispose();
});

test("another order function (the data loader's permutation) shards the loader's own order", () => {
  const n = 21;
  const shards = [0, 1, 2].map((rank) => new DistributedSampler(n, { rank, worldSize: 3, seed: 4, order: permutation }).indices(2));
  const order = permutation(n, 4, 2);
  assert.deepEqual(shards[0], [order[0], order[3], order[6], order[9], order[12], order[15], order[18]]);
  assert.deepEqual(shards[2]!.slice(0, 2), [order[2], order[5]]);
});

test('bad sampler arguments fail with one line naming the value', () => {
  assert.throws(() => new DistributedSampler(10, { rank: 2, worldSize: 2 }), /rank 2, expected an integer in 0\.\.1/);
  assert.throws(() => new DistributedSampler(-1, { rank: 0, worldSize: 1 }), /length -1/);
  assert.throws(() => new DistributedSampler(10, { rank: 0, worldSize: 1, pad: false, dropLast: true }), /dropLast/);
  assert.throws(() => new DistributedSampler(10, { rank: 0, worldSize: 1 }).indices(-1), /epoch -1/);
});
