// The table and figure of one precision.sh series: every run folder VARIANT-sSEED under DIR
// (fp32, bf16, bf16-half), its metrics.jsonl read back; val mIoU against seconds and against
// epochs, each seed a thin line and the seeds' mean a thick one, into DIR/precision.png and .svg.
//   node dist/bench/realdata/precision-report.js DIR
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readJsonl } from '../../src/train/jsonl-log.js';
import type { EpochRecord } from '../../src/train/trainer.js';
import { Figure, type LineSeries } from '../../src/viz/figure.js';
import { writePng } from '../../src/image/files.js';

interface Run {
  seed: number;
  records: EpochRecord[];
  /** config.json's environment: the CPU and whether it has bf16 natively. */
  environment: { cpu?: string; cpuFeatures?: { bf16?: boolean; amx?: boolean } };
}

const COLORS: Record<string, string> = { fp32: '#1f77b4', bf16: '#d62728', 'bf16-half': '#2ca02c' };
const ORDER = ['fp32', 'bf16-half', 'bf16'];

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.error(`usage: node dist/bench/realdata/precision-report.js DIR (the folder precision.sh wrote${dir ? `; ${dir} does not exist` : ''})`);
  process.exit(2);
}

const variants = new Map<string, Run[]>();
for (const name of readdirSync(dir).sort()) {
  const m = /^(.+)-s(\d+)$/.exec(name);
  const metrics = join(dir, name, 'metrics.jsonl');
  if (!m || !existsSync(join(dir, name, 'wall.txt'))) continue; // not a run, or one still going
  const records = readJsonl<EpochRecord>(metrics).records.filter((r) => typeof r.meanIoU === 'number');
  if (records.length === 0) continue;
  const { environment = {} } = JSON.parse(readFileSync(join(dir, name, 'config.json'), 'utf8'));
  variants.set(m[1], [...(variants.get(m[1]) ?? []), { seed: Number(m[2]), records, environment }]);
}
if (variants.size === 0) {
  console.error(`${dir}: no finished run (a folder VARIANT-sSEED with wall.txt and validation records in metrics.jsonl)`);
  process.exit(1);
}
const names = [...variants.keys()].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));

// The seconds of bf16 runs say something about AMX CPUs only when the runs had it.
const env = [...variants.values()][0][0].environment;
const bf16 = env.cpuFeatures?.amx ? 'bf16 on AMX' : env.cpuFeatures?.bf16 ? 'bf16 on AVX512-BF16' : 'bf16 emulated';
console.log(`${env.cpu ?? 'unknown CPU'}: ${bf16}`);

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const pct = (v: number): string => (100 * v).toFixed(2);
const last = (run: Run): EpochRecord => run.records[run.records.length - 1];
const best = (run: Run): number => Math.max(...run.records.map((r) => r.meanIoU!));

console.log('| precision | seeds | epochs | s per epoch | train s | final val mIoU % (per seed) | final mean % | best mean % |');
console.log('|---|---|--:|--:|--:|---|--:|--:|');
const finals = new Map<string, number>();
for (const name of names) {
  const runs = variants.get(name)!;
  const final = mean(runs.map((r) => last(r).meanIoU!));
  finals.set(name, final);
  const epochs = mean(runs.map((r) => last(r).epoch));
  const seconds = mean(runs.map((r) => last(r).elapsed));
  console.log(
    `| ${name} | ${runs.map((r) => r.seed).join(', ')} | ${epochs.toFixed(1)} | ${(seconds / epochs).toFixed(2)} | ${seconds.toFixed(0)} | ` +
      `${runs.map((r) => pct(last(r).meanIoU!)).join(' / ')} | ${pct(final)} | ${pct(mean(runs.map(best)))} |`,
  );
}
for (const name of names.filter((n) => n !== 'fp32' && finals.has('fp32'))) {
  const delta = 100 * (finals.get(name)! - finals.get('fp32')!);
  console.log(`${name} - fp32, final mean val mIoU: ${delta >= 0 ? '+' : ''}${delta.toFixed(2)} points`);
}

// Each seed's curve, and the mean over the seeds at every epoch all of them reached; `from` drops
// the records before an epoch (the zoomed panel).
function series(x: (r: EpochRecord) => number, from = 0): LineSeries[] {
  return names.flatMap((name) => {
    const runs = variants.get(name)!.map((run) => ({ ...run, records: run.records.filter((r) => r.epoch >= from) }));
    const color = COLORS[name] ?? '#7f7f7f';
    const thin = runs.map((run): LineSeries => ({ x: run.records.map(x), y: run.records.map((r) => 100 * r.meanIoU!), color, width: 1 }));
    const n = Math.min(...runs.map((r) => r.records.length));
    const at = (f: (r: EpochRecord) => number): number[] => Array.from({ length: n }, (_, i) => mean(runs.map((run) => f(run.records[i]))));
    return [...thin, { name: runs.length === 1 ? `${name} (seed ${runs[0].seed})` : `${name} (mean of ${runs.length})`, x: at(x), y: at((r) => 100 * r.meanIoU!), color, width: 3 }];
  });
}
const lastEpoch = Math.max(...[...variants.values()].flat().map((run) => last(run).epoch));
const figure = new Figure(
  [
    { title: `time to accuracy (${bf16})`, xLabel: 'seconds of training and validation', yLabel: 'val mIoU %', lines: series((r) => r.elapsed), legend: 'lower right' },
    { title: 'accuracy per epoch', xLabel: 'epoch', yLabel: 'val mIoU %', lines: series((r) => r.epoch), xInteger: true, legend: 'lower right' },
    { title: 'second half, zoomed', xLabel: 'epoch', yLabel: 'val mIoU %', lines: series((r) => r.epoch, Math.ceil(lastEpoch / 2)), xInteger: true, legend: false },
  ],
  { width: 520, height: 440, title: `${basename(dir)}: val mIoU, fp32 and bf16, on ${env.cpu ?? 'an unknown CPU'}` },
);
writePng(join(dir, 'precision.png'), figure.toImage());
writeFileSync(join(dir, 'precision.svg'), figure.toSvg());
console.log(`figure: ${join(dir, 'precision.png')}`);
