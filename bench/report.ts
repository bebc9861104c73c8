// Turns raw worker blocks into per-side summaries and ratios; prints the table.
import type { BenchCase } from './cases.js';
import type { CaseRun, SideRun } from './runner.js';
import { median, quantile } from './stats.js';

export interface SideSummary {
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  steps: number;
  /** Images (ops for overhead cases) per second at the median step time. */
  perSecond: number;
  gflops?: number;
  /** GFLOP/s per CPU-second of the process (all threads): unlike wall time, barely moved by other processes at 1 thread. */
  cpuGflops?: number;
  peakRssMb: number;
  setupRssMb: number;
  minorFaultsPerStep: number;
  /** Process CPU time per step (all threads). */
  cpuMsPerStep: number;
  gcPerStep?: number;
  gcMsPerStep?: number;
  opsPerStep?: number;
  params?: number;
  firstLoss: number | null;
  version: string;
}

export interface CaseResult {
  id: string;
  group: string;
  threads: number;
  workload: BenchCase['workload'];
  channelsLast: boolean;
  precision: BenchCase['precision'];
  inplace: boolean;
  eager: boolean;
  /** bf16 cases: whether this CPU runs bfloat16 natively (AMX or AVX512-BF16) or emulates it. */
  nativeBf16?: boolean;
  pixelwise?: SideSummary;
  pytorch?: SideSummary;
  /** PyTorch median step time / pixelwise median step time: > 1 means pixelwise is faster. */
  speedRatio?: number;
  /** The same ratio for each adjacent pair of blocks: its spread shows the noise. */
  blockRatios?: number[];
  /** PyTorch CPU time per step / pixelwise's: the same comparison, less sensitive to other processes. */
  cpuRatio?: number;
  /** pixelwise peak RSS / PyTorch peak RSS: < 1 means pixelwise uses less. */
  rssRatio?: number;
  /** Peak RSS growth over each process's own set-up RSS (runtime baselines differ). */
  rssGrowthRatio?: number;
  /** First training loss equal on both sides (same model, weights and data). */
  sameLoss?: boolean;
  skipped?: string;
  /** Wall time of the whole case (both processes, set-up included). */
  seconds?: number;
}

const mb = (kb: number): number => kb / 1024;

function summarise(c: BenchCase, s: SideRun): SideSummary {
  const times = s.blocks.flatMap((b) => b.timesMs);
  const steps = times.length;
  const m = median(times);
  const gcCount = s.blocks.reduce((n, b) => n + (b.gcCount ?? 0), 0);
  const gcMs = s.blocks.reduce((n, b) => n + (b.gcMs ?? 0), 0);
  const hasGc = s.blocks.some((b) => b.gcCount !== undefined);
  return {
    medianMs: m,
    q1Ms: quantile(times, 0.25),
    q3Ms: quantile(times, 0.75),
    steps,
    perSecond: (c.items * 1000) / m,
    gflops: c.flops === undefined ? undefined : c.flops / m / 1e6,
    cpuGflops: c.flops === undefined ? undefined : c.flops / (s.blocks.reduce((n, b) => n + b.cpuMs, 0) / steps) / 1e6,
    peakRssMb: mb(s.peakRssKb),
    setupRssMb: mb(s.ready.setupRssKb),
    minorFaultsPerStep: s.blocks.reduce((n, b) => n + b.minorFaults, 0) / steps,
    cpuMsPerStep: s.blocks.reduce((n, b) => n + b.cpuMs, 0) / steps,
    gcPerStep: hasGc ? gcCount / steps : undefined,
    gcMsPerStep: hasGc ? gcMs / steps : undefined,
    opsPerStep: s.ready.opsPerStep,
    params: s.ready.params,
    firstLoss: s.ready.firstLoss,
    version: s.ready.version,
  };
}

