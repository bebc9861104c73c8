// Opt-in slow check: two "hosts" on one machine, each a network namespace made here and joined
// by a veth pair with private addresses that exist only inside the namespaces. A launcher in
// each runs one rank (nnodes 2); they all-reduce, train the DDP recipe (compared with one
// process), and then host 1's rank is killed to show that host 0 ends naming it. Then
// `pixelwise train --nnodes 2` runs on both hosts (compared with one process x the global
// batch), and `--resume` continues it there, the checkpoint travelling from host 0 to host 1.
//   node dist/test/slow/multihost.js      (needs root: CAP_NET_ADMIN for `ip netns add`)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, type CliResult } from '../cli/helpers.js';
import { assertSameTraining, COMMON, metrics, ok } from '../distributed/cli-runs.js';
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

/** `pixelwise train ARGS --nnodes 2` on both hosts, one rank each. */
async function trainOnHosts(args: string[], masterPort: number): Promise<CliResult[]> {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  return Promise.all(
    [0, 1].map(
      (h) =>
        new Promise<CliResult>((resolve) => {
          const hostArgs = ['--nnodes', '2', '--node-rank', String(h), '--master-addr', addr[0]!, '--master-port', String(masterPort)];
          const child = spawn('ip', ['netns', 'exec', ns[h]!, process.execPath, main, 'train', ...args, ...hostArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
          let [stdout, stderr] = ['', ''];
          child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr });
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

    const dir = mkdtempSync(join(tmpdir(), 'pixelwise-multihost-'));
    try {
      const [one, two] = [join(dir, 'one'), join(dir, 'two')];
      ok(await cli(['train', ...COMMON, '--batch-size', '4', '--epochs', '2', '--threads', '1', '--out', one]), 'one process');
      const hostsRun = await trainOnHosts([...COMMON, '--batch-size', '2', '--epochs', '2', '--out', two], port + 1);
      hostsRun.forEach((r, h) => ok(r, `host ${h}`));
      assert.equal(hostsRun[1]!.stderr, '', 'host 1 is quiet');
      assertSameTraining(one, two);
      console.log(`multihost: pixelwise train --nnodes 2 (2 x batch 2) follows one process x batch 4: ${metrics(two).map((r) => r.trainLoss.toFixed(6)).join(', ')}`);
      console.log(hostsRun[0]!.stderr.trimEnd().split('\n').map((l) => `  host 0| ${l}`).join('\n'));

      ok(await cli(['train', '--resume', one, '--epochs', '4', '--threads', '1', '-q']), 'one process, resumed');
      const resumed = await trainOnHosts(['--resume', two, '--epochs', '4', '-q'], port + 2);
      resumed.forEach((r, h) => ok(r, `host ${h}, resumed`));
      assertSameTraining(one, two);
      console.log(`multihost: --resume --nnodes 2 (checkpoint sent to host 1) continues as one process does: ${metrics(two).map((r) => r.trainLoss.toFixed(6)).join(', ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    tearDown();
  }
}
