// Issue 9's cases as a new user (or bad input) meets them: never lose a run, never hang or go
// silent, bounded resources, no surprises. `S` is the tiny training run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cudaAvailable } from '../../src/torch/index.js';
import { encodePng, } from '../../src/image/png.js';
import { ihdrBytes, pngChunk, SIGNATURE } from '../../src/image/png-chunks.js';
import { makeFolder } from '../data/make-datasets.js';
import { assertOneLineError, cli, cliAll, finished, MAIN, spawnCli, tempDir } from './helpers.js';

const S = ['--format', 'synthetic', '--count', '4', '--model', 'unet', '--depth', '2', '--base-width', '4', '--size', '32x32', '--epochs', '1', '--threads', '1', '--precision', 'fp32'];
const LOCK = '.pixelwise.lock';

/** The pid of a process that has exited (a lock it left is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function writeLock(run: string, pid: number): void {
  writeFileSync(join(run, LOCK), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'pixelwise train (test)' }) + '\n');
}

test('train never replaces a run by surprise: a non-empty --out is refused, --overwrite replaces it and says so', async (t) => {
  const run = join(tempDir(t, 'trust'), 'RUN');
  const first = await cli(['train', ...S, '--out', run, '-q']);
  assert.equal(first.code, 0, first.stderr);
  const last = join(run, 'checkpoints', 'last.safetensors');
  const before = readFileSync(last);
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8');

  const again = await cli(['train', ...S, '--out', run, '-q']);
  const line = assertOneLineError(again, 1, 'train');
  assert.match(line, /run folder .*RUN is not empty \(an earlier run: checkpoints, config\.json, .*\); continue that run with --resume .*RUN, replace it with --overwrite, or give another --out/);
  assert.ok(readFileSync(last).equals(before) && readFileSync(join(run, 'metrics.jsonl'), 'utf8') === metrics, 'the finished run is untouched');

  // A finished run resumed says it is complete instead of exiting silently.
  const resumed = await cli(['train', '--resume', run]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /RUN is complete \(1 of 1 epochs trained\); nothing to do\. Train it longer with --resume .*RUN --epochs N \(N > 1\)/);

  const replaced = await cli(['train', ...S, '--out', run, '-q', '--overwrite']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stderr, /^overwriting run folder .*RUN: removed the earlier run's checkpoints, config\.json, curves\.png, curves\.svg, metrics\.jsonl \(--overwrite\)$/m);
  assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 1, 'one run in the folder, not two');
  // --overwrite replaces a run, never other files.
  writeFileSync(join(run, 'notes.txt'), 'mine');
  assert.match(assertOneLineError(await cli(['train', ...S, '--out', run, '--overwrite']), 1, 'train'), /--overwrite replaces an earlier run's files, but run folder .*RUN also holds notes\.txt/);
  assert.equal(readFileSync(join(run, 'notes.txt'), 'utf8'), 'mine');
  // --out naming a file.
  assert.match(assertOneLineError(await cli(['train', ...S, '--out', join(run, 'notes.txt')]), 1, 'train'), /run folder .*notes\.txt exists and is not a folder/);
});

test('a run folder is locked while it trains: a second process gets a clear error; a stale lock is taken over', async (t) => {
  const dir = tempDir(t, 'trust');
  // Two real processes into one folder: the second stops at once, naming the first.
  const run = join(dir, 'A');
  const a = spawnCli(['train', ...S, '--count', '16', '--batch-size', '4', '--epochs', '200', '--out', run]);
  const aDone = finished(a);
  // Once it trains (so Ctrl-C stops it cleanly later).
  await new Promise<void>((resolve) => {
    let seen = '';
    a.stderr!.on('data', (s: string) => {
      seen += s;
      if (/^epoch 1\b/m.test(seen)) resolve();
    });
    a.on('close', () => resolve());
  });
  assert.ok(existsSync(join(run, LOCK)), 'the first training holds a lock');
  const b = await cli(['train', ...S, '--out', run, '--overwrite']);
  assert.match(assertOneLineError(b, 1, 'train'), new RegExp(`run folder .*A is in use: process ${a.pid} has been training into it since \\S+ \\(.*train.*\\); wait for it, stop it, or give another --out`));
  const resume = await cli(['train', '--resume', run]);
  assert.match(assertOneLineError(resume, 1, 'train'), new RegExp(`is in use: process ${a.pid}`), 'resuming a run that is training is refused too');
  a.kill('SIGINT'); // stops after the step, saves, unlocks
  const ra = await aDone;
  assert.equal(ra.code, 130, ra.stderr);
  assert.ok(!existsSync(join(run, LOCK)), 'the lock went with the run');

  // A second Ctrl-C quits at once (130); the lock goes with the process, or (killed natively
  // without exit handlers) is left stale and taken over: either way the run resumes.
  const twice = join(dir, 'T');
  const c = spawnCli(['train', ...S, '--count', '16', '--batch-size', '4', '--epochs', '200', '--out', twice]);
  const cDone = finished(c);
  await new Promise<void>((resolve) => {
    let seen = '';
    c.stderr!.on('data', (s: string) => {
      seen += s;
      if (/^epoch 1\b/m.test(seen)) resolve();
    });
    c.on('close', () => resolve());
  });
  c.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 20));
  c.kill('SIGINT');
  assert.equal((await cDone).code, 130);
  if (existsSync(join(twice, 'checkpoints', 'last.safetensors'))) {
    const again = await cli(['train', '--resume', twice, '--epochs', '1', '-q']);
    assert.equal(again.code, 0, again.stderr);
  }

  // A lock left by a process that is gone is taken over, with a warning.
  const stale = join(dir, 'B');
  mkdirSync(stale);
  const gone = deadPid();
  writeLock(stale, gone);
  const r = await cli(['train', ...S, '--out', stale, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^warning: taking over the lock of run folder .*B left by process ${gone} \\(started 2026-01-01T00:00:00\\.000Z\\), which is gone$`, 'm'));
  assert.deepEqual(readdirSync(stale).sort(), ['checkpoints', 'config.json', 'curves.png', 'curves.svg', 'metrics.jsonl'], 'trained, and unlocked at the end');

  // A lock held by a live process (not pixelwise, but alive): refused.
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  const held = join(dir, 'C');
  mkdirSync(held);
  writeLock(held, sleeper.pid!);
  assert.match(assertOneLineError(await cli(['train', ...S, '--out', held]), 1, 'train'), new RegExp(`is in use: process ${sleeper.pid} has been training into it since 2026-01-01`));
});

test('--out under /proc (where mkdir -p spins forever) ends at once with one line: train, predict, inspect', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'trust');
  const run = join(dir, 'run');
  assert.equal((await cli(['train', ...S, '--out', run, '-q'])).code, 0);
  const ckpt = join(run, 'checkpoints', 'best.safetensors');
  const image = join(dir, 'a.png');
  writeFileSync(image, encodePng({ width: 32, height: 32, channels: 3, data: new Uint8Array(32 * 32 * 3).fill(90) }));
  const [train, predict, inspect] = await cliAll([
    ['train', ...S, '--out', '/proc/x', '-q'],
    ['predict', '-c', ckpt, image, '--out', '/proc/x'],
    ['inspect', 'filters', '-c', ckpt, '--layer', 'encoder.0.conv1', '--out', '/proc/x/f.png'],
  ]);
  assert.match(assertOneLineError(train, 1, 'train'), /cannot create run folder \/proc\/x: /);
  assert.match(assertOneLineError(predict, 1, 'predict'), /cannot create output folder \/proc\/x: /);
  assert.match(assertOneLineError(inspect, 1, 'inspect'), /cannot create output folder \/proc\/x: /);
});

test('images: a huge header is refused before decoding (data check reports it); --size and --factor are checked up front', async (t) => {
  const dir = tempDir(t, 'trust');
  makeFolder(dir, { count: 3, width: 32, height: 24, classesJson: ['a', 'b', 'c'] });
  // A few dozen bytes that declare 20000x20000 pixels (1.6 GB once decoded).
  const huge = join(dir, 'images', 'img_2.png');
  writeFileSync(huge, Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdrBytes(20000, 20000, 8, 2)), pngChunk('IDAT', Uint8Array.of(1)), pngChunk('IEND', new Uint8Array(0))]));
  const [check, lowered, size, factor] = await cliAll([
    ['data', 'check', dir, '--format', 'folder'],
    ['data', 'check', dir, '--format', 'folder', '--max-image-pixels', '100', '--json'],
    ['train', ...S, '--size', '100000x100000', '--out', join(dir, 'run')],
    ['upsample', join(dir, 'images', 'img_0.png'), '--factor', '100000', '--out', join(dir, 'up.png')],
  ]);
  assert.equal(check.code, 1, check.stderr);
  assert.match(check.stdout, new RegExp(`\\[too-large\\] ${huge.replace(/[.]/g, '\\.')}: 20000x20000 \\(HxW\\) is 400,000,000 pixels, more than the limit of 178,956,970`));
  assert.doesNotMatch(check.stdout, /no problems found/);
  // HxW everywhere: the 32-wide, 24-high images are 24x32.
  assert.match(check.stdout, /image sizes \(HxW\)/);
  assert.match(check.stdout, /^\(root\)\s+3\s+2\s+24x32/m);
  // A lower limit refuses ordinary images too (here the first mask, read to learn the classes).
  const report = JSON.parse(lowered.stdout) as { problems: { kind: string; file: string; message: string }[] };
  assert.deepEqual(report.problems.map((p) => [p.kind, p.file]), [['too-large', join(dir, 'masks', 'img_0.png')]]);
  assert.match(report.problems[0]!.message, /24x32 \(HxW\) is 768 pixels, more than the limit of 100/);
  assert.match(assertOneLineError(size, 1, 'train'), /size \(--size\) 100000x100000 \(HxW\) gives images of 10,000,000,000 pixels, more than the limit of 178,956,970/);
  assert.match(assertOneLineError(factor, 1, 'upsample'), /factor 100000 turns 24x32 \(HxW\) into 2400000x3200000, 7,680,000,000,000 pixels, more than the limit/);
  assert.ok(!existsSync(join(dir, 'run')) && !existsSync(join(dir, 'up.png')), 'nothing written');
});

test('sizes are HxW: predict prints them so; train warns when --size flips the data\'s orientation; --tile implies --scale native', async (t) => {
  const dir = tempDir(t, 'trust');
  makeFolder(dir, { count: 4, width: 32, height: 24, classesJson: ['a', 'b', 'c'] });
  const run = join(dir, 'run');
  const common = ['--data', dir, '--format', 'folder', '--model', 'unet', '--depth', '2', '--base-width', '4', '--epochs', '1', '--threads', '1'];
  const r = await cli(['train', ...common, '--size', '32x24', '--val-split', 'none', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: --size 32x24 is HEIGHTxWIDTH \(portrait\), but the training images are 24x32 \(HxW, landscape\); they will be squashed — did you mean --size 24x32\?$/m);
  assert.match(r.stderr, /^input {4}32x24 \(HxW\), 3 channels/m, 'the start-up summary');
  const ckpt = join(run, 'checkpoints', 'last.safetensors');
  const image = join(dir, 'images', 'img_0.png');
  const [plain, tiled, conflict] = await cliAll([
    ['predict', '-c', ckpt, image, '--out', join(dir, 'p1')],
    ['predict', '-c', ckpt, image, '--out', join(dir, 'p2'), '--tile', '16'],
    ['predict', '-c', ckpt, image, '--out', join(dir, 'p3'), '--tile', '16', '--scale', 'train'],
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /img_0\.png {2}24x32 \(HxW\) \(model at 32x24\)/, 'resized to the training size by default');
  assert.equal(tiled.code, 0, tiled.stderr);
  assert.match(tiled.stdout, /img_0\.png {2}24x32 \(HxW\) {2}/, 'tiles run at the image\'s own size');
  assert.doesNotMatch(tiled.stdout, /model at/);
  assert.match(assertOneLineError(conflict, 2, 'predict'), /--tile runs the model on the image at its own size \(--scale native\)/);
  assert.match((await cli(['predict', '--help'])).stdout, /--tile N .*implies --scale native/);
});

test('--device: cuda on a CPU-only libtorch is one line (train, eval, predict); a wrong name is a usage error', { skip: cudaAvailable() ? 'this libtorch has CUDA' : false }, async (t) => {
  const dir = tempDir(t, 'trust');
  const ckpt = join(dir, 'none.safetensors');
  const [train, evaluate, predict, bad] = await cliAll([
    ['train', ...S, '--device', 'cuda', '--out', join(dir, 'run')],
    ['eval', '-c', ckpt, '--format', 'synthetic', '--device', 'cuda:1'],
    ['predict', '-c', ckpt, 'x.png', '--out', join(dir, 'p'), '--device', 'cuda'],
    ['train', ...S, '--device', 'tpu', '--out', join(dir, 'run')],
  ]);
  for (const [r, name, device] of [[train, 'train', 'cuda'], [evaluate, 'eval', 'cuda:1'], [predict, 'predict', 'cuda']] as const) {
    assert.equal(assertOneLineError(r, 1, name), `pixelwise ${name}: error: --device '${device}': this libtorch was built without CUDA (CPU only); use 'cpu', or build pixelwise against a CUDA libtorch (LIBTORCH=...)`);
  }
  assert.match(assertOneLineError(bad, 2, 'train'), /--device expects cpu, cuda or cuda:N, got 'tpu'/);
  assert.ok(!existsSync(join(dir, 'run')) && !existsSync(join(dir, 'p')));
});

test('progress to a pipe: one line per epoch and per validation; a start-up summary and an estimate; metrics.jsonl and config.json hold what a run needs', async (t) => {
  const run = join(tempDir(t, 'trust'), 'run');
  const r = await cli(['train', ...S, '--count', '16', '--batch-size', '4', '--epochs', '2', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n');
  assert.deepEqual(lines.filter((l) => /^epoch \d\/2 /.test(l)).map((l) => l.slice(0, 14)), ['epoch 1/2  16/', 'epoch 2/2  16/'], 'one progress line per epoch, at its end');
  assert.equal(lines.filter((l) => /^validate \d /.test(l)).length, 2, 'one per validation');
  assert.ok(!r.stderr.includes('\r'));
  assert.match(r.stderr, /^model {4}unet: [\d,]+ parameters \(all trainable\)$/m);
  assert.match(r.stderr, /^data {5}16 training images, 16 validation images$/m);
  assert.match(r.stderr, /^input {4}32x32 \(HxW\), 3 channels; batch 4, 4 steps per epoch, 2 epochs$/m);
  assert.match(r.stderr, /^runs on {2}cpu, 1 thread, fp32, channels-last$/m);
  assert.match(r.stderr, /^estimate: .* per epoch \(training only\), ~.* for 2 epoch\(s\)$/m);

  type Rec = { epoch: number; seconds: number; elapsed: number; perClassIoU: Record<string, number | null> };
  const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  assert.deepEqual(Object.keys(records[0]!.perClassIoU), ['background', 'circle', 'square', 'triangle']);
  assert.ok(records[1]!.elapsed >= records[0]!.elapsed + records[1]!.seconds - 0.01, 'elapsed is cumulative');
  const resumed = await cli(['train', '--resume', run, '--epochs', '3', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const all = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  assert.ok(all[2]!.elapsed >= all[1]!.elapsed + all[2]!.seconds - 0.01, 'a resumed run continues the clock');

  const env = (JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { environment: Record<string, unknown> }).environment;
  assert.equal(env.pixelwise, (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  assert.match(String(env.libtorch), /^\d+\.\d+/);
  assert.equal(env.device, 'cpu');
  assert.equal(env.threads, 1);
  assert.equal(env.precision, 'fp32');
  assert.equal(typeof env.cpu, 'string');
  assert.deepEqual(Object.keys(env.cpuFeatures as object).sort(), ['amx', 'avx2', 'avx512', 'bf16']);
});

test('pixelwise env prints versions, CUDA, CPU features, threads and the optional parts; exit codes are documented', async () => {
  const [text, json, help] = await cliAll([['env'], ['env', '--json'], ['--help']]);
  assert.equal(text.code, 0, text.stderr);
  for (const key of ['pixelwise', 'node', 'libtorch', 'cuda', 'cpu', 'cpu features', 'threads', 'distributed', 'onnxruntime', 'chromium']) {
    assert.match(text.stdout, new RegExp(`^${key} +\\S`, 'm'), key);
  }
  assert.match(text.stdout, /^cpu features +AVX2 (yes|no), AVX-512 (yes|no), bf16 (yes|no), AMX (yes|no)$/m);
  const info = JSON.parse(json.stdout) as { node: string; libtorch: { version: string }; optional: Record<string, { available: boolean }> };
  assert.equal(info.node, process.versions.node);
  assert.match(info.libtorch.version, /^\d+\.\d+/);
  assert.deepEqual(Object.keys(info.optional), ['distributed', 'onnxruntime', 'chromium']);
  assert.equal(info.optional.chromium!.available, existsSync('/usr/bin/chromium'));
  assert.match(help.stdout, /exit codes: 0 done, 1 error .*, 2 usage mistake,\s+130 interrupted/);
});

// Disk full: a tmpfs of a few hundred KB in a private mount namespace (skipped where that is not allowed).
const canMount = spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' }).status === 0;
test('a full disk ends with one line naming the file; the earlier checkpoint stays intact', { skip: canMount ? false : 'needs unshare -Urm and mount' }, async (t) => {
  const dir = tempDir(t, 'trust');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const pw = `"${process.execPath}" "${MAIN}"`;
  const script = [
    'set -e',
    `mount -t tmpfs -o size=1m tmpfs "${mnt}"`,
    `${pw} train ${S.join(' ')} --out "${mnt}/run" -q 2>/dev/null`,
    `cp "${mnt}/run/checkpoints/last.safetensors" "${dir}/before.safetensors"`,
    // Fill the disk but four pages: the lock and config.json fit, a checkpoint does not.
    `for i in 1 2 3 4; do dd if=/dev/zero of="${mnt}/spare$i" bs=4k count=1 2>/dev/null; done`,
    `dd if=/dev/zero of="${mnt}/fill" bs=4k 2>/dev/null || true`,
    `rm "${mnt}"/spare*`,
    'set +e',
    `${pw} train --resume "${mnt}/run" --epochs 2 -q; echo "exit $?" >&2`,
    `cmp "${mnt}/run/checkpoints/last.safetensors" "${dir}/before.safetensors" && echo "checkpoint intact" >&2`,
    `ls -A "${mnt}/run" "${mnt}/run/checkpoints" >&2`,
  ].join('\n');
  const r = spawnSync('unshare', ['-Urm', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0]!, /^pixelwise train: error: cannot write \S*\/run\/checkpoints\/(best|last)\.safetensors: no space left on device \(ENOSPC\)$/, r.stderr);
  assert.equal(lines[1], 'exit 1');
  assert.equal(lines[2], 'checkpoint intact', r.stderr);
  assert.ok(!/\.tmp|\.pixelwise\.lock/.test(r.stderr), `no temp file or lock left behind:\n${r.stderr}`);
  assert.ok(statSync(join(dir, 'before.safetensors')).size > 0);
});

test('the smaller messages: not CamVid, --pad-to smaller than the images, --out naming a file, a symlink loop, a checkpoint that is not one', async (t) => {
  const dir = tempDir(t, 'trust');
  makeFolder(join(dir, 'odd'), { count: 2, width: 30, height: 26, classesJson: ['a', 'b', 'c'] });
  writeFileSync(join(dir, 'file.txt'), 'x');
  symlinkSync(join(dir, 'loop.png'), join(dir, 'loop.png'));
  const weights = join(dir, 'weights.safetensors');
  writeFileSync(weights, Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
  const run = join(dir, 'good');
  assert.equal((await cli(['train', ...S, '--out', run, '-q'])).code, 0);
  const ckpt = join(run, 'checkpoints', 'best.safetensors');
  const [camvid, padTo, outFile, loop, plain] = await cliAll([
    ['eval', '-c', ckpt, '--format', 'camvid', '--data', join(dir, 'odd')],
    ['train', '--data', join(dir, 'odd'), '--format', 'folder', '--model', 'unet', '--depth', '2', '--base-width', '4', '--pad-to', '10x10', '--out', join(dir, 'run')],
    ['predict', '-c', ckpt, join(dir, 'odd', 'images', 'img_0.png'), '--out', join(dir, 'file.txt')],
    ['predict', '-c', ckpt, join(dir, 'loop.png'), '--out', join(dir, 'p')],
    ['predict', '-c', weights, join(dir, 'odd', 'images'), '--out', join(dir, 'p')],
  ]);
  assert.match(assertOneLineError(camvid, 1, 'eval'), /odd: no CamVid split here: expected train\/ \+ trainannot\/, val\/ \+ valannot\/ or test\/ \+ testannot\/ \(SegNet layout\); is it another --format\?/);
  assert.match(assertOneLineError(padTo, 1, 'train'), /the training images are 26x30 \(HxW: 26x30 as stored; --pad-to 10x10 only pads up, never crops\) — use --size 28x32 \(resize\) or --pad-to 28x32/);
  assert.match(assertOneLineError(outFile, 1, 'predict'), /output folder .*file\.txt exists and is not a folder/);
  assert.match(assertOneLineError(loop, 1, 'predict'), /input .*loop\.png is a symbolic link that leads back to itself \(a symlink loop\)/);
  assert.match(assertOneLineError(plain, 1, 'predict'), /weights\.safetensors holds weights only, not a pixelwise checkpoint \(no pixelwise metadata\)/);
  assert.ok(!existsSync(join(dir, 'run')) && !existsSync(join(dir, 'p')));
});
