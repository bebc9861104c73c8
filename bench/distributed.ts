// Distributed training on this machine: `npm run build:ts && node dist/bench/distributed.js
// [--quick] [--rounds N]`.
// 1. All-reduce of 1-100 MB between 2 ranks on loopback (Gloo), median time and bandwidth.
// 2. Training throughput of the same global batch as 1 process x 2 threads and as 2 processes
//    x 1 thread (DistributedDataParallel, gradients reduced after backward or overlapped with
//    it), rounds interleaved so drift hits every variant alike.
// 3. A paper estimate of 8 hosts from the ring all-reduce model fitted to (1).
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { launch } from '../src/distributed/index.js';
import { median } from './stats.js';

const { values: opts } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const rankMain = fileURLToPath(new URL('./distributed-rank.js', import.meta.url));
const quick = opts.quick;
const rounds = Number(opts.rounds ?? (quick ? 1 : 4));

function results(output: string): any[] {
  return output.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
}

async function ranks(what: string, config: object, nproc: number): Promise<any[]> {
  const r = await launch({ command: [process.execPath, rankMain, what, JSON.stringify(config)], nprocPerNode: nproc, threadsPerRank: 1, output: 'capture', timeout: 300 });
  if (!r.ok) throw new Error(`${what}: ${r.message}\n${r.ranks.map((e) => e.output).join('\n')}`);
  return results(r.ranks[0]!.output!);
}

async function single(config: object, threads: number): Promise<any[]> {
  const child = spawn(process.execPath, [rankMain, 'train', JSON.stringify(config)], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`single process exited with ${code}`);
  return results(out);
}

console.log(`# distributed training on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);

// ---- 1. all-reduce bandwidth ------------------------------------------------------------------
const sizesMB = quick ? [1, 10, 100] : [1, 2, 5, 10, 25, 50, 100];
const ar = await ranks('allreduce', { sizesMB, warmup: 2, reps: quick ? 3 : 7 }, 2);
console.log('\n## All-reduce (SUM, float32) between 2 ranks on loopback, 1 intra-op thread each');
console.log('| MB | median ms | algorithm GB/s (size / time) |');
console.log('|---:|---:|---:|');
for (const r of ar) console.log(`| ${r.mb} | ${r.ms.toFixed(2)} | ${(r.mb / 1e3 / (r.ms / 1e3)).toFixed(2)} |`);
// Ring model parameters for two ranks (t = 2 alpha + S / beta): alpha from a 4-byte all-reduce,
// beta from the least-squares slope over the sizes >= 10 MB (smaller ones partly stay in cache).
const [tiny] = await ranks('allreduce', { sizesMB: [4e-6], warmup: 5, reps: 50 }, 2);
const alpha = tiny.ms / 2;
const big = ar.filter((r) => r.mb >= 10);
const mx = big.reduce((s, r) => s + r.mb, 0) / big.length;
const my = big.reduce((s, r) => s + r.ms, 0) / big.length;
const slope = big.reduce((s, r) => s + (r.mb - mx) * (r.ms - my), 0) / big.reduce((s, r) => s + (r.mb - mx) ** 2, 0);
console.log(`4-byte all-reduce: ${tiny.ms.toFixed(3)} ms (alpha = ${alpha.toFixed(3)} ms per ring step); bandwidth from the slope over >= 10 MB: ${(1 / slope).toFixed(2)} GB/s`);

// ---- 2. step throughput -------------------------------------------------------------------------
// Two image sizes: at 96x96 compute dwarfs the ~10 ms all-reduce; at 32x32 less so, which is
// where overlapping the all-reduce with backward could show. The one-process and two-rank runs
// alternate (rounds); inside a two-rank run, steps alternate between the two DDP modes.
const sizes = [96, 32];
let baseMs = 0;
let params = 0;
for (const size of sizes) {
  const workload = { model: 'unet-small', channels: 1, classes: 2, size, batch: 8, warmup: 2, steps: (quick ? 4 : 8) * (size <= 32 ? 4 : 1) };
  const names: Record<string, string> = {
    single: '1 process x 2 threads, batch 8',
    after: '2 processes x 1 thread, batch 4 each, reduce after backward',
    overlapped: '2 processes x 1 thread, batch 4 each, overlapped with backward',
  };
  const measured = new Map<string, any[]>();
  const add = (rs: any[]) => rs.filter((r) => r.mode !== 'stats').forEach((r) => measured.set(r.mode, [...(measured.get(r.mode) ?? []), r]));
  for (let round = 0; round < rounds; round++) {
    add(await single({ ...workload, ranks: 1 }, 2));
    add(await ranks('train', { ...workload, ranks: 2 }, 2));
  }
  const ips0 = median(measured.get('single')!.map((r) => r.imagesPerSecond));
  params = measured.get('single')![0].params as number;
  if (size === sizes[0]) baseMs = median(measured.get('single')!.map((r) => r.msPerStep));
  console.log(`\n## Training throughput: U-Net (base 32, depth 3, BatchNorm; ${(params / 1e6).toFixed(2)} M parameters, ${((params * 4) / 1e6).toFixed(1)} MB of gradients) on 8x1x${size}x${size}, SGD`);
  console.log(`${rounds} round(s) of ${workload.steps} timed steps per variant after ${workload.warmup} warm-up; medians (per round in brackets)`);
  console.log('| variant | ms/step | images/s | vs 1 process |');
  console.log('|---|---:|---:|---:|');
  for (const mode of ['single', 'after', 'overlapped']) {
    const rs = measured.get(mode)!;
    const ms = rs.map((r) => r.msPerStep as number);
    const ips = median(rs.map((r) => r.imagesPerSecond));
    console.log(`| ${names[mode]} | ${median(ms).toFixed(1)} (${ms.map((m) => m.toFixed(0)).join(', ')}) | ${ips.toFixed(1)} | ${(ips / ips0).toFixed(2)}x |`);
  }
}

