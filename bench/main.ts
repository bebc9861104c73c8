// pixelwise vs PyTorch on this machine: `npm run bench -- [--quick | --all] [--threads 1,2]
// [--group ops,engine,overhead,zoo] [--only text] [--precision auto|fp32|bf16] [--rounds N]
// [--iters N] [--python path]
// [--out file.json | --no-json] [--list]`.
// --env K=V,K=V sets variables on both sides (e.g. the same GLIBC_TUNABLES). For A/B
// experiments: --pw-env K=V,K=V / --pt-env K=V set variables on one side only, and
// --reference pixelwise runs a second pixelwise process in PyTorch's place.
// Every case runs as a pixelwise and a PyTorch process (Debian python3-torch: the same
// libtorch) with the same threads, shapes and step counts, measured in the same run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES, type BenchCase, type Group } from './cases.js';
import { runCase, type Commands } from './runner.js';
import { formatTable, LEGEND, summariseCase, tableRow, type CaseResult } from './report.js';
import { cpuInfo, describeCpu } from '../src/torch/cpu.js';
import { PRECISION_REQUESTS, resolvePrecision, type PrecisionRequest } from '../src/torch/precision.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = join(here, '..', '..');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    threads: { type: 'string' },
    group: { type: 'string' },
    only: { type: 'string' },
    precision: { type: 'string' },
    rounds: { type: 'string' },
    iters: { type: 'string' },
    python: { type: 'string' },
    out: { type: 'string' },
    'no-json': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    env: { type: 'string' },
    'pw-env': { type: 'string' },
    'pt-env': { type: 'string' },
    reference: { type: 'string', default: 'pytorch' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`npm run bench -- [--quick | --all] [--threads 1,2] [--group ops,engine,overhead,zoo] [--only TEXT]
    [--precision auto|fp32|bf16] [--rounds N] [--iters N] [--python PATH] [--out FILE.json | --no-json] [--list]
    [--env K=V,...] [--pw-env K=V,...] [--pt-env K=V,...] [--reference pytorch|pixelwise]
Every case runs as a pixelwise and a PyTorch process side by side (same threads, shapes, steps);
speed > 1: pixelwise faster. --list shows the cases (quick ones marked). See bench/README.md.`);
  process.exit(0);
}

const DEFAULT_GROUPS: Group[] = ['ops', 'engine', 'overhead', 'zoo'];
const groups = (opts.group?.split(',') ?? DEFAULT_GROUPS) as Group[];
for (const g of groups) if (!DEFAULT_GROUPS.includes(g)) throw new Error(`--group: unknown group '${g}' (${DEFAULT_GROUPS.join(', ')})`);
const threads = (opts.threads ?? '1,2').split(',').map(Number);
if (!threads.every((t) => Number.isInteger(t) && t >= 1)) throw new Error(`--threads: expected positive integers, got '${opts.threads}'`);

// --precision keeps the cases of one precision (auto: the one `--precision auto` picks here, as
// the CLI's commands do); without it both run side by side.
if (opts.precision !== undefined && !(PRECISION_REQUESTS as readonly string[]).includes(opts.precision)) {
  throw new Error(`--precision: expected one of ${PRECISION_REQUESTS.join(', ')}, got '${opts.precision}'`);
}
const precisionChoice = opts.precision === undefined ? null : resolvePrecision(opts.precision as PrecisionRequest);

function selected(): BenchCase[] {
  let cases = CASES.filter((c) => groups.includes(c.group));
  if (precisionChoice) cases = cases.filter((c) => c.precision === precisionChoice.precision);
  if (opts.only) cases = cases.filter((c) => c.id.includes(opts.only!));
  else if (opts.quick) cases = cases.filter((c) => c.tier === 'quick');
  else if (!opts.all) cases = cases.filter((c) => c.tier !== 'extra');
  return cases.map((c) => {
    const q = opts.quick ? { warmup: Math.min(c.warmup, 2), iters: Math.max(1, Math.ceil(c.iters / 2)), rounds: 2 } : {};
    return {
      ...c,
      ...q,
      ...(opts.rounds ? { rounds: Number(opts.rounds) } : {}),
      ...(opts.iters ? { iters: Number(opts.iters) } : {}),
    };
  });
}

function envList(s: string | undefined): Record<string, string> {
  if (!s) return {};
  return Object.fromEntries(s.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

const pixelwiseWorker = { command: process.execPath, args: [join(here, 'worker.js')] };
const commands: Commands = {
  pixelwise: { ...pixelwiseWorker, env: { ...envList(opts.env), ...envList(opts['pw-env']) } },
  pytorch: {
    ...(opts.reference === 'pixelwise'
      ? pixelwiseWorker
      : {
          command: opts.python ?? process.env.PIXELWISE_BENCH_PYTHON ?? '/usr/bin/python3',
          args: [join(root, 'bench', 'reference', 'worker.py')],
        }),
    env: { ...envList(opts.env), ...envList(opts['pt-env']) },
  },
};

async function main(): Promise<void> {
  const cases = selected();
  if (opts.list) {
    for (const c of cases) console.log(`${c.group.padEnd(9)} ${c.id}${c.tier === 'default' ? '' : `  (${c.tier})`}`);
    return;
  }
  console.log(
    `pixelwise vs PyTorch: ${cases.length} cases x threads [${threads}] on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); ` +
      `node ${process.version}, reference ${commands.pytorch.command} ${commands.pytorch.args[0]}`,
  );
  const cpu = cpuInfo();
  console.log(`CPU: ${describeCpu(cpu)}`);
  if (precisionChoice) console.log(`${precisionChoice.note}${precisionChoice.warning ? `; ${precisionChoice.warning}` : ''}`);
  if (cpu.nativeBf16 === null && cases.some((c) => c.precision === 'bf16')) {
    console.log('  This CPU has no native bfloat16 (no AVX512-BF16, no AMX): the bf16 cases run emulated and measure that.');
  }
  console.log('Timings on a busy machine are noisy: compare the ratios, which come from the same run.\n');
  const started = Date.now();
  const results: CaseResult[] = [];
  for (const c of cases) {
    for (const t of threads) {
      const t0 = Date.now();
      const run = await runCase(c, t, commands).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      const r = { ...summariseCase(c, t, run, cpu.nativeBf16 !== null), seconds: (Date.now() - t0) / 1000 };
      results.push(r);
      console.log(`  ${tableRow(r).filter(Boolean).join(' | ')}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  console.log('\n' + formatTable(results));
  console.log('\n' + LEGEND);
  console.log(`\n${results.length} runs in ${seconds.toFixed(0)} s.`);
  if (!opts['no-json']) {
    const out = opts.out ?? join(root, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    const doc = {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, cpuInfo: cpu },
      options: { quick: opts.quick, all: opts.all, threads, groups, only: opts.only ?? null, pwEnv: commands.pixelwise.env, ptEnv: commands.pytorch.env, reference: opts.reference },
      seconds,
      results,
    };
    writeFileSync(out, JSON.stringify(doc, null, 1) + '\n');
    console.log(`Results: ${out}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
