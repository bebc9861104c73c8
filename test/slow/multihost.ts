// Opt-in slow check: two "hosts" on one machine, each a network namespace made here and joined
// by a veth pair with private addresses that exist only inside the namespaces. A launcher in
// each runs one rank (nnodes 2); they all-reduce, train the DDP recipe (compared with one
// process), and then host 1's rank is killed to show that host 0 ends naming it.
//   node dist/test/slow/multihost.js      (needs root: CAP_NET_ADMIN for `ip netns add`)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LaunchResult } from '../../src/distributed/index.js';
import { makeModel, RECIPE, snapshot, train } from '../distributed/recipe.js';
import { setNumThreads } from '../../src/torch/index.js';

const tag = `pw${process.pid}`;
const ns = [`${tag}h0`, `${tag}h1`];
const addr = ['10.231.7.1', '10.231.7.2'];
const port = 29500;
const node = fileURLToPath(new URL('./multihost-node.js', import.meta.url));

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function setUp(): boolean {
  try {
    ip('netns', 'add', ns[0]!);
  } catch (err) {
    const why = String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0];
    console.log(`multihost: skipped: creating a network namespace needs root (CAP_NET_ADMIN): ${why}`);
    return false;
  }
  ip('netns', 'add', ns[1]!);
  ip('link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`);
  ip('link', 'set', `${tag}a`, 'netns', ns[0]!);
  ip('link', 'set', `${tag}b`, 'netns', ns[1]!);
  for (const [i, dev] of [`${tag}a`, `${tag}b`].entries()) {
    ip('-n', ns[i]!, 'addr', 'add', `${addr[i]}/24`, 'dev', dev);
    ip('-n', ns[i]!, 'link', 'set', dev, 'up');
    ip('-n', ns[i]!, 'link', 'set', 'lo', 'up');
  }
  return true;
}

function tearDown(): void {
  for (const n of ns) {
    try {
      ip('netns', 'del', n);
    } catch {
      // not created
    }
  }
}

/** Runs both hosts' launchers; resolves with their results. */
async function hosts(scenario: string, config: Record<string, unknown>): Promise<LaunchResult[]> {
  return Promise.all(
    [0, 1].map(
      (h) =>
        new Promise<LaunchResult>((resolve, reject) => {
          const child = spawn('ip', ['netns', 'exec', ns[h]!, process.execPath, node, String(h), addr[0]!, String(port), scenario, JSON.stringify(config)], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
          child.on('close', () => {
            clearTimeout(timer);
            try {
              resolve(JSON.parse(out.trim().split('\n').pop()!) as LaunchResult);
            } catch {
              reject(new Error(`host ${h}: no result (${out.slice(-500)})`));
            }
          });
        }),
    ),
  );
}

function results(r: LaunchResult): { [k: string]: any }[] {
  return (r.ranks[0]!.output ?? '').split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
}

if (setUp()) {
  try {
    const t0 = Date.now();
    const [h0, h1] = await hosts('collectives', {});
    assert.ok(h0!.ok && h1!.ok, `collectives: ${h0!.message} / ${h1!.message}`);
    const [c0, c1] = [results(h0!)[0]!, results(h1!)[0]!];
    assert.deepEqual([c0.rank, c1.rank, c0.localRank, c1.localRank], [0, 1, 0, 0]);
    for (const c of [c0, c1]) {
      assert.deepEqual(c.sum, [3, 30]);
      assert.deepEqual(c.a, [[0, 6], [2, 8], [4, 10]]);
    }
    console.log(`multihost: all-reduce and broadcast across ${addr.join(' <-> ')}: ok (${Date.now() - t0} ms)`);

    const [t0h, t1h] = await hosts('train', { variants: [{ recipe: {}, ddp: {} }] });
    assert.ok(t0h!.ok && t1h!.ok, `train: ${t0h!.message} / ${t1h!.message}`);
    const [r0, r1] = [results(t0h!)[0]!, results(t1h!)[0]!];
    setNumThreads(1);
    const model = makeModel(RECIPE);
    const ref = await train(RECIPE, model, 0, 1, (loss) => loss.backward());
    const worst = Math.max(...ref.map((l, i) => Math.abs(l - r0.losses[i])));
    assert.ok(worst <= 1e-5, `loss curve differs from one process by ${worst}`);
    assert.deepEqual(r0.state, r1.state);
    const ref1 = snapshot(model);
    const dw = Math.max(...Object.keys(ref1).flatMap((k) => ref1[k]!.map((x, i) => Math.abs(x - r0.state[k][i]))));
    assert.ok(dw <= 1e-5, `weights differ from one process by ${dw}`);
    console.log(`multihost: DDP across the two hosts follows one process (loss within ${worst.toExponential(1)}, weights within ${dw.toExponential(1)}); ranks identical`);

    const [f0, f1] = await hosts('fault', { mode: 'kill', victim: 1, timeout: 10 });
    assert.equal(f1!.failedRank, 1);
    assert.match(f1!.message!, /^rank 1 was killed by SIGKILL/);
    assert.equal(f0!.ok, false);
    assert.match(f0!.message!, /rank 0: allReduce failed: .*no failure report from rank 1/);
    console.log(`multihost: killing host 1's rank ends host 0's: "${f0!.message}"`);
  } finally {
    tearDown();
  }
}
