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
const rounds = Number(opts.rounds ?? (quick ? 1 : 3));

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
// Least squares t = a + S / b over the sizes (ms, MB).
const n = ar.length;
const mx = ar.reduce((s, r) => s + r.mb, 0) / n;
const my = ar.reduce((s, r) => s + r.ms, 0) / n;
const slope = ar.reduce((s, r) => s + (r.mb - mx) * (r.ms - my), 0) / ar.reduce((s, r) => s + (r.mb - mx) ** 2, 0);
const intercept = Math.max(0, my - slope * mx);
console.log(`fit: t = ${intercept.toFixed(3)} ms + S / ${(1 / slope).toFixed(2)} GB/s`);

// ---- 2. step throughput -------------------------------------------------------------------------
// Two image sizes: at 128x128 compute dwarfs the ~10 ms all-reduce; at 32x32 it does not, which
// is where overlapping the all-reduce with backward could show.
const sizes = quick ? [96, 32] : [128, 32];
const steps = quick ? 5 : 10;
let baseMs = 0;
let params = 0;
for (const size of sizes) {
  const workload = { model: 'unet-small', channels: 1, classes: 2, size, batch: 8, warmup: 3, steps: size <= 32 ? steps * 4 : steps };
  const variants: [string, () => Promise<any[]>][] = [
    ['1 process x 2 threads, batch 8', () => single({ ...workload, ddp: null }, 2)],
    ['2 processes x 1 thread, batch 4 each, reduce after backward', () => ranks('train', { ...workload, ddp: { overlap: false } }, 2)],
    ['2 processes x 1 thread, batch 4 each, overlapped with backward', () => ranks('train', { ...workload, ddp: { overlap: true } }, 2)],
  ];
  const measured = new Map<string, any[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of variants) {
      const [r] = await run();
      measured.set(name, [...(measured.get(name) ?? []), r]);
    }
  }
  const [base] = variants[0]!;
  const ips0 = median(measured.get(base)!.map((r) => r.imagesPerSecond));
  params = measured.get(base)![0].params as number;
  if (size === sizes[0]) {
    baseMs = median(measured.get(base)!.map((r) => r.msPerStep));
  }
  console.log(`\n## Training throughput: U-Net (base 32, depth 3, BatchNorm; ${(params / 1e6).toFixed(2)} M parameters, ${((params * 4) / 1e6).toFixed(1)} MB of gradients) on 8x1x${size}x${size}, SGD`);
  console.log(`median of ${rounds} interleaved round(s) of ${workload.steps} steps after ${workload.warmup} warm-up steps`);
  console.log('| variant | ms/step (per round) | images/s | vs 1 process |');
  console.log('|---|---:|---:|---:|');
  for (const [name] of variants) {
    const rs = measured.get(name)!;
    const ms = rs.map((r) => r.msPerStep as number);
    const ips = median(rs.map((r) => r.imagesPerSecond));
    console.log(`| ${name} | ${median(ms).toFixed(1)} (${ms.map((m) => m.toFixed(0)).join(', ')}) | ${ips.toFixed(1)} | ${(ips / ips0).toFixed(2)}x |`);
  }
}

// ---- 3. the 8-host estimate -------------------------------------------------------------------
// Ring all-reduce of S bytes over N ranks: 2(N-1) steps, each a latency alpha plus S/N bytes
// over one link: t_N = 2(N-1) alpha + 2(N-1)/N * S / beta. For N = 2 this is 2 alpha + S / beta,
// so the fit above gives alpha = a / 2 and beta = b (loopback: memory copies, not a network).
const S = (params * 4) / 1e6; // MB
const alpha = intercept / 2;
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
