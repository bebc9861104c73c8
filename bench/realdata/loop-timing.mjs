#!/usr/bin/env node
// Where the time of a CamVid epoch goes in pixelwise: the training loop (46 steps with the real
// loader, augmentation and one data worker; time waiting for data vs stepping) and one
// validation pass. bench/reference/realdata_loop_timing.py measures the same in PyTorch.
//   node bench/realdata/loop-timing.mjs [CAMVID_DIR]    (after npx tsc -p .; 2 threads)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareRun } from '../../dist/src/train/run.js';
import { evaluate } from '../../dist/src/train/evaluate.js';
import { tidy } from '../../dist/src/index.js';

const root = process.argv[2] ?? new URL('../../../shared/datasets/camvid', import.meta.url).pathname;
if (!existsSync(root)) {
  console.log(`skipped: ${root} is absent`);
  process.exit(0);
}
const out = mkdtempSync(join(tmpdir(), 'pixelwise-loop-timing-'));
const run = await prepareRun({
  data: { format: 'camvid', root, split: 'train' }, valSplit: 'val',
  model: 'unet', modelOptions: { depth: 4, baseWidth: 16, batchNorm: true }, size: [192, 256], batchSize: 8,
  augment: true, epochs: 1, threads: 2, workers: 1, lr: 1e-3, loss: 'ce', optimizer: 'adam', seed: 0, out, verbose: false,
});
try {
  const { model, optimizer, objective, train, val } = run.trainer.o;
  let wait = 0, step = 0, n = 0;
  let t = performance.now();
  for await (const b of train.epoch(0)) {
    const t1 = performance.now();
    wait += t1 - t;
    tidy(() => {
      const loss = objective(model.forward(b.images), b.labels);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    b[Symbol.dispose]();
    t = performance.now();
    step += t - t1;
    n += 1;
  }
  console.log(`pixelwise: ${n} steps, ${((wait + step) / n).toFixed(0)} ms/step (waiting for data ${(wait / n).toFixed(0)}, step ${(step / n).toFixed(0)})`);
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    await evaluate(model, val.epoch(0), { numClasses: 11, classNames: Array.from({ length: 11 }, (_, i) => String(i)), ignoreIndex: 11, objective });
    console.log(`pixelwise: validation pass ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
} finally {
  await run.close();
  rmSync(out, { recursive: true, force: true });
}
