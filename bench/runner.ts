// Runs one case at one thread count: a pixelwise and a PyTorch worker process side by side,
// idle in turn, timed in alternating blocks (A B B A A B ...) so machine drift hits both.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { BenchCase } from './cases.js';
import type { BlockMessage, ReadyMessage, WorkerMessage, WorkerSpec } from './protocol.js';

/** How to start each side; env adds variables to that side only (for A/B experiments). */
export interface Commands {
  pixelwise: { command: string; args: string[]; env?: Record<string, string> };
  pytorch: { command: string; args: string[]; env?: Record<string, string> };
}

export interface SideRun {
  ready: ReadyMessage;
  blocks: BlockMessage[];
  peakRssKb: number;
}

export interface CaseRun {
  pixelwise: SideRun;
  pytorch: SideRun;
  /** Which side ran first in each round. */
  order: ('pixelwise' | 'pytorch')[];
}

/** A worker process and its line-by-line JSON replies (also bench/onnx.ts's three sides). */
export class Worker {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #queue: WorkerMessage[] = [];
  #waiting: ((m: WorkerMessage | Error) => void) | null = null;
  #stderr = '';
  #failure: Error | null = null;

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.#proc = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#lines = createInterface({ input: this.#proc.stdout });
    this.#lines.on('line', (line) => {
      let m: WorkerMessage;
      try {
        m = JSON.parse(line) as WorkerMessage;
      } catch {
        this.#stderr += `\n(stdout) ${line}`;
        return;
      }
      this.#deliver(m);
    });
    this.#proc.on('error', (err) => this.#fail(new Error(`${name}: cannot start ${command}: ${err.message}`)));
    this.#proc.on('exit', (code, signal) => {
      // Give stderr a moment to drain so the message says why.
      setTimeout(() => {
        const lines = this.#stderr.trim().split('\n');
        const reason = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
        this.#fail(new Error(`${name} worker exited (${signal ?? code}): ${reason.trim() || 'no output'}`));
      }, 50);
    });
  }

  #deliver(m: WorkerMessage | Error): void {
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = null;
      w(m);
    } else if (!(m instanceof Error)) {
      this.#queue.push(m);
    }
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#deliver(err);
  }

  async next<E extends WorkerMessage['event']>(event: E): Promise<Extract<WorkerMessage, { event: E }>> {
    const m =
      this.#queue.shift() ??
      (this.#failure ? this.#failure : await new Promise<WorkerMessage | Error>((resolve) => (this.#waiting = resolve)));
    if (m instanceof Error) throw m;
    if (m.event !== event) throw new Error(`${this.name}: expected '${event}', got '${m.event}'`);
    return m as Extract<WorkerMessage, { event: E }>;
  }

  send(line: string): void {
    this.#proc.stdin.write(line + '\n');
  }

  kill(): void {
    if (this.#proc.exitCode === null) this.#proc.kill();
  }
}

export async function runCase(c: BenchCase, threads: number, cmds: Commands, seed = 0): Promise<CaseRun> {
  const spec: WorkerSpec = {
    workload: c.workload,
    threads,
    channelsLast: c.channelsLast,
    precision: c.precision,
    inplace: c.inplace,
    eager: c.eager,
    warmup: c.warmup,
    seed,
  };
  const json = JSON.stringify(spec);
  // Same OpenMP settings for both; each also sets libtorch's intra-op threads explicitly.
  // pixelwise defaults OpenMP to passive waiting (src/torch/native.ts); PyTorch gets the same,
  // so the comparison is of the engines, not of a setting (--env OMP_WAIT_POLICY=ACTIVE for both).
  const env = {
    ...process.env,
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const workers = {
    pixelwise: new Worker('pixelwise', cmds.pixelwise.command, [...cmds.pixelwise.args, json], { ...env, ...cmds.pixelwise.env }),
    pytorch: new Worker('pytorch', cmds.pytorch.command, [...cmds.pytorch.args, json], { ...env, ...cmds.pytorch.env }),
  };
  try {
    // Set-up is not timed, so both may warm up at once.
    const [pwReady, ptReady] = await Promise.all([workers.pixelwise.next('ready'), workers.pytorch.next('ready')]);
    const blocks = { pixelwise: [] as BlockMessage[], pytorch: [] as BlockMessage[] };
    const order: CaseRun['order'] = [];
    for (let r = 0; r < c.rounds; r++) {
      // A B, then B A: a linear drift within a pair of rounds cancels.
      const sides = r % 2 === 0 ? (['pixelwise', 'pytorch'] as const) : (['pytorch', 'pixelwise'] as const);
      order.push(sides[0]);
      for (const side of sides) {
        workers[side].send(`run ${c.iters}`);
        blocks[side].push(await workers[side].next('block'));
      }
    }
    workers.pixelwise.send('quit');
    workers.pytorch.send('quit');
    const [pwDone, ptDone] = await Promise.all([workers.pixelwise.next('done'), workers.pytorch.next('done')]);
    return {
      pixelwise: { ready: pwReady, blocks: blocks.pixelwise, peakRssKb: pwDone.maxRssKb },
      pytorch: { ready: ptReady, blocks: blocks.pytorch, peakRssKb: ptDone.maxRssKb },
      order,
    };
  } finally {
    workers.pixelwise.kill();
    workers.pytorch.kill();
  }
}
