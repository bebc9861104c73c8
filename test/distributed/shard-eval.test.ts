import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Evaluation } from '../../src/train/evaluate.js';
import { evaluateShard, SHARD_EVAL } from './shard-eval.js';
import { NO_GLOO, runRanks } from './helpers.js';

type Shard = Evaluation & { rank: number; binary: boolean; images: number[]; details: Evaluation['binary'] };

test('validation on 2 uneven shards, counts summed: the confusion matrix, loss and binary details of one process', { skip: NO_GLOO }, async () => {
  const r = await runRanks('evaluate');
  assert.equal(r.message, null);
  for (const binary of [false, true]) {
    const [a, b] = [0, 1].map((rank) => (r.results[rank] as Shard[]).find((x) => x.binary === binary)!);
    // The shards hold every image once: 0, 2, 4, ... and 1, 3, 5, ...
    assert.equal(a!.images.length, 7);
    assert.equal(b!.images.length, 6);
    assert.deepEqual([...a!.images, ...b!.images].sort((x, y) => x - y), Array.from({ length: SHARD_EVAL.count }, (_, i) => i));
    const one = await evaluateShard(binary, null, null);
    const m = one.summary!.confusionMatrix;
    if (!binary) assert.ok(m.flat().filter((v) => v > 0).length > m.length, `the untrained model predicts several classes: ${JSON.stringify(m)}`);
    for (const shard of [a!, b!]) {
      assert.deepEqual(shard.summary!.confusionMatrix, m, `${binary ? 'binary' : '4 classes'}: rank ${shard.rank}'s summed matrix`);
      assert.equal(shard.summary!.numImages, SHARD_EVAL.count);
      assert.deepEqual(shard.summary!.perClassIoU, one.summary!.perClassIoU);
      // The mean over the ranks' batches (3+3+1 and 3+3) against one process's (3+3+3+3+1).
      assert.ok(Math.abs(shard.loss! - one.loss!) < 0.05 * Math.abs(one.loss!), `loss ${shard.loss} vs ${one.loss}`);
    }
    if (binary) {
      assert.deepEqual(a!.details, JSON.parse(JSON.stringify(one.binary)), 'threshold sweep, foreground IoU/Dice and TGS precision');
    }
  }
});
