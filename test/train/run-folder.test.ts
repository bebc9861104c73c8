import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkNewRunFolder, LOCK_FILE, readLock, RunLock } from '../../src/train/run-folder.js';
import { SINGLE_PROCESS } from '../../src/train/parallel.js';
import { orientationWarning, prepareRun, resumeRun, train, type TrainRunOptions } from '../../src/train/run.js';
import { EpochEstimate } from '../../src/train/trainer.js';
import { machineCpu } from '../../src/train/environment.js';
import { cpuInfo, type CpuInfo } from '../../src/torch/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-runfolder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const tiny = (out: string, extra: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
  data: { format: 'synthetic', count: 4, size: 32 },
  model: 'unet',
  modelOptions: { baseWidth: 4, depth: 2 },
  batchSize: 4,
  epochs: 1,
  threads: 1,
  workers: 0,
  out,
  log: () => undefined,
  ...extra,
});

test('the run-folder lock: one holder, a clear error for a second, a stale lock taken over with a warning, a launcher parent\'s lock shared', (t) => {
  const dir = join(tempDir(t), 'run');
  const lock = RunLock.acquire(dir);
  const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string };
  assert.deepEqual([info.pid, info.host], [process.pid, hostname()]);
  assert.throws(() => RunLock.acquire(dir), /run folder .* is already locked by this process/);
  lock.release();
  lock.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));

  const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), started: 'then', command: 'x' }));
  const warnings: string[] = [];
  const taken = RunLock.acquire(dir, (w) => warnings.push(w));
  assert.deepEqual(warnings, [`warning: taking over the lock of run folder ${dir} left by process ${gone} (started then), which is gone`]);
  taken.release();

  // A distributed launcher holds the lock for its ranks: rank 0 (its child) works under it.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'now', command: 'launcher' }));
  const shared = RunLock.acquire(dir);
  assert.equal(shared.owned, false);
  shared.release();
  assert.ok(existsSync(join(dir, LOCK_FILE)), "the launcher's lock stays");
  // Another host's lock cannot be checked: refused, saying how to clear it.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', started: 'now', command: 'x' }));
  assert.throws(() => RunLock.acquire(dir), /locked by process 1 on elsewhere \(since now\); if that run is gone, delete .*\.pixelwise\.lock/);
});

test('checkNewRunFolder: empty or missing is fine; a run needs --overwrite; other files are never overwritten', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(checkNewRunFolder(join(dir, 'missing'), false), []);
  writeFileSync(join(dir, LOCK_FILE), '{}');
  assert.deepEqual(checkNewRunFolder(dir, false), [], 'the lock alone does not count');
  mkdirSync(join(dir, 'checkpoints'));
  writeFileSync(join(dir, 'metrics.jsonl'), '');
  assert.throws(() => checkNewRunFolder(dir, false), /is not empty \(an earlier run: checkpoints, metrics\.jsonl\); continue that run with --resume/);
  assert.deepEqual(checkNewRunFolder(dir, true), ['checkpoints', 'metrics.jsonl']);
  writeFileSync(join(dir, 'thesis.tex'), '');
  assert.throws(() => checkNewRunFolder(dir, true), /also holds thesis\.tex/);
  assert.throws(() => checkNewRunFolder(join(dir, 'thesis.tex'), false), /thesis\.tex exists and is not a folder/);
});

test('trainModel refuses a finished run; resumeRun trains like trainModel; a secondary rank leaves the folder to rank 0', async (t) => {
  const out = join(tempDir(t), 'run');
  const first = await train(tiny(out));
  assert.equal(first.history.length, 1);
  await assert.rejects(train(tiny(out)), /run folder .* is not empty \(an earlier run/);
  const resumed = await resumeRun(out, { epochs: 2, log: () => undefined });
  assert.deepEqual(resumed.history.map((r) => r.epoch), [1, 2], 'resumeRun trained the second epoch');
  assert.equal(resumed.run.complete, false);
  const again = await resumeRun(out, { epochs: 2, log: () => undefined });
  assert.equal(again.run.complete, true, 'a complete run says so');
  assert.deepEqual(readdirSync(out).sort(), ['checkpoints', 'config.json', 'curves.png', 'curves.svg', 'metrics.jsonl']);

  const overwritten: string[] = [];
  const replaced = await train(tiny(out, { overwrite: true, log: (l) => overwritten.push(l) }));
  assert.equal(replaced.history.length, 1);
  assert.match(overwritten[0]!, /^overwriting run folder .*: removed the earlier run's checkpoints, config\.json, curves\.png, curves\.svg, metrics\.jsonl \(--overwrite\)$/);

  // A secondary rank (DataParallel.writes false: rank 1 of a distributed run): no check, no lock, no config.json of its own.
  writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.pid + 100000, host: 'rank0-host', started: 'now', command: 'x' }));
  const before = readFileSync(join(out, 'config.json'), 'utf8');
  const run = await prepareRun(tiny(out, { seed: 7 }), null, { ...SINGLE_PROCESS, rank: 1, writes: false });
  await run.close();
  assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), before);
  assert.equal(readLock(out)?.host, 'rank0-host', "rank 0's lock is left alone");
});

