// The pixelwise side of the weight benchmark, one fresh process per run:
//   node dist/bench/weights/read.js FILE [threads] [--write DIR]
// A VGG16 is built first (not timed, as PyTorch's side builds its model first), then FILE is
// read and mapped into it with loadWeights (the mapping chosen from the tensor names, layouts
// converted). With --write, the model is then saved as a pixelwise checkpoint (atomic, fsync'd)
// in DIR and timed separately. Prints one JSON line: seconds and peak RSS (MiB).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../../src/models/index.js';
import { setNumThreads } from '../../src/torch/index.js';
import { saveCheckpoint } from '../../src/checkpoint/index.js';
import { loadWeights } from '../../src/weights/index.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const writeAt = argv.indexOf('--write');
  const writeDir = writeAt >= 0 ? argv[writeAt + 1] : undefined;
  const [file, threads = '1'] = argv.filter((_, i) => writeAt < 0 || (i !== writeAt && i !== writeAt + 1));
  if (!file) throw new Error('usage: read.js FILE [threads] [--write DIR]');
  setNumThreads(Number(threads));
  const model = createModel('vgg16', {});
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await loadWeights(model, file, { strict: true });
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  const rssAfterLoad = process.resourceUsage().maxRSS / 1024;
  let write: number | null = null;
  if (writeDir) {
    const out = join(writeDir, `bench-${process.pid}.safetensors`);
    const w0 = performance.now();
    saveCheckpoint(out, { config: { model: { name: 'vgg16', options: model.config as unknown as Record<string, unknown> }, classes: { names: [], ignoreIndex: null } }, weights: model.stateDict() });
    write = (performance.now() - w0) / 1000;
    rmSync(out);
  }
  console.log(
    JSON.stringify({
      side: 'pixelwise',
      format: report.format,
      mapping: report.mapping,
      tensors: report.mapped.length,
      total: (t1 - t0) / 1000,
      cpu: (cpu.user + cpu.system) / 1e6,
      write,
      peakRssMiB: rssAfterLoad,
      peakRssWithWriteMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
