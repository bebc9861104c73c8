// Inference of exported models: onnxruntime-node against pixelwise (libtorch) and PyTorch in the
// same run, and onnxruntime-web in Chromium. Each case builds one seeded model and input; the
// pixelwise and PyTorch workers (worker.ts, reference/worker.py) build the same ones from the
// seed, the onnxruntime worker (onnx-worker.ts) loads them exported to files. The three run
// timed blocks in rotating order so machine drift hits all alike; ratios are against PyTorch.
// Then the --web page of the same model, in Chromium: onnxruntime-web (wasm) time per image.
//
//   npm run build:ts && node dist/bench/onnx.js [--threads 1,2] [--rounds 4] [--only unet] [--no-browser]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { manualSeed, randn } from '../src/torch/index.js';
import { buildOnnx } from '../src/onnx/export.js';
import { encodeModel } from '../src/onnx/proto.js';
import { writeWebExport } from '../src/onnx/web.js';
import { serveStatic } from '../src/serve/static.js';
import { encodePng } from '../src/image/png.js';
import type { ZooModel } from '../src/models/contract.js';
import { MODELS } from './models.js';
import { median } from './stats.js';
import { Worker } from './runner.js';
import type { BlockMessage, WorkerSpec } from './protocol.js';
import { chromiumMissing, launchChromium } from '../test/browser.js';

interface OnnxCase {
  id: string;
  model: string;
  channels: number;
  height: number;
  width: number;
  classes: number;
}

const CASES: OnnxCase[] = [
  { id: 'fcn8s (VGG16) 1x3x360x480', model: 'fcn8s', channels: 3, height: 360, width: 480, classes: 21 },
  { id: 'unet (base 64, depth 4) 1x3x256x256', model: 'unet', channels: 3, height: 256, width: 256, classes: 2 },
  { id: 'unet16 (CamVid recipe) 1x3x352x480', model: 'unet16', channels: 3, height: 352, width: 480, classes: 11 },
];

const SIDES = ['pixelwise', 'pytorch', 'onnxruntime'] as const;
type Side = (typeof SIDES)[number];

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '4' },
    iters: { type: 'string', default: '1' },
    only: { type: 'string' },
    python: { type: 'string', default: process.env.PIXELWISE_BENCH_PYTHON ?? '/usr/bin/python3' },
    'no-browser': { type: 'boolean', default: false },
    'browser-runs': { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const threadCounts = values.threads!.split(',').map(Number);
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const cases = CASES.filter((c) => !values.only || c.id.includes(values.only));
const work = mkdtempSync(join(tmpdir(), 'pixelwise-onnx-bench-'));
const seed = 0;

/** The seeded model and input every worker uses (as workloads.ts builds them), the model exported. */
async function prepare(c: OnnxCase): Promise<{ model: ZooModel; onnx: string; input: string; shape: number[] }> {
  manualSeed(seed);
  const model = (await MODELS[c.model]!(c.channels, c.classes, { inplace: true, eager: false })) as ZooModel;
  const shape = [1, c.channels, c.height, c.width];
  const x = randn(shape);
  const input = join(work, `${c.model}.input.f32`);
  writeFileSync(input, x.data() as Float32Array);
  x.dispose();
  const onnx = join(work, `${c.model}.onnx`);
  writeFileSync(onnx, encodeModel(buildOnnx(model).model));
  return { model, onnx, input, shape };
}

interface SideResult {
  ms: number;
  peakRssMb: number;
  version: string;
}

async function timeCase(c: OnnxCase, threads: number, files: { onnx: string; input: string; shape: number[] }): Promise<Record<Side, SideResult>> {
  const spec: WorkerSpec = {
    workload: { kind: 'infer', model: c.model, batch: 1, channels: c.channels, height: c.height, width: c.width, classes: c.classes },
    threads,
    channelsLast: false,
    precision: 'fp32',
    inplace: true,
    eager: false,
    warmup: 1,
    seed,
  };
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), PYTHONDONTWRITEBYTECODE: '1' };
  const workers: Record<Side, Worker> = {
    pixelwise: new Worker('pixelwise', process.execPath, [join(here, 'worker.js'), JSON.stringify(spec)], env),
    pytorch: new Worker('pytorch', values.python!, [join(root, 'bench', 'reference', 'worker.py'), JSON.stringify(spec)], env),
    onnxruntime: new Worker('onnxruntime', process.execPath, [join(here, 'onnx-worker.js'), JSON.stringify({ model: files.onnx, input: files.input, shape: files.shape, threads, warmup: 1 })], env),
  };
  try {
    const ready = await Promise.all(SIDES.map((s) => workers[s].next('ready')));
    const blocks: Record<Side, BlockMessage[]> = { pixelwise: [], pytorch: [], onnxruntime: [] };
    for (let r = 0; r < rounds; r++) {
      // Rotate who goes first, and reverse every other round: drift within a round cancels.
      const rotated = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]!);
      for (const side of r % 2 ? rotated.reverse() : rotated) {
        workers[side].send(`run ${iters}`);
        blocks[side].push(await workers[side].next('block'));
      }
    }
    for (const s of SIDES) workers[s].send('quit');
    const done = await Promise.all(SIDES.map((s) => workers[s].next('done')));
    return Object.fromEntries(
      SIDES.map((s, i) => [s, { ms: median(blocks[s].flatMap((b) => b.timesMs)), peakRssMb: done[i]!.maxRssKb / 1024, version: ready[i]!.version }]),
    ) as Record<Side, SideResult>;
  } finally {
    for (const s of SIDES) workers[s].kill();
  }
}

