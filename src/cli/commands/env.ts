// pixelwise env: what a bug report needs and what this installation can do — versions, CUDA,
// CPU features, threads, and the optional parts (distributed training, ONNX runtime, Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { distributedAvailable, distributedUnavailableReason } from '../../distributed/index.js';
import { runtimeInfo } from '../../train/environment.js';
import { resolvePrecision } from '../../torch/precision.js';
import { resolveMemoryFormat } from '../../torch/layout.js';
import { maxImagePixels } from '../../image/limits.js';
import { flag } from '../args.js';
import { defineCommand } from '../command.js';

// The browser the web tests and benches drive (test/browser.ts): Debian's, or PIXELWISE_CHROMIUM.
const CHROMIUM = process.env.PIXELWISE_CHROMIUM ?? '/usr/bin/chromium';

/** onnxruntime-node as predict --engine onnx loads it: installed and its native part loading. */
async function onnxRuntime(): Promise<{ available: boolean; reason?: string }> {
  try {
    await import('onnxruntime-node');
    return { available: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'ERR_MODULE_NOT_FOUND' && /onnxruntime-node/.test(e.message);
    return { available: false, reason: missing ? 'not installed (npm install onnxruntime-node)' : `fails to load: ${e.message.split('\n')[0]}` };
  }
}

/** Chromium there and running as Chromium (Ubuntu's /usr/bin/chromium is a snap stub). */
function chromium(): { available: boolean; path: string; version?: string; reason?: string } {
  if (!existsSync(CHROMIUM)) return { available: false, path: CHROMIUM, reason: `${CHROMIUM} not found` };
  const run = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = `${run.stdout ?? ''}`.trim();
  if (run.status !== 0 || !/chrom/i.test(version)) return { available: false, path: CHROMIUM, reason: `${CHROMIUM} does not run as Chromium` };
  return { available: true, path: CHROMIUM, version };
}

export const env = defineCommand({
  name: 'env',
  summary: 'versions, CUDA, CPU features, threads and optional parts (for bug reports)',
  usage: 'pixelwise env [--json]',
  description:
    'Prints the versions of pixelwise, Node and libtorch, whether libtorch has CUDA, the CPU and its\n' +
    'features (AVX2, AVX-512, bfloat16, AMX), what --precision auto picks here, libtorch threads, the\n' +
    'image pixel limit, and which optional parts work here: distributed training (Gloo), the ONNX\n' +
    'runtime, Chromium. Paste it into bug reports.',
  options: {
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(args) {
    const info = runtimeInfo();
    const distributed = distributedAvailable();
    // What --precision auto picks on the CPU (train, eval, predict, demo).
    const auto = resolvePrecision('auto', 'cpu');
    const layout = resolveMemoryFormat('auto', auto.precision, 'cpu');
    const report = {
      ...info,
      precisionAuto: auto.precision,
      memoryFormatAuto: layout.memoryFormat,
      platform: `${process.platform} ${process.arch}`,
      maxImagePixels: maxImagePixels(),
      optional: {
        distributed: { available: distributed, ...(distributed ? {} : { reason: distributedUnavailableReason() }) },
        onnxruntime: await onnxRuntime(),
        chromium: chromium(),
      },
    };
    if (flag(args, 'json')) {
      console.log(JSON.stringify(report));
      return 0;
    }
    const yes = (b: boolean): string => (b ? 'yes' : 'no');
    const cpu = info.cpu;
    const rows: [string, string][] = [
      ['pixelwise', info.pixelwise],
      ['node', info.node],
      ['libtorch', `${info.libtorch.version ?? 'unknown version'}${info.libtorch.library ? ` (${info.libtorch.library})` : ''}`],
      ['cuda', info.cuda ? 'available' : 'no (CPU-only libtorch)'],
      ['platform', report.platform],
      ['cpu', `${cpu.model}, ${cpu.cores} logical cores`],
      ['cpu features', `AVX2 ${yes(cpu.avx2)}, AVX-512 ${yes(cpu.avx512)}, bf16 ${yes(cpu.bf16)}, AMX ${yes(cpu.amx)}`],
      ['threads', `${info.threads} (libtorch intra-op; --threads sets it)`],
      ['precision', `--precision auto gives ${auto.note.replace(/^precision: /, '')}`],
      ['memory format', `--memory-format auto gives ${layout.note.replace(/^memory format: /, '')}`],
      ['image limit', `${Number.isFinite(report.maxImagePixels) ? report.maxImagePixels.toLocaleString('en-US') : 'none'} pixels (--max-image-pixels)`],
      ['distributed', distributed ? 'yes (c10d, Gloo)' : `no: ${report.optional.distributed.reason ?? 'not built with Gloo'}`],
      ['onnxruntime', report.optional.onnxruntime.available ? 'yes (onnxruntime-node)' : `no: ${report.optional.onnxruntime.reason}`],
      ['chromium', report.optional.chromium.available ? `yes (${report.optional.chromium.version}, ${CHROMIUM})` : `no: ${report.optional.chromium.reason}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    return 0;
  },
});
