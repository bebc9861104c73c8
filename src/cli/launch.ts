// Data-parallel runs from the command line. `--nproc N` (and `--nnodes M --node-rank R
// --master-addr H --master-port P` on several hosts) makes this process the launcher, torchrun's
// role: it starts N ranks running the same command without those flags, forwards their output
// (rank 0 reports; the others are quiet except for errors), passes Ctrl-C on, and ends with one
// line naming the first rank that failed. A process started with RANK and WORLD_SIZE in its
// environment (by this launcher or by `torchrun --no-python`) is one rank of such a run.
import { availableParallelism } from 'node:os';
import { launch } from '../distributed/index.js';
import type { DistributedTrainingOptions } from '../train/distributed.js';
import type { ProgressCallback } from '../io/progress.js';
import { flag, num, str, UsageError, type OptionSpecs, type Parsed } from './args.js';
import { progressBars } from './progress-bar.js';

export const distributedOptionSpecs: OptionSpecs = {
  nproc: { type: 'string', help: 'N  data-parallel ranks on this host, one process each; --batch-size is per rank (default 1: this process alone)' },
  nnodes: { type: 'string', help: 'M  hosts taking part (default 1); start the same command on each, with its --node-rank' },
  'node-rank': { type: 'string', help: 'R  this host in 0..M-1; host 0 holds the run folder and the rendezvous (default 0)' },
  'master-addr': { type: 'string', help: 'HOST  address of host 0 as the others reach it (needed with --nnodes)' },
  'master-port': { type: 'string', help: 'P  port of the rendezvous on host 0 (needed with --nnodes; one host: a free one)' },
  'dist-timeout': { type: 'string', help: 'SECONDS  how long a rank waits for the others before the run fails (default 600)' },
  'sync-batchnorm': { type: 'boolean', help: 'BatchNorm statistics over the global batch in a distributed run (SyncBatchNorm)' },
};

/** Flags of the launcher itself: the ranks run the command without them. */
const LAUNCHER_FLAGS = ['nproc', 'nnodes', 'node-rank', 'master-addr', 'master-port'];

/** What `--resume` accepts besides its own options: how to spread the resumed run. */
export const DISTRIBUTED_RESUME_OPTIONS = [...LAUNCHER_FLAGS, 'dist-timeout'] as const;

export interface LaunchPlan {
  nproc: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  timeout: number;
  threads: number | undefined;
}

function timeoutOf(args: Parsed): number {
  return num(args, 'dist-timeout', { min: 0.001, default: 600 })!;
}

/** The launcher's settings, or null when this command runs in one process (or is a rank). */
export function launchPlan(args: Parsed): LaunchPlan | null {
  const nproc = num(args, 'nproc', { min: 1, integer: true });
  const nnodes = num(args, 'nnodes', { min: 1, integer: true });
  const hostFlags = ['node-rank', 'master-addr', 'master-port'].filter((f) => str(args, f) !== undefined);
  if ((nnodes ?? 1) === 1 && hostFlags.length) {
    throw new UsageError(`--${hostFlags[0]} is for runs over several hosts; give --nnodes M too`);
  }
  if ((nproc ?? 1) === 1 && (nnodes ?? 1) === 1) return null;
  if (process.env.RANK !== undefined) {
    throw new UsageError(`--nproc and --nnodes start ranks, but this process is already rank ${process.env.RANK} of a distributed run (RANK is set)`);
  }
  const plan: LaunchPlan = {
    nproc: nproc ?? 1,
    nnodes: nnodes ?? 1,
    nodeRank: num(args, 'node-rank', { min: 0, max: (nnodes ?? 1) - 1, integer: true, default: 0 })!,
    masterAddr: str(args, 'master-addr') ?? '127.0.0.1',
    masterPort: num(args, 'master-port', { min: 0, max: 65535, integer: true, default: 0 })!,
    timeout: timeoutOf(args),
    threads: num(args, 'threads', { min: 1, integer: true }),
  };
  if (plan.nnodes > 1 && (str(args, 'master-addr') === undefined || !plan.masterPort)) {
    throw new UsageError(`--nnodes ${plan.nnodes} needs --master-addr (host 0's address) and --master-port (a port free on host 0), the same on every host`);
  }
  return plan;
}

/** The command line of a rank: the given options without the launcher's. */
function rankArgv(args: Parsed): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(args.values)) {
    if (LAUNCHER_FLAGS.includes(name) || value === undefined || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) argv.push(`--${name}`, ...(v === true ? [] : [v]));
  }
  return [...argv, ...args.positionals];
}

const RANK_ERROR = /^pixelwise [\w-]+: error: /;

/**
 * Forwards the ranks' output as it comes, except their one-line errors: the launcher's own
 * last line reports the failure that ended the run (and names its rank).
 */
function forwardRankOutput(): (rank: number, stream: 'stdout' | 'stderr', text: string) => void {
  const partial = new Map<string, string>();
  return (rank, stream, text) => {
    const key = `${rank} ${stream}`;
    let rest = (partial.get(key) ?? '') + text;
    let out = '';
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      const line = rest.slice(0, nl + 1);
      rest = rest.slice(nl + 1);
      if (stream === 'stdout' || !RANK_ERROR.test(line)) out += line;
    }
    // An unfinished line goes out now (progress bars redraw without a newline) unless it may be an error line.
    const mayBeError = stream === 'stderr' && ('pixelwise '.startsWith(rest) || rest.startsWith('pixelwise '));
    if (rest && !mayBeError) {
      out += rest;
      rest = '';
    }
    partial.set(key, rest);
    if (out) (stream === 'stdout' ? process.stdout : process.stderr).write(out);
  };
}