// ---- 3. the 8-host estimate -------------------------------------------------------------------
// Ring all-reduce of S bytes over N ranks: 2(N-1) steps, each a latency alpha plus S/N bytes
// over one link: t_N = 2(N-1) alpha + 2(N-1)/N * S / beta. For N = 2 this is 2 alpha + S / beta
// (loopback: memory copies on a shared 2-core machine, not a network).
const S = (params * 4) / 1e6; // MB
const ring = (N: number, betaGBs: number, alphaMs: number) => 2 * (N - 1) * alphaMs + ((2 * (N - 1)) / N) * (S / 1e3 / betaGBs) * 1e3;
const compute = baseMs; // ms per step of one 2-core host at batch 8 (the first size)
console.log(`\n## Estimate (not measured): 8 hosts like this one, batch 8 per host, gradients reduced after backward`);
console.log(`compute ${compute.toFixed(0)} ms/step per host (measured above); ${S.toFixed(1)} MB of gradients; ring model t = 2(N-1) alpha + 2(N-1)/N S/beta`);
console.log('| link | alpha ms | beta GB/s | all-reduce ms (8 hosts) | step ms | speed-up vs 1 host | efficiency |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [link, beta, a] of [
  ['loopback as measured', 1 / slope, alpha],
  ['10 GbE (1.25 GB/s, 0.05 ms)', 1.25, 0.05],
  ['1 GbE (0.125 GB/s, 0.1 ms)', 0.125, 0.1],
] as [string, number, number][]) {
  const t8 = ring(8, beta, a);
  const step = compute + t8;
  console.log(`| ${link} | ${a.toFixed(3)} | ${beta.toFixed(2)} | ${t8.toFixed(1)} | ${step.toFixed(0)} | ${((8 * compute) / step).toFixed(2)}x | ${((100 * compute) / step).toFixed(0)}% |`);
}