/** The --web page of `model` in Chromium: onnxruntime-web's time per image (session.run, median of runs after one warm-up). */
async function browserCase(c: OnnxCase, model: ZooModel): Promise<{ ms: number[]; threads: number } | string> {
  const missing = chromiumMissing();
  if (missing) return `skipped: ${missing}`;
  const dir = join(work, `${c.model}-web`);
  writeWebExport({ model, classes: { names: Array.from({ length: c.classes }, (_, i) => `c${i}`), palette: Array.from({ length: c.classes }, () => [0, 0, 0]) }, preprocess: { normalize: 'unit' }, source: 'bench' }, dir);
  const png = join(work, `${c.model}.png`);
  const data = new Uint8Array(c.width * c.height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  writeFileSync(png, encodePng({ width: c.width, height: c.height, channels: 3, data }));
  const server = await serveStatic(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    const state = await page.getAttribute('body', 'data-state');
    if (state !== 'ready') return `failed: ${await page.textContent('#status')}`;
    await page.setInputFiles('#file', png);
    const runs = Number(values['browser-runs']) + 1;
    const result = await page.evaluate(async (n) => {
      const g = globalThis as unknown as { pixelwise: { threads: number; segment(f: unknown): Promise<{ ms: number }> }; document: { querySelector(s: string): { files: unknown[] } } };
      const file = g.document.querySelector('#file').files[0];
      const ms: number[] = [];
      for (let i = 0; i < n; i++) ms.push((await g.pixelwise.segment(file)).ms);
      return { ms: ms.slice(1), threads: g.pixelwise.threads };
    }, runs);
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}

const rows: Record<string, unknown>[] = [];
try {
  for (const c of cases) {
    const { model, ...files } = await prepare(c);
    for (const threads of threadCounts) {
      const r = await timeCase(c, threads, files);
      const row = { case: c.id, threads, ...Object.fromEntries(SIDES.map((s) => [s, r[s]])) };
      rows.push(row);
      const speed = (s: Side): string => `${(r.pytorch.ms / r[s].ms).toFixed(2)}x`;
      console.log(
        `${c.id}, ${threads} thread(s): pixelwise ${r.pixelwise.ms.toFixed(0)} ms (${speed('pixelwise')}), onnxruntime ${r.onnxruntime.ms.toFixed(0)} ms (${speed('onnxruntime')}), ` +
          `PyTorch ${r.pytorch.ms.toFixed(0)} ms; peak RSS MB ${SIDES.map((s) => `${s} ${r[s].peakRssMb.toFixed(0)}`).join(', ')}`,
      );
    }
    if (!values['no-browser']) {
      const b = await browserCase(c, model);
      if (typeof b === 'string') console.log(`${c.id}, Chromium onnxruntime-web: ${b}`);
      else console.log(`${c.id}, Chromium onnxruntime-web (wasm, ${b.threads} threads, pipeline form): ${b.ms.map((m) => m.toFixed(0)).join(', ')} ms per image (median ${median(b.ms).toFixed(0)})`);
      rows.push({ case: c.id, browser: b });
    }
    model.dispose();
  }
  const versions = rows.find((r) => r.pytorch) as Record<Side, SideResult> | undefined;
  if (versions) console.log(`versions: ${SIDES.map((s) => `${s} ${versions[s].version}`).join('; ')}; speed = PyTorch time / time (> 1: faster than PyTorch)`);
  const out = values.out ?? join(root, 'bench', 'results', `onnx-${new Date().toISOString().replaceAll(':', '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads: threadCounts, rounds, rows }, null, 2) + '\n');
  console.log(`results: ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
