// `pixelwise train` end to end on this machine: one global batch as 1 process x 2 threads and
// as `--nproc 2` (2 processes x 1 thread), data loading, the per-step loss agreement and the
// launcher included. Runs alternate (A B A B ...) so drift hits both alike; each run's first
// epoch is warm-up, the throughput is the median of the later epochs' images/s (metrics.jsonl,
// counted over all ranks).
//   npm run build:ts && node dist/bench/distributed-cli.js [--rounds N] [--size 96] [--epochs 4]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values: opts } = parseArgs({ options: { rounds: { type: 'string' }, size: { type: 'string' }, epochs: { type: 'string' } } });
const rounds = Number(opts.rounds ?? 3);
const size = Number(opts.size ?? 96);
const epochs = Number(opts.epochs ?? 4);
const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pixelwise-bench-dist-'));

// U-Net base 16, depth 3, BatchNorm (SyncBatchNorm off: per-rank statistics, as PyTorch's default).
const common = [
  ...['--format', 'synthetic', '--count', '64', '--size', String(size), '--val-split', 'none', '--model', 'unet'],
  ...['--base-width', '16', '--depth', '3', '--epochs', String(epochs), '--workers', '1', '--seed', '0', '-q'],
];
const variants = {
  single: { label: '1 process x 2 threads, batch 8', args: ['--batch-size', '8', '--threads', '2'] },
  ranks: { label: '--nproc 2: 2 processes x 1 thread, batch 4 each', args: ['--batch-size', '4', '--nproc', '2', '--threads', '1'] },
};

function train(args: string[], out: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, 'train', ...common, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`train ${args.join(' ')} exited with ${code}: ${err.slice(-500)}`));
      const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { imagesPerSecond: number });
      resolve(records.slice(1).map((r) => r.imagesPerSecond));
    });
  });
}

console.log(`# pixelwise train, 1 process vs --nproc 2, on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
console.log(`U-Net base 16 depth 3 with BatchNorm, 64 synthetic ${size}x${size} scenes, global batch 8, ${epochs} epochs (first one warm-up), ${rounds} round(s)`);
const measured: Record<string, number[]> = { single: [], ranks: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, v] of Object.entries(variants)) {
      const ips = await train(v.args, join(dir, `${name}-${round}`));
      measured[name]!.push(median(ips));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const base = median(measured.single!);
console.log('| variant | images/s (median; per round) | vs 1 process |');
console.log('|---|---:|---:|');
for (const [name, v] of Object.entries(variants)) {
  const ips = measured[name]!;
  console.log(`| ${v.label} | ${median(ips).toFixed(1)} (${ips.map((x) => x.toFixed(1)).join(', ')}) | ${(median(ips) / base).toFixed(2)}x |`);
}
// Each round's two runs ran back to back: their ratio sees the least drift.
console.log(`per-round ratio --nproc 2 / 1 process: ${measured.ranks!.map((x, i) => (x / measured.single![i]!).toFixed(2)).join(', ')}`);