/**
 * Runs `command` as the ranks of this host and waits for them; resolves to the exit code, or
 * throws one line naming the rank that failed first.
 */
export async function launchRanks(command: string, args: Parsed, plan: LaunchPlan): Promise<number> {
  const quiet = flag(args, 'quiet');
  const threads = plan.threads ?? Math.max(1, Math.floor(availableParallelism() / plan.nproc));
  const world = plan.nproc * plan.nnodes;
  const first = plan.nodeRank * plan.nproc;
  const stop = new AbortController();
  let pids: number[] = [];
  let interrupted = false;
  let stoppedBy: NodeJS.Signals | null = null;
  // The ranks have process groups of their own: Ctrl-C reaches them only through here.
  const onSigint = (): void => {
    if (!interrupted) {
      interrupted = true;
      for (const pid of pids) signalRank(pid, 'SIGINT');
    } else {
      stoppedBy = 'SIGINT';
      console.error('\ninterrupt: stopping every rank now');
      stop.abort();
    }
  };
  const onSigterm = (): void => {
    stoppedBy = 'SIGTERM';
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const tty = process.stderr.isTTY ? { PIXELWISE_PROGRESS_COLUMNS: String(process.stderr.columns ?? 80) } : {};
  try {
    const result = await launch({
      command: [process.execPath, ...process.execArgv, process.argv[1]!, command, ...rankArgv(args)],
      nprocPerNode: plan.nproc,
      nnodes: plan.nnodes,
      nodeRank: plan.nodeRank,
      masterAddr: plan.masterAddr,
      masterPort: plan.masterPort,
      threadsPerRank: threads,
      timeout: plan.timeout,
      env: { ...process.env, ...tty, PIXELWISE_LAUNCHER_PID: String(process.pid) },
      output: forwardRankOutput(),
      detached: true,
      killGraceMs: 5000,
      // After a forwarded Ctrl-C every rank stops on its own with 130.
      failed: ({ code, signal }) => signal !== null || (code !== 0 && !(interrupted && code === 130)),
      signal: stop.signal,
      onStart: ({ port, pids: started }) => {
        pids = started;
        if (interrupted) for (const pid of pids) signalRank(pid, 'SIGINT');
        if (!quiet) {
          const ranks = plan.nproc > 1 ? `ranks ${first}-${first + plan.nproc - 1}` : `rank ${first}`;
          console.error(`${command}: ${ranks} of ${world} on this host, ${threads} thread${threads > 1 ? 's' : ''} each; rendezvous at ${plan.masterAddr}:${port}`);
        }
      },
    });
    if (result.ok) return 0;
    if (stoppedBy === 'SIGTERM') {
      console.error(`pixelwise ${command}: stopped by SIGTERM; every rank was stopped`);
      return 143;
    }
    if (stoppedBy === 'SIGINT' || (interrupted && result.failedRank === null)) return 130;
    throw new Error((result.message ?? 'a rank failed').replace(/: pixelwise [\w-]+: error: /, ': '));
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

function signalRank(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** How this process takes part in the run it was started for. */
export interface RankRole {
  /** Spread into the run's options: how to join the group, and progress bars for the launcher's terminal. */
  options: { distributed?: DistributedTrainingOptions; onProgress?: ProgressCallback };
  /** Whether this process writes the run folder (rank 0, or a process training alone). */
  writes: boolean;
}

/**
 * This process's part: alone (no RANK/WORLD_SIZE, or a world of one), or one rank of a
 * distributed run. A rank stops when asked to (SIGTERM) after the file it is writing, and when
 * the launcher that started it is gone.
 */
export function rankRole(args: Parsed): RankRole {
  const env = process.env;
  if (env.RANK === undefined || env.WORLD_SIZE === undefined || env.WORLD_SIZE === '1') return { options: {}, writes: true };
  // The default action would end the process mid-write; a handler runs between events, after it.
  process.on('SIGTERM', () => process.exit(143));
  const launcher = Number(env.PIXELWISE_LAUNCHER_PID);
  if (launcher > 0) {
    const watch = setInterval(() => {
      if (process.ppid !== launcher) {
        console.error(`pixelwise: error: rank ${env.RANK}: its launcher (pid ${launcher}) is gone; stopping`);
        process.exit(1);
      }
    }, 1000);
    watch.unref();
  }
  const options: RankRole['options'] = { distributed: { init: { timeout: timeoutOf(args) } } };
  const columns = Number(env.PIXELWISE_PROGRESS_COLUMNS);
  if (columns > 0) {
    // The launcher draws on a terminal: rank 0's bars redraw in place there.
    options.onProgress = flag(args, 'quiet') ? undefined : progressBars({ tty: true, stream: { write: (s) => process.stderr.write(s), isTTY: true, columns } });
  }
  return { options, writes: env.RANK === '0' };
}
