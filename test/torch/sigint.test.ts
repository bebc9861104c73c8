// Ctrl-C twice ends the process with code 130 even while synchronous libtorch work blocks the
// JS thread (native/interrupt.cc); once, it still asks the work to stop (withInterrupt's stop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./sigint-child.js', import.meta.url));

function run(mode: 'sync' | 'async', signals: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('ready')) {
        sent = true;
        // Inside the loop of products, then again while the first has not been handled.
        setTimeout(() => p.kill('SIGINT'), 300);
        if (signals > 1) setTimeout(() => p.kill('SIGINT'), 600);
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('a second Ctrl-C during a synchronous libtorch loop exits with code 130', async () => {
  const r = await run('sync', 2);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 130, `exit code (stdout: ${r.stdout.trim()}; stderr: ${r.stderr.trim()})`);
  assert.match(r.stderr, /interrupt: stopping after this product \(Ctrl-C again to quit now\)/);
  assert.match(r.stderr, /quitting now/);
});

test('a first Ctrl-C still reaches the JS listener: the work stops at its next safe point', async () => {
  const r = await run('async', 1);
  assert.equal(r.code, 0, `exit code (stdout: ${r.stdout.trim()}; stderr: ${r.stderr.trim()})`);
  assert.match(r.stdout, /stopped/);
  // Printed once (by the native handler), not again by the listener.
  assert.equal(r.stderr.match(/interrupt: stopping/g)?.length, 1, r.stderr);
});
