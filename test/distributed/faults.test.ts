import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, NO_GLOO, runRanks } from './helpers.js';

// Each scenario: rank 1 fails at step 3 of a loop of all-reduces. The run must end (not hang),
// every rank must exit non-zero, no process may be left, and the message must name rank 1.
async function fault(mode: 'kill' | 'hang' | 'throw', timeout: number) {
  const r = await runRanks('fault', { mode, victim: 1, timeout });
  assert.equal(r.ok, false);
  for (const e of r.ranks) {
    assert.ok(e.code !== 0 || e.signal !== null, `rank ${e.rank} exited non-zero (code ${e.code}, signal ${e.signal})`);
    assert.equal(alive(e.pid), false, `rank ${e.rank} (pid ${e.pid}) is gone`);
    assert.ok(!(e.output ?? '').includes('RESULT'), `rank ${e.rank} did not finish its loop`);
  }
  assert.ok(r.message !== null && !r.message.includes('\n'), 'one line');
  return r;
}

test('a killed rank ends the run at once, naming the rank', { skip: NO_GLOO }, async () => {
  const r = await fault('kill', 20);
  assert.equal(r.failedRank, 1);
  assert.match(r.message!, /^rank 1 was killed by SIGKILL \(stopping rank 0\)$/);
});

test('a rank that throws ends the run with its error', { skip: NO_GLOO }, async () => {
  const r = await fault('throw', 20);
  assert.equal(r.failedRank, 1);
  assert.match(r.message!, /^rank 1 exited with code 1: Error: rank 1 failed on purpose/);
});

test('a hung rank ends the run within the timeout; the survivor names it', { skip: NO_GLOO }, async () => {
  const r = await fault('hang', 3);
  // Rank 0 times out first; its one-line error names the silent rank.
  assert.equal(r.failedRank, 0);
  assert.match(r.message!, /^rank 0 exited with code 1: Error: rank 0: allReduce failed: .*Timed out.*; no failure report from rank 1 \(exited, killed or hung\)/);
  assert.notEqual(r.ranks[1]!.signal, null, 'the launcher ends the stopped rank');
});
