// pixelwise side of a benchmark case: node dist/bench/worker.js '<WorkerSpec JSON>'.
// Builds the workload, warms up, prints a 'ready' line, then answers stdin commands:
// 'run N' times N steps and prints one JSON line; 'quit' prints the final report.
// The mirror of reference/worker.py: same protocol, same work, same measurements.
import { createInterface } from 'node:readline';
import { PerformanceObserver } from 'node:perf_hooks';
import { getNumThreads, manualSeed, setNumThreads } from '../src/torch/index.js';
import { native } from '../src/torch/native.js';
import { buildWorkload } from './workloads.js';
import type { WorkerMessage, WorkerSpec } from './protocol.js';

function emit(m: WorkerMessage): void {
  process.stdout.write(JSON.stringify(m) + '\n');
}

function usage(): { maxRssKb: number; minorFaults: number; cpuMs: number } {
  const u = process.resourceUsage();
  return { maxRssKb: u.maxRSS, minorFaults: u.minorPageFault, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 };
}

/** Runs fn, counting the operator calls it makes through the generic dispatcher entry points. */
function countOps(fn: () => number | undefined): { loss: number | undefined; ops: number } {
  const original = native.callOp;
  const originalVoid = native.callOpVoid;
  let calls = 0;
  native.callOp = (...args) => {
    calls++;
    return original(...args);
  };
  native.callOpVoid = (...args) => {
    calls++;
    return originalVoid(...args);
  };
  try {
    return { loss: fn(), ops: calls };
  } finally {
    native.callOp = original;
    native.callOpVoid = originalVoid;
  }
}

const flushGcEntries = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as WorkerSpec;
  setNumThreads(spec.threads);
  manualSeed(spec.seed);
  const { step, info } = await buildWorkload(spec);
  const setupRssKb = usage().maxRssKb;
  // The last warm-up step also counts operator calls (with warmup 1 that is the first step,
  // which creates optimizer state: a few more ops than later steps).
  const warmup = Math.max(1, spec.warmup);
  let first: number | undefined;
  let opsPerStep = 0;
  for (let i = 0; i < warmup; i++) {
    const r = i === warmup - 1 ? countOps(step) : { loss: step(), ops: 0 };
    if (i === 0) first = r.loss;
    opsPerStep = r.ops;
  }

  let gcCount = 0;
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  emit({
    event: 'ready',
    runtime: 'pixelwise',
    version: process.version,
    threads: getNumThreads(),
    setupRssKb,
    firstLoss: spec.workload.kind === 'train' && typeof first === 'number' ? first : null,
    opsPerStep,
    ...info,
  });
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (!cmd) continue;
    if (cmd === 'quit') break;
    const n = Number(arg);
    // GC entries arrive asynchronously (after a timer tick); flush the previous block's first.
    await flushGcEntries();
    gcCount = 0;
    gcMs = 0;
    const before = usage();
    const timesMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      step();
      timesMs.push(performance.now() - t0);
    }
    const after = usage();
    await flushGcEntries();
    emit({ event: 'block', timesMs, maxRssKb: after.maxRssKb, minorFaults: after.minorFaults - before.minorFaults, cpuMs: after.cpuMs - before.cpuMs, gcCount, gcMs });
  }
  gcObserver.disconnect();
  emit({ event: 'done', maxRssKb: usage().maxRssKb });
}

main().catch((err: unknown) => {
  process.stderr.write(`pixelwise bench worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
