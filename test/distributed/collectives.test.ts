import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRanks } from './helpers.js';

interface Collectives {
  rank: number;
  worldSize: number;
  localRank: number;
  sum: number[];
  avg: number[];
  max: number[];
  a: number[][];
  b: number[];
}

test('two ranks on loopback: all-reduce (sum, avg, max), broadcast of mixed tensors, barrier', async () => {
  const r = await runRanks('collectives');
  assert.equal(r.message, null);
  assert.ok(r.ok);
  assert.ok(r.port > 0, 'the launcher hosts the store on a port from the OS');
  for (let rank = 0; rank < 2; rank++) {
    const got = r.results[rank]![0] as Collectives;
    assert.equal(got.rank, rank);
    assert.equal(got.worldSize, 2);
    assert.equal(got.localRank, rank);
    assert.deepEqual(got.sum, [3, 30]); // (1, 10) + (2, 20)
    assert.deepEqual(got.avg, [0.5, 1]); // ((0, 0) + (1, 2)) / 2
    assert.deepEqual(got.max, [1, 0]);
    // Rank 1's transposed (non-contiguous) tensor, times 2, and its int64 rank.
    assert.deepEqual(got.a, [[0, 6], [2, 8], [4, 10]]);
    assert.deepEqual(got.b, [1]);
  }
});
