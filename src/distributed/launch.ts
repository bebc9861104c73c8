// Starts the ranks of one host (torchrun's role): hosts the rendezvous store on node 0 (port 0:
// a free one), starts nprocPerNode processes with torchrun's environment and a share of the
// cores each, forwards their output, and ends them all as soon as one fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { distAddon, type StoreHandle } from './addon.js';
import { DEFAULT_TIMEOUT_SECONDS } from './env.js';

export interface LaunchOptions {
  /** One rank's command line: the executable, then its arguments (e.g. [process.execPath, script, ...]). */
  command: readonly string[];
  /** Ranks on this host. */
  nprocPerNode: number;
  /** Hosts taking part; default 1. */
  nnodes?: number;
  /** This host's index in 0..nnodes-1; node 0 hosts the store. Default 0. */
  nodeRank?: number;
  /** Address of node 0 as the other hosts reach it; default 127.0.0.1. */
  masterAddr?: string;
  /** Port of the store on node 0; 0 (the default, one host only) lets the OS pick a free one. */
  masterPort?: number;
  /** Intra-op threads per rank (OMP_NUM_THREADS); default the cores divided among the local ranks. */
  threadsPerRank?: number;
  /** The ranks' environment before the variables set here; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Seconds the store waits for a rank; default 600. */
  timeout?: number;
  /**
   * 'forward' (default) passes the ranks' output to this process's; 'capture' keeps it in the
   * result; a function receives it. Once a rank has failed, the others' output (their reactions
   * to it) is no longer forwarded: the result's message names the first failure.
   */
  output?: 'forward' | 'capture' | ((rank: number, stream: 'stdout' | 'stderr', text: string) => void);
  /**
   * Start each rank in a process group of its own, so a terminal's Ctrl-C reaches this process
   * only (which then decides what the ranks get); default false.
   */
  detached?: boolean;
  /**
   * Whether a rank's exit is a failure that stops the others; default any exit code but 0 or
   * any signal. (A launcher that forwarded Ctrl-C expects the ranks' exit code 130.)
   */
  failed?: (exit: { code: number | null; signal: NodeJS.Signals | null }) => boolean;
  /** Milliseconds between SIGTERM and SIGKILL when the ranks are stopped; default 3000. */
  killGraceMs?: number;
  /** Stops every rank when aborted (e.g. on SIGINT of the launching command). */
  signal?: AbortSignal;
  /** Called once the ranks are started: the store's port and their process ids by local rank. */
  onStart?: (info: { port: number; pids: number[] }) => void;
}

export interface RankExit {
  rank: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout + stderr with output 'capture'. */
  output?: string;
}

export interface LaunchResult {
  /** Every local rank exited with code 0. */
  ok: boolean;
  port: number;
  ranks: RankExit[];
  /** The first local rank that failed, or null. */
  failedRank: number | null;
  /** One line on what failed (with the failed rank's last line of stderr), or null. */
  message: string | null;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`launch: ${name} ${v}, expected an integer >= ${min}`);
  return v;
}

