// Weight-reader benchmark: reading a full-size VGG16 (~528 MB of float32) into a model, pixelwise
// against torch.load + load_state_dict of the same .pth, each run a fresh process, sides
// alternating (pixelwise, torch, torch, pixelwise, ...) so machine drift hits both alike.
//   /usr/bin/python3 bench/weights/make_files.py --all     # writes the files under /tmp
//   node dist/bench/weights/main.js [--dir D] [--rounds 5] [--threads 1]
// Prints median seconds, the ratio to PyTorch, and peak RSS against the file's size. Other
// formats (when present) are timed copying every tensor into a tensor of its own shape made
// beforehand (their names and layouts need the mapping step, not built yet), and the .pth
// reading every tensor into a new Tensor (the toTensor() path).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const dir = opt('dir', '/tmp/pixelwise-weights-bench');
const rounds = Number(opt('rounds', '5'));
const threads = opt('threads', '1');
const python = opt('python', process.env.PIXELWISE_BENCH_PYTHON ?? '/usr/bin/python3');
const here = fileURLToPath(new URL('.', import.meta.url));
const reader = join(here, 'read.js');
const reference = fileURLToPath(new URL('../../../bench/weights/torch_load.py', import.meta.url));

interface Run {
  total: number;
  peakRssMiB: number;
}

function run(cmd: string, argv: string[]): Run {
  const out = execFileSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: threads } });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => bytes / 2 ** 20;

function warm(file: string): void {
  readFileSync(file); // page cache: both sides read from memory, not disk
}

function main(): void {
  const pth = join(dir, 'vgg16.pth');
  if (!existsSync(pth)) {
    console.error(`${pth} is missing: run /usr/bin/python3 bench/weights/make_files.py --all first`);
    process.exit(1);
  }
  warm(pth);
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    const pair = [() => ours.push(run(process.execPath, [reader, pth, 'model', threads])), () => theirs.push(run(python, [reference, pth, threads]))];
    if (r % 2 === 1) pair.reverse();
    for (const f of pair) f();
  }
  const size = mb(statSync(pth).size);
  const line = (label: string, runs: Run[], fileMiB: number, ref?: number) => {
    const t = median(runs.map((x) => x.total));
    const rss = median(runs.map((x) => x.peakRssMiB));
    console.log(
      `${label.padEnd(50)} ${t.toFixed(3).padStart(7)} s ${ref ? `${(t / ref).toFixed(2)}x`.padStart(7) : '       '} ${rss.toFixed(0).padStart(7)} MiB ${(rss / fileMiB).toFixed(2).padStart(6)}x file`,
    );
    return t;
  };
  console.log(`VGG16 weights, ${size.toFixed(0)} MiB per file, ${rounds} rounds, ${threads} thread(s); median time, ratio to PyTorch, peak RSS`);
  const ref = line('torch.load + load_state_dict (.pth zip)', theirs, size);
  line('pixelwise read + copy into model (.pth zip)', ours, size, ref);
  for (const [file, mode, label] of [
    ['vgg16_legacy.pth', 'model', 'pixelwise read + copy into model (legacy .pth)'],
    ['vgg16.caffemodel', 'targets', 'pixelwise read + copy into tensors (.caffemodel)'],
    ['vgg16_tfvgg.npy', 'targets', 'pixelwise read + copy into tensors (tf-vgg .npy)'],
    ['vgg16_keras.h5', 'targets', 'pixelwise read + copy into tensors (Keras .h5)'],
    ['vgg16.pth', 'tensors', 'pixelwise read into new tensors (.pth zip)'],
  ] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    warm(path);
    const runs = Array.from({ length: Math.max(1, Math.ceil(rounds / 2)) }, () => run(process.execPath, [reader, path, mode, threads]));
    line(label, runs, mb(statSync(path).size), ref);
  }
}

main();
