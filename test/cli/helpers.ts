// Running the built CLI (dist/src/cli/main.js) as a user would, in a child process, and the
// temp folders the CLI tests work in.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareRun, type TrainRunOptions } from '../../src/train/run.js';

/** The CLI entry point of this build (dist/test/cli -> dist/src/cli/main.js). */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `pixelwise ...args`; one libtorch thread so tests running side by side do not compete. */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, OMP_NUM_THREADS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started CLI process's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `pixelwise ...args` to completion. */
export function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return finished(spawnCli(args, options));
}

/** A temp folder removed after the test (or suite) `t`. */
export function tempDir(t: { after: (fn: () => void) => void }, tag = 'cli'): string {
  const dir = mkdtempSync(join(tmpdir(), `pixelwise-${tag}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts a failed run: the exit code, and stderr holding exactly one error line, no stack trace; returns it. */
export function assertOneLineError(r: CliResult, code: number, command: string): string {
  assert.equal(r.code, code, `exit code ${r.code}, expected ${code}; stderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one error line, got:\n${r.stderr}`);
  assert.ok(lines[0]!.startsWith(`pixelwise ${command}: `), lines[0]);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

/** The tests' tiny training: a U-Net (depth 2, base width 4) on 8 synthetic 32x32 scenes, batch 4, one thread, no workers. */
export const TINY_RUN = {
  data: { format: 'synthetic', count: 8, size: 32 },
  valSplit: 'val',
  model: 'unet',
  modelOptions: { baseWidth: 4, depth: 2 },
  batchSize: 4,
  threads: 1,
  workers: 0,
} as const satisfies Partial<TrainRunOptions>;

/** Trains TINY_RUN (one epoch, unless overridden) into run folder `out`; returns `out`. */
export async function trainTinyRun(out: string, overrides: Partial<TrainRunOptions> = {}): Promise<string> {
  const run = await prepareRun({
    ...TINY_RUN,
    epochs: 1,
    out,
    log: () => undefined, // the trainer's epoch lines
    ...overrides,
  } as TrainRunOptions);
  try {
    await run.trainer.run();
  } finally {
    await run.close();
  }
  return out;
}

/** Runs several CLI invocations, at most `limit` at a time (2 cores: more only contend). */
export async function cliAll(runs: string[][], limit = 2): Promise<CliResult[]> {
  const results: CliResult[] = new Array(runs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < runs.length) {
      const i = next++;
      results[i] = await cli(runs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, runs.length) }, lane));
  return results;
}