export function summariseCase(c: BenchCase, threads: number, run: CaseRun | Error, nativeBf16: boolean): CaseResult {
  const base = {
    id: c.id,
    group: c.group,
    threads,
    workload: c.workload,
    channelsLast: c.channelsLast,
    precision: c.precision,
    inplace: c.inplace,
    eager: c.eager,
    ...(c.precision === 'bf16' ? { nativeBf16 } : {}),
  };
  if (run instanceof Error) return { ...base, skipped: run.message };
  const pw = summarise(c, run.pixelwise);
  const pt = summarise(c, run.pytorch);
  const blockRatios = run.pixelwise.blocks.map((b, i) => median(run.pytorch.blocks[i]!.timesMs) / median(b.timesMs));
  const lossA = pw.firstLoss;
  const lossB = pt.firstLoss;
  return {
    ...base,
    pixelwise: pw,
    pytorch: pt,
    speedRatio: pt.medianMs / pw.medianMs,
    blockRatios,
    cpuRatio: pt.cpuMsPerStep / pw.cpuMsPerStep,
    rssRatio: pw.peakRssMb / pt.peakRssMb,
    rssGrowthRatio: (pw.peakRssMb - pw.setupRssMb) / Math.max(pt.peakRssMb - pt.setupRssMb, 1e-9),
    sameLoss: lossA === null || lossB === null ? undefined : Math.abs(lossA - lossB) <= 1e-4 * Math.max(1, Math.abs(lossB)),
  };
}

// ---- table -----------------------------------------------------------------------------

const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

const HEAD = ['case', 'thr', 'pw ms', 'pt ms', 'speed', 'spread', 'cpu', 'pw GF/s', 'pt GF/s', 'GF/cpu-s pw/pt', 'pw MB', 'pt MB', 'RSS', 'flt/step pw/pt', 'notes'];

export function tableRow(r: CaseResult): string[] {
  if (r.skipped) return [r.id, String(r.threads), '', '', '', '', '', '', '', '', '', '', '', '', `skipped: ${r.skipped.split('\n')[0]!.slice(0, 90)}`];
  const pw = r.pixelwise!;
  const pt = r.pytorch!;
  const spread = r.blockRatios!.length ? `${Math.min(...r.blockRatios!).toFixed(2)}-${Math.max(...r.blockRatios!).toFixed(2)}` : '';
  const notes: string[] = [];
  if (r.nativeBf16 === false) notes.push('bf16 emulated: no AVX512-BF16/AMX');
  if (r.sameLoss === false) notes.push(`LOSS DIFFERS ${pw.firstLoss} vs ${pt.firstLoss}`);
  if (r.sameLoss === true) notes.push('same loss');
  if (pw.params !== undefined && pt.params !== undefined && pw.params !== pt.params) notes.push(`PARAMS DIFFER ${pw.params} vs ${pt.params}`);
  if (pw.opsPerStep !== undefined && r.group !== 'ops') notes.push(`${pw.opsPerStep} ops`);
  if (pw.gcPerStep) notes.push(`gc ${pw.gcPerStep.toFixed(1)}/step ${fmt(pw.gcMsPerStep, 1)}ms`);
  return [
    r.id,
    String(r.threads),
    ms(pw.medianMs),
    ms(pt.medianMs),
    `${r.speedRatio!.toFixed(3)}x`,
    spread,
    `${r.cpuRatio!.toFixed(3)}x`,
    fmt(pw.gflops),
    fmt(pt.gflops),
    pw.cpuGflops === undefined ? '-' : `${fmt(pw.cpuGflops)}/${fmt(pt.cpuGflops)}`,
    fmt(pw.peakRssMb, 0),
    fmt(pt.peakRssMb, 0),
    `${r.rssRatio!.toFixed(2)}x`,
    `${fmt(pw.minorFaultsPerStep, 0)}/${fmt(pt.minorFaultsPerStep, 0)}`,
    notes.join('; '),
  ];
}

export function formatTable(rows: CaseResult[]): string {
  const cells = [HEAD, ...rows.map(tableRow)];
  const widths = HEAD.map((_, i) => (i === HEAD.length - 1 ? 0 : Math.max(...cells.map((r) => r[i]!.length))));
  return cells.map((r) => pad(r, widths).trimEnd()).join('\n');
}

export const LEGEND = [
  'speed = PyTorch median step time / pixelwise median step time (>1: pixelwise faster); spread = the same per A/B block pair.',
  'cpu = the same ratio of process CPU time per step (all threads; steadier than wall time when other processes compete at 1 thread).',
  'GF/cpu-s = GFLOP per CPU-second of each process (at 1 thread the layout and precision comparison least moved by a busy machine).',
  'MB = peak RSS of each process (set-up included); RSS = pixelwise/PyTorch (<1: pixelwise smaller). CL = channels_last in both.',
  "bf16 = forward passes under autocast('cpu', bfloat16) on both sides (loss, backward and optimizer in float32 master weights).",
  'flt/step = minor page faults per step (fresh pages from the kernel); gc = V8 collections in the pixelwise process.',
].join('\n');
