// `pixelwise train` spread over processes on loopback: 2 ranks x batch B against 1 process x
// batch 2B, a killed rank, --resume with another world size and batch size, and ranks started
// with torchrun's environment only. A tiny U-Net without BatchNorm on 16 generated scenes of
// 16x16: 4 steps an epoch at a global batch of 4, 5 epochs (20 steps).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { assertOneLineError, cli, finished, spawnCli, type CliResult } from '../cli/helpers.js';
import { alive, NO_GLOO } from './helpers.js';
import { assertSameTraining, BASE_LR, COMMON, lastCheckpoint, metrics, ok } from './cli-runs.js';

/** A port the OS reports free (for ranks that host the store themselves, as without a launcher). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Child processes of `pid` with their RANK (Linux /proc). */
function ranksOf(pid: number): { pid: number; rank: number }[] {
  const found: { pid: number; rank: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const rank = /(?:^|\0)RANK=(\d+)/.exec(readFileSync(`/proc/${name}/environ`, 'utf8'));
      if (rank) found.push({ pid: Number(name), rank: Number(rank[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('pixelwise train over 2 processes on loopback', { skip: NO_GLOO }, () => {
  let dir = '';
  const run = (name: string): string => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pixelwise-dist-train-'));
    // One process x batch 4, two ranks x batch 2, and the first epoch of the latter on its own
    // for the resume tests.
    const [one, two] = await Promise.all([
      cli(['train', ...COMMON, '--batch-size', '4', '--epochs', '5', '--threads', '1', '--out', run('one')]),
      cli(['train', ...COMMON, '--batch-size', '2', '--epochs', '5', '--nproc', '2', '--out', run('two')]),
    ]);
    ok(one, 'one process');
    ok(two, '2 ranks');
    ok(await cli(['train', ...COMMON, '--batch-size', '2', '--epochs', '1', '--nproc', '2', '--out', run('first')]), 'first epoch');
    for (const copy of ['first-b4', 'first-b2', 'first-env']) cpSync(run('first'), run(copy), { recursive: true });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('2 ranks x batch 2 follow 1 process x batch 4 for 20 steps: losses, scores, weights; config.json', () => {
    const m = metrics(run('one'));
    assert.equal(m.length, 5);
    assert.equal(m.at(-1)!.step, 20);
    assert.ok(m.at(-1)!.trainLoss < m[0]!.trainLoss, `the run learns: ${m[0]!.trainLoss} -> ${m.at(-1)!.trainLoss}`);
    assertSameTraining(run('one'), run('two'));
    const config = (r: string) => JSON.parse(readFileSync(join(run(r), 'config.json'), 'utf8')) as { training: { worldSize: number; batchSize: number } };
    assert.deepEqual([config('one').training.worldSize, config('two').training.worldSize], [1, 2]);
    assert.equal(config('two').training.batchSize, 2);
    assert.equal(lastCheckpoint(run('two')).globalBatch, 4);
  });

  test('--resume on 1 process with batch 4 continues a 2 x 2 run exactly', async () => {
    ok(await cli(['train', '--resume', run('first-b4'), '--batch-size', '4', '--epochs', '5', '--threads', '1', '-q']), 'resume');
    assertSameTraining(run('first-b4'), run('one'));
  });

  test('--resume on 1 process with batch 2 continues by samples seen: step 4 of batch 4 is step 8 of batch 2', async () => {
    ok(await cli(['train', '--resume', run('first-b2'), '--epochs', '3', '--threads', '1', '-q']), 'resume');
    const m = metrics(run('first-b2'));
    // 16 samples: 4 steps an epoch at a global batch of 4, then 8 at 2.
    assert.deepEqual(m.map((r) => r.step), [4, 16, 24]);
    const last = lastCheckpoint(run('first-b2'));
    assert.deepEqual([last.epoch, last.step, last.scheduler, last.globalBatch], [3, 24, 24, 2]);
    // StepLR over one epoch (now 8 steps): 0.7 per epoch, wherever the epoch was trained.
    m.forEach((r) => assert.ok(Math.abs(r.lr - BASE_LR * 0.7 ** r.epoch) < 1e-12, `epoch ${r.epoch}: lr ${r.lr}`));
    // Back to 2 x 2: step 24 of batch 2 is step 12 of batch 4; the epochs already logged stay.
    ok(await cli(['train', '--resume', run('first-b2'), '--epochs', '4', '--nproc', '2', '--batch-size', '2', '-q']), 'resume on 2');
    assert.deepEqual(metrics(run('first-b2')).map((r) => [r.epoch, r.step]), [[1, 4], [2, 16], [3, 24], [4, 16]]);
  });

  test('ranks started with only torchrun\'s environment (store on rank 0) resume a run; the checkpoint travels to a rank on "another host"', async () => {
    const port = await freePort();
    const ranks = [0, 1].map((rank) =>
      finished(
        spawnCli(['train', '--resume', run('first-env'), '--epochs', '5', '-q', '--dist-timeout', '20'], {
          // LOCAL_WORLD_SIZE 1: each rank its own host, so rank 0 sends the checkpoint to rank 1.
          env: { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: '2', LOCAL_RANK: '0', LOCAL_WORLD_SIZE: '1' },
        }),
      ),
    );
    const [r0, r1] = await Promise.all(ranks);
    ok(r0!, 'rank 0');
    ok(r1!, 'rank 1');
    assert.equal(r1!.stderr + r1!.stdout, '', 'rank 1 is quiet');
    assert.match(r0!.stderr, /^epoch 5, /m);
    assertSameTraining(run('first-env'), run('two'));
  });

  test('Ctrl-C stops every rank after the same step and saves (exit 130); --resume --nproc 2 goes on as if never stopped', async () => {
    const out = run('interrupted');
    const child = spawnCli(['train', ...COMMON, '--batch-size', '2', '--epochs', '500', '--nproc', '2', '--out', out]);
    const done = finished(child);
    const last = join(out, 'checkpoints', 'last.safetensors');
    const deadline = Date.now() + 20_000;
    while (!existsSync(last) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const ranks = ranksOf(child.pid!);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted; continue with: node \S*main\.js train --resume /);
    assert.doesNotMatch(r.stderr, /error/i);
    for (const rank of ranks) assert.equal(alive(rank.pid), false);
    const stopped = lastCheckpoint(out);
    ok(await cli(['train', '--resume', out, '--epochs', String(stopped.epoch + 1), '--nproc', '2']), 'resume');
    // After a whole epoch the weights are those of the uninterrupted run: the same validation.
    const epoch = stopped.epoch + 1;
    const [a, b] = [metrics(out).filter((x) => x.epoch === epoch).at(-1)!, metrics(run('two'))[epoch - 1]!];
    assert.equal(a.step, 4 * epoch);
    assert.ok(Math.abs(a.valLoss - b.valLoss) <= 1e-5 && a.meanIoU === b.meanIoU, `epoch ${epoch}: val loss ${a.valLoss} vs ${b.valLoss}`);
  });

  test('the launcher holds the run folder\'s lock for its ranks: a second train into it (alone, --nproc 2, --resume) is refused; the lock goes with the run', async () => {
    const out = run('locked');
    const child = spawnCli(['train', ...COMMON, '--batch-size', '2', '--epochs', '500', '--nproc', '2', '--out', out]);
    const done = finished(child);
    const last = join(out, 'checkpoints', 'last.safetensors');
    const deadline = Date.now() + 20_000;
    while (!existsSync(last) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(last), 'rank 0 trains and writes under the launcher\'s lock');
    const lock = JSON.parse(readFileSync(join(out, '.pixelwise.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, child.pid, 'the launcher holds the lock, not rank 0');
    const [alone, launched, resumed] = await Promise.all([
      cli(['train', ...COMMON, '--batch-size', '2', '--epochs', '1', '--out', out]),
      cli(['train', ...COMMON, '--batch-size', '2', '--epochs', '1', '--nproc', '2', '--out', out]),
      cli(['train', '--resume', out, '--epochs', '600']),
    ]);
    for (const r of [alone, launched, resumed]) {
      assert.match(assertOneLineError(r, 1, 'train'), new RegExp(`run folder \\S*locked is in use: process ${child.pid} has been training into it since `));
    }
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(!existsSync(join(out, '.pixelwise.lock')), 'released when the run ended');
    assert.ok(lastCheckpoint(out).epoch >= 1, 'the run itself was not disturbed');
  });

  /** Starts a long 2-rank run, does `fault` to rank 1 after the first checkpoint, returns how it ended. */
  async function faultyRun(name: string, signal: NodeJS.Signals, timeout: number): Promise<{ r: CliResult; ranks: { pid: number; rank: number }[]; out: string }> {
    const out = run(name);
    const child = spawnCli(['train', ...COMMON, '--batch-size', '2', '--epochs', '500', '--nproc', '2', '--dist-timeout', String(timeout), '--out', out]);
    const done = finished(child);
    const last = join(out, 'checkpoints', 'last.safetensors');
    const deadline = Date.now() + 20_000;
    while (!existsSync(last) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(last), 'a first checkpoint was written');
    const ranks = ranksOf(child.pid!);
    assert.deepEqual(ranks.map((r) => r.rank).sort(), [0, 1]);
    process.kill(ranks.find((r) => r.rank === 1)!.pid, signal);
    const r = await done;
    assert.equal(r.code, 1, r.stderr);
    // One error line, the last, and every process gone.
    const errors = r.stderr.split('\n').filter((l) => /error/i.test(l));
    assert.equal(errors.length, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), errors[0]);
    for (const rank of ranks) assert.equal(alive(rank.pid), false, `rank ${rank.rank} (pid ${rank.pid}) is gone`);
    const c = lastCheckpoint(out);
    assert.ok(c.epoch >= 1 && c.step === 4 * c.epoch, `the last checkpoint loads: epoch ${c.epoch}, step ${c.step}`);
    assert.deepEqual(
      readdirSync(join(out, 'checkpoints')).filter((f) => f.endsWith('.tmp')),
      [],
      'no half-written file',
    );
    return { r, ranks, out };
  }

  test('a killed rank ends the run at once: one line naming it, every process gone, the last checkpoint intact', async () => {
    const { r } = await faultyRun('killed', 'SIGKILL', 20);
    assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^pixelwise train: error: rank 1 was killed by SIGKILL \(stopping rank 0\)$/);
  });

  test('a hung rank ends the run within --dist-timeout: rank 0 names it, the launcher ends it', async () => {
    const { r } = await faultyRun('hung', 'SIGSTOP', 8);
    assert.match(
      r.stderr.trimEnd().split('\n').at(-1)!,
      /^pixelwise train: error: rank 0 exited with code 1: rank 0: .*Timed out.*; no failure report from rank 1 \(exited, killed or hung\) \(stopping rank 1\)$/,
    );
  });
});

test('launcher flags: one-line usage errors before any rank starts', async () => {
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [['--nproc', '0'], /--nproc expects an integer >= 1, got '0'/],
    [['--master-addr', '10.0.0.1'], /--master-addr is for runs over several hosts; give --nnodes M too/],
    [['--nnodes', '2', '--node-rank', '1'], /--nnodes 2 needs --master-addr .* and --master-port/],
    [['--nnodes', '2', '--node-rank', '2', '--master-addr', 'h', '--master-port', '5'], /--node-rank expects an integer in \[0, 1\], got '2'/],
    [['--nproc', '2'], /this process is already rank 1 of a distributed run/, { RANK: '1' }],
    [['--nproc', '2', '--model', 'segnet'], /--model expects one of/],
  ];
  const results = await Promise.all(cases.map(([flags, , env]) => cli(['train', ...COMMON, '--out', '/nonexistent/run', ...flags], { env })));
  cases.forEach(([, message], i) => assert.match(assertOneLineError(results[i]!, 2, 'train'), message));
});
