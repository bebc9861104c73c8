// pixelwise env: what a bug report needs and what this installation can do — versions, CUDA,
// CPU features, threads, and the optional parts (distributed training, ONNX runtime, Chromium).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { distributedAvailable, distributedUnavailableReason } from '../../distributed/index.js';
import { runtimeInfo } from '../../train/environment.js';
import { maxImagePixels } from '../../image/limits.js';
import { flag } from '../args.js';
import { defineCommand } from '../command.js';

const CHROMIUM = '/usr/bin/chromium';

/** Whether a package can be found from here (without loading it). */
function resolvable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

export const env = defineCommand({
  name: 'env',
  summary: 'versions, CUDA, CPU features, threads and optional parts (for bug reports)',
  usage: 'pixelwise env [--json]',
  description:
    'Prints the versions of pixelwise, Node and libtorch, whether libtorch has CUDA, the CPU and its\n' +
    'features (AVX2, AVX-512, bfloat16, AMX), libtorch threads, the image pixel limit, and which optional\n' +
    'parts work here: distributed training (Gloo), the ONNX runtime, Chromium. Paste it into bug reports.',
  options: {
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(args) {
    const info = runtimeInfo();
    const distributed = distributedAvailable();
    const report = {
      ...info,
      platform: `${process.platform} ${process.arch}`,
      maxImagePixels: maxImagePixels(),
      optional: {
        distributed: { available: distributed, ...(distributed ? {} : { reason: distributedUnavailableReason() }) },
        onnxruntime: { available: resolvable('onnxruntime-node') },
        chromium: { available: existsSync(CHROMIUM), path: CHROMIUM },
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
      ['image limit', `${Number.isFinite(report.maxImagePixels) ? report.maxImagePixels.toLocaleString('en-US') : 'none'} pixels (--max-image-pixels)`],
      ['distributed', distributed ? 'yes (c10d, Gloo)' : `no: ${report.optional.distributed.reason ?? 'not built with Gloo'}`],
      ['onnxruntime', report.optional.onnxruntime.available ? 'yes (onnxruntime-node)' : 'no (npm install onnxruntime-node)'],
      ['chromium', report.optional.chromium.available ? `yes (${CHROMIUM})` : `no (${CHROMIUM} not found)`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    return 0;
  },
});
