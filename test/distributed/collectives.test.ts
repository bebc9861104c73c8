import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NO_GLOO, runRanks } from './helpers.js';

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

test('two ranks on loopback: all-reduce (sum, avg, max), broadcast of mixed tensors, barrier', { skip: NO_GLOO }, async () => {
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

test('ranks started without the launcher (as torchrun does): rank 0 hosts the store at MASTER_PORT', { skip: NO_GLOO }, async () => {
  const port = await freePort();
  const rankMain = fileURLToPath(new URL('./rank-main.js', import.meta.url));
  const runs = [0, 1].map(
    (rank) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: '2', OMP_NUM_THREADS: '1' };
        delete env.TORCHELASTIC_USE_AGENT_STORE;
        const child = spawn(process.execPath, [rankMain, 'collectives', '{"timeout": 20}'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', (code) => resolve({ code, out }));
      }),
  );
  for (const { code, out } of await Promise.all(runs)) {
    assert.equal(code, 0, out);
    const line = out.split('\n').find((l) => l.startsWith('RESULT '))!;
    assert.deepEqual((JSON.parse(line.slice(7)) as Collectives).sum, [3, 30]);
  }
});

test('a rank that cannot reach the store gives up after the timeout with one line', { skip: NO_GLOO }, async () => {
  const port = await freePort();
  const env = { ...process.env, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: '1', WORLD_SIZE: '2' };
  const child = spawn(process.execPath, [fileURLToPath(new URL('./rank-main.js', import.meta.url)), 'collectives', '{"timeout": 1}'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.notEqual(code, 0);
  assert.match(err, new RegExp(`could not reach the rendezvous store at 127\\.0\\.0\\.1:${port} within 1 s: `));
});

/** A port the OS just gave out and released (another process could take it; unlikely here). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