test('orientationWarning: --size is HxW; a flip of the data\'s orientation is named', () => {
  assert.equal(orientationWarning([360, 480], { width: 480, height: 360 }), null);
  assert.equal(orientationWarning([256, 256], { width: 480, height: 360 }), null);
  assert.match(orientationWarning([480, 360], { width: 480, height: 360 })!, /--size 480x360 is HEIGHTxWIDTH \(portrait\), but the training images are 360x480 \(HxW, landscape\).*did you mean --size 360x480\?/);
});

test('the epoch estimate: measured after the warm-up step, once; a warning for a run over an hour unless a time budget ends it first', () => {
  let now = 0;
  const clock = (): number => now;
  const est = new EpochEstimate(30, 30, 10, { now: clock });
  assert.equal(est.afterStep(1), null, 'the first step is warm-up');
  now += 14_600;
  const lines = est.afterStep(1)!;
  assert.equal(lines[0], 'estimate: 14.6 s per image, ~7 min per epoch (training only), ~73 min for 10 epoch(s)');
  assert.match(lines[1]!, /^warning: this run will take about 73 min; a smaller --size/);
  assert.equal(est.afterStep(1), null, 'said once');
  const fast = new EpochEstimate(4, 16, 2, { now: clock });
  fast.afterStep(4);
  now += 100;
  assert.equal(fast.afterStep(4), null, 'not before 3 steps or 10 s');
  now += 100;
  assert.deepEqual(fast.afterStep(4), ['estimate: 40.0 img/s, ~0.4 s per epoch (training only), ~0.8 s for 2 epoch(s)']);
  // A time budget that ends the run first is said, and no warning (the demo: 1,000 epochs, 120 s).
  const budgeted = new EpochEstimate(30, 30, 1000, { now: clock, timeBudget: 120 });
  budgeted.afterStep(1);
  now += 14_600;
  assert.deepEqual(budgeted.afterStep(1), ['estimate: 14.6 s per image, ~7 min per epoch (training only), ~121.7 h for 1000 epoch(s); the 120 s time budget ends it first']);
});

test('machineCpu records the features that matter from the cpuid reading', () => {
  const none = Object.fromEntries(Object.keys(cpuInfo().features).map((k) => [k, false])) as unknown as CpuInfo['features'];
  const base: CpuInfo = { vendor: 'GenuineIntel', model: 'Test CPU', features: none, nativeBf16: null, atenCapability: 'AVX512', onednnIsa: null, onednnVersion: null };
  const amx = machineCpu({ ...base, features: { ...none, avx2: true, avx512f: true, avx512_bf16: true, amx_tile: true, amx_bf16: true }, nativeBf16: 'amx' });
  assert.deepEqual([amx.model, amx.avx2, amx.avx512, amx.bf16, amx.amx], ['Test CPU', true, true, true, true]);
  assert.deepEqual(amx.flags, ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile']);
  const old = machineCpu({ ...base, model: '' });
  assert.deepEqual([old.model, old.avx2, old.avx512, old.bf16, old.amx, old.flags], ['GenuineIntel', false, false, false, false, []]);
  // This machine: the record agrees with the native reading it comes from.
  const here = machineCpu();
  assert.equal(here.bf16, cpuInfo().nativeBf16 !== null);
  assert.equal(here.avx512, cpuInfo().features.avx512f);
});