/** The line of a rank's stderr that says what went wrong: the last one naming an error. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const named = lines.filter((l) => /error/i.test(l) && !/^at /.test(l));
  const line = named.length ? named[named.length - 1]! : (lines[lines.length - 1] ?? '');
  // Node prints an uncaught error without a stack as [Error: message].
  return line.replace(/^\[(\w*Error: .*)\]$/, '$1');
}

/** Runs the ranks of this host until all have exited; resolves with how each ended. */
export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  if (options.command.length === 0) throw new Error('launch: empty command');
  const nproc = positiveInt('nprocPerNode', options.nprocPerNode);
  const nnodes = positiveInt('nnodes', options.nnodes ?? 1);
  const nodeRank = options.nodeRank ?? 0;
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new Error(`launch: nodeRank ${nodeRank}, expected 0..${nnodes - 1}`);
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  const requestedPort = options.masterPort ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) throw new Error(`launch: masterPort ${requestedPort}, expected 0..65535`);
  if (requestedPort === 0 && nnodes > 1) throw new Error('launch: several hosts need a fixed masterPort (0 picks one only this host would know)');
  const threads = positiveInt('threadsPerRank', options.threadsPerRank ?? Math.max(1, Math.floor(availableParallelism() / nproc)));
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  const grace = options.killGraceMs ?? 3000;
  const worldSize = nproc * nnodes;

  let store: StoreHandle | null = null;
  let port = requestedPort;
  if (nodeRank === 0) {
    store = await distAddon().storeCreate(masterAddr, requestedPort, true, Math.round(timeout * 1000));
    port = distAddon().storePort(store);
  }

  const children: ChildProcess[] = [];
  const exits: (RankExit | undefined)[] = new Array(nproc);
  const errTail: string[] = new Array(nproc).fill('');
  const captured: string[] = new Array(nproc).fill('');
  let failedRank: number | null = null;
  let message: string | null = null;
  let killTimer: NodeJS.Timeout | null = null;

  const stopAll = (why: string): void => {
    if (message !== null) return;
    message = why;
    for (let i = 0; i < nproc; i++) {
      const c = children[i];
      if (c && exits[i] === undefined) {
        c.kill('SIGTERM');
        // A stopped (hung) process handles SIGTERM only once continued.
        c.kill('SIGCONT');
      }
    }
    killTimer = setTimeout(() => {
      for (let i = 0; i < nproc; i++) if (exits[i] === undefined) children[i]?.kill('SIGKILL');
    }, grace);
    killTimer.unref();
  };

  const done = new Promise<void>((resolve) => {
    let remaining = nproc;
    for (let local = 0; local < nproc; local++) {
      const rank = nodeRank * nproc + local;
      const child = spawn(options.command[0]!, options.command.slice(1), {
        env: {
          ...(options.env ?? process.env),
          MASTER_ADDR: masterAddr,
          MASTER_PORT: String(port),
          RANK: String(rank),
          WORLD_SIZE: String(worldSize),
          LOCAL_RANK: String(local),
          LOCAL_WORLD_SIZE: String(nproc),
          GROUP_RANK: String(nodeRank),
          OMP_NUM_THREADS: String(threads),
          TORCHELASTIC_USE_AGENT_STORE: 'True',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: options.detached ?? false,
      });
      children.push(child);
      const output = options.output ?? 'forward';
      const keep = (chunk: Buffer, isErr: boolean): void => {
        const text = chunk.toString();
        if (output === 'capture') captured[local] += text;
        else if (message !== null) {
          // stopping: what the others say now is about the failure already reported
        } else if (output === 'forward') (isErr ? process.stderr : process.stdout).write(chunk);
        else output(rank, isErr ? 'stderr' : 'stdout', text);
        if (isErr) errTail[local] = (errTail[local] + text).slice(-8192);
      };
      child.stdout!.on('data', (c: Buffer) => keep(c, false));
      child.stderr!.on('data', (c: Buffer) => keep(c, true));
      child.on('error', (err) => {
        // spawn failed (no such executable): 'close' still follows.
        errTail[local] += `\n${err.message}\n`;
      });
      child.on('close', (code, signal) => {
        exits[local] = { rank, pid: child.pid ?? -1, code, signal, ...(options.output === 'capture' ? { output: captured[local] } : {}) };
        const failed = options.failed ? options.failed({ code, signal }) : code !== 0 || signal !== null;
        if (failed && message === null) {
          failedRank = rank;
          const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
          const others = Array.from({ length: nproc }, (_, i) => i).filter((i) => i !== local && exits[i] === undefined);
          const line = errorLine(errTail[local]!);
          const last = line ? `: ${line}` : '';
          stopAll(`rank ${rank} ${how}${last}${others.length ? ` (stopping rank${others.length > 1 ? 's' : ''} ${others.map((i) => nodeRank * nproc + i).join(', ')})` : ''}`);
        }
        if (--remaining === 0) resolve();
      });
    }
  });
  const onAbort = () => stopAll('stopped: the launch was aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  options.onStart?.({ port, pids: children.map((c) => c.pid ?? -1) });

  try {
    await done;
  } finally {
    if (killTimer) clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    if (store) distAddon().storeClose(store);
  }
  const ranks = exits as RankExit[];
  return { ok: ranks.every((e) => e.code === 0 && e.signal === null), port, ranks, failedRank, message };
}
