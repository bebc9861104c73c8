// The pixelwise side of the weight-reader benchmark, one fresh process per run:
//   node dist/bench/weights/read.js FILE model|tensors [threads]
// `model`: a VGG16 is built first (not timed), then every tensor of FILE is read and copied into
// the parameter of the same name (what torch.load + load_state_dict does). `tensors`: every
// tensor is read into a float32 Tensor and freed. `targets`: every tensor is copied into a
// tensor of its own shape allocated beforehand (a model whose names and layouts match the file's:
// the cost of loading minus the mapping, for formats whose mapping is not built yet).
// Prints one JSON line: seconds and peak RSS (MiB).
import { openWeights } from '../../src/io/formats/index.js';
import { createModel } from '../../src/models/index.js';
import { setNumThreads, zeros } from '../../src/torch/index.js';

async function main(): Promise<void> {
  const [file, mode = 'model', threads = '1'] = process.argv.slice(2);
  if (!file) throw new Error('usage: read.js FILE model|tensors [threads]');
  setNumThreads(Number(threads));
  const model = mode === 'model' ? createModel('vgg16', {}) : undefined;
  // 'targets': tensors of each file tensor's own shape, allocated before timing like the model.
  const targets = mode === 'targets' ? await openWeights(file).then((w) => { const ts = [...w.tensors.values()].map((t) => zeros(t.shape)); w.close(); return ts; }) : [];
  const t0 = performance.now();
  const w = await openWeights(file);
  const t1 = performance.now();
  let copied = 0;
  if (model) {
    for (const [name, param] of model.stateDict()) {
      const t = w.tensors.get(name);
      if (!t) throw new Error(`${file}: no tensor '${name}'`);
      t.readInto(param);
      copied++;
    }
  } else if (mode === 'targets') {
    [...w.tensors.values()].forEach((t, i) => t.readInto(targets[i]!));
    copied = targets.length;
  } else {
    for (const t of w.tensors.values()) {
      t.toTensor({ dtype: 'float32' }).dispose();
      copied++;
    }
  }
  w.close();
  const t2 = performance.now();
  console.log(
    JSON.stringify({ side: 'pixelwise', mode, format: w.format, tensors: copied, open: (t1 - t0) / 1000, total: (t2 - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
