// PyTorch's own launcher starting pixelwise's ranks: `torchrun --no_python node main.js train`
// (torchrun hosts the rendezvous store and sets RANK, WORLD_SIZE, MASTER_ADDR, ...). Needs
// torchrun (Debian's python3-torch); skips without it. Slow: torchrun's Python start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../cli/helpers.js';
import { NO_GLOO } from '../distributed/helpers.js';
import { assertSameTraining, COMMON, ok } from '../distributed/cli-runs.js';

const torchrun = spawnSync('torchrun', ['--help'], { stdio: 'ignore' }).status === 0;
const skip = NO_GLOO || (torchrun ? false : 'skipped: torchrun (python3-torch) is not installed');

test('ranks started by torchrun --no_python train as `--nproc 2` does', { skip, timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-torchrun-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const args = [...COMMON, '--batch-size', '2', '--epochs', '2'];
  ok(await cli(['train', ...args, '--nproc', '2', '--out', join(dir, 'launcher')]), 'pixelwise launcher');
  // --redirects/--tee 1: torch 1.13's parsing of their default (0) fails on Python 3.12.
  const r = spawnSync('torchrun', ['--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', '--no_python', process.execPath, main, 'train', ...args, '--out', join(dir, 'torchrun')], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assertSameTraining(join(dir, 'launcher'), join(dir, 'torchrun'));
});
