// onnxruntime-node side of bench/onnx.ts: node dist/bench/onnx-worker.js '<spec JSON>'. Loads an
// exported model and its input from files (the harness wrote them from the same seeded model
// the pixelwise and PyTorch workers build), so this process never loads libtorch; then speaks
// worker.ts's protocol: 'ready', then 'run N' -> one block of step times, 'quit' -> 'done'.
// A step is what the other sides time: the forward, then the argmax over classes and its sum.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import type { WorkerMessage } from './protocol.js';

interface OrtSpec {
  model: string;
  input: string;
  shape: number[];
  threads: number;
  warmup: number;
}

function emit(m: WorkerMessage): void {
  process.stdout.write(JSON.stringify(m) + '\n');
}

function usage(): { maxRssKb: number; minorFaults: number; cpuMs: number } {
  const u = process.resourceUsage();
  return { maxRssKb: u.maxRSS, minorFaults: u.minorPageFault, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as OrtSpec;
  const session = await ort.InferenceSession.create(readFileSync(spec.model), { intraOpNumThreads: spec.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const raw = readFileSync(spec.input);
  const x = new ort.Tensor('float32', new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), spec.shape);
  const step = async (): Promise<number> => {
    const out = (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
    const [n, k, h, w] = out.dims as number[];
    const data = out.data as Float32Array;
    const plane = h! * w!;
    let sum = 0;
    for (let b = 0; b < n!; b++) {
      for (let i = 0; i < plane; i++) {
        let best = 0;
        let bestV = data[b * k! * plane + i]!;
        for (let c = 1; c < k!; c++) {
          const v = data[(b * k! + c) * plane + i]!;
          if (v > bestV) {
            bestV = v;
            best = c;
          }
        }
        sum += best;
      }
    }
    return sum;
  };
  for (let i = 0; i < Math.max(1, spec.warmup); i++) await step();
  emit({ event: 'ready', runtime: 'onnxruntime' as 'pixelwise', version: `onnxruntime-node ${ort.env.versions.common}`, threads: spec.threads, setupRssKb: usage().maxRssKb, firstLoss: null });
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (!cmd) continue;
    if (cmd === 'quit') break;
    const before = usage();
    const timesMs: number[] = [];
    for (let i = 0; i < Number(arg); i++) {
      const t0 = performance.now();
      await step();
      timesMs.push(performance.now() - t0);
    }
    const after = usage();
    emit({ event: 'block', timesMs, maxRssKb: after.maxRssKb, minorFaults: after.minorFaults - before.minorFaults, cpuMs: after.cpuMs - before.cpuMs });
  }
  await session.release();
  emit({ event: 'done', maxRssKb: usage().maxRssKb });
}

main().catch((err: unknown) => {
  process.stderr.write(`onnxruntime bench worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
