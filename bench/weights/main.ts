// Weight benchmark: reading and mapping a full-size VGG16 (~528 MB of float32) into a model,
// pixelwise (loadWeights: format detected, mapping chosen by tensor names, layouts converted)
// against torch.load + load_state_dict of the same weights as .pth, each run a fresh process,
// sides alternating (pixelwise, torch, torch, pixelwise, ...) so machine drift hits both alike.
//   /usr/bin/python3 bench/weights/make_files.py --all     # writes the files under /tmp
//   node dist/bench/weights/main.js [--dir D] [--rounds 5] [--threads 1]
// Prints per format the median seconds, the ratio to PyTorch's .pth load, peak RSS against the
// file's size, and the time to write the model as a pixelwise checkpoint (fsync'd), separately.
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
  /** CPU seconds (user + system) of the load: steadier than wall time on a shared machine. */
  cpu: number;
  peakRssMiB: number;
  write?: number | null;
  mapping?: string;
}

function run(cmd: string, argv: string[]): Run {
  const out = execFileSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: threads } });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => bytes / 2 ** 20;

/** The files of a weight file (a TF bundle is its .index and data shards). */
function sizeOf(path: string): number {
  if (!path.endsWith('.index')) return statSync(path).size;
  const prefix = path.slice(0, -'.index'.length);
  return statSync(path).size + statSync(`${prefix}.data-00000-of-00001`).size;
}

function warm(path: string): void {
  // Page cache: both sides read from memory, not disk.
  readFileSync(path);
  if (path.endsWith('.index')) readFileSync(`${path.slice(0, -'.index'.length)}.data-00000-of-00001`);
}

const FILES = [
  ['vgg16.pth', 'torchvision .pth (zip)'],
  ['vgg16_legacy.pth', 'torchvision .pth (legacy)'],
  ['vgg16_keras.h5', 'Keras applications .h5'],
  ['vgg16.caffemodel', 'Caffe VGG_ILSVRC_16_layers'],
  ['vgg16_slim.index', 'TF-slim vgg_16 (V2 bundle)'],
  ['vgg16_tfvgg.npy', 'tensorflow-vgg .npy'],
] as const;

function main(): void {
  const pth = join(dir, 'vgg16.pth');
  if (!existsSync(pth)) {
    console.error(`${pth} is missing: run /usr/bin/python3 bench/weights/make_files.py --all first`);
    process.exit(1);
  }
  warm(pth);
  const theirs: Run[] = [];
  const ours = new Map<string, Run[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [file] of FILES) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      warm(path);
      const runs = ours.get(file) ?? [];
      ours.set(file, runs);
      const pair = [() => runs.push(run(process.execPath, [reader, path, threads, '--write', dir])), () => theirs.push(run(python, [reference, pth, threads]))];
      // The reference runs beside every format in turn, alternating which goes first.
      if (r % 2 === 1) pair.reverse();
      for (const f of pair) f();
    }
  }
  const ref = median(theirs.map((x) => x.total));
  const refCpu = median(theirs.map((x) => x.cpu));
  const refRss = median(theirs.map((x) => x.peakRssMiB));
  const pthSize = mb(statSync(pth).size);
  console.log(`VGG16 weights, ${rounds} rounds, ${threads} thread(s); medians: wall seconds and ratio to PyTorch, CPU seconds and ratio, peak RSS (and / file size); checkpoint write (fsync'd) apart`);
  const row = (label: string, t: number, ratio: string, cpu: number, cpuRatio: string, rss: number, size: number, write: string) =>
    console.log(
      `${label.padEnd(40)} ${t.toFixed(3).padStart(7)} s ${ratio.padStart(6)}  ${cpu.toFixed(3).padStart(6)} s ${cpuRatio.padStart(6)} ${rss.toFixed(0).padStart(6)} MiB ${(rss / size).toFixed(2).padStart(5)}x ${write}`,
    );
  row('torch.load + load_state_dict (.pth zip)', ref, '', refCpu, '', refRss, pthSize, '');
  for (const [file, label] of FILES) {
    const runs = ours.get(file);
    if (!runs) continue;
    const t = median(runs.map((x) => x.total));
    const write = median(runs.map((x) => x.write ?? 0));
    const cpu = median(runs.map((x) => x.cpu));
    row(`pixelwise ${label}`, t, `${(t / ref).toFixed(2)}x`, cpu, `${(cpu / refCpu).toFixed(2)}x`, median(runs.map((x) => x.peakRssMiB)), mb(sizeOf(join(dir, file))), `write ${write.toFixed(2)} s`);
  }
}

main();
