// The TGS salt U-Net tutorial: 101x101 gray images padded to 128 with numpy's modes, the TGS U-Net and its
// summary, a short training run on generated "salt" blobs, and the tutorial's viewers: prediction
// above a threshold with its IoU, the filters of the first convolution, a middle layer's output.
//
//   node dist/examples/05-unet-tgs-padding-and-threshold.js [--epochs 6] [--count 64] [--out examples-out]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModel, data, formatSummary, image, infer, inspect, metrics, summary, trainModel, viz } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    count: { type: 'string', default: '64' },
    threshold: { type: 'string', default: '0.5' },
    out: { type: 'string', default: 'examples-out' },
  },
});
const outDir = join(args.out!, '05-unet-tgs');
const runDir = join(outDir, 'run');
const dataDir = join(outDir, 'blobs');
rmSync(runDir, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const save = (name: string, picture: image.RawImage) => image.writePng(join(outDir, name), picture);

/** A 101x101 gray "seismic" texture with 0-3 brighter blobs of wobbly outline; mask 255 inside. */
function blobScene(rng: data.Rng, size = 101): { image: Uint8Array; mask: Uint8Array } {
  const image = new Uint8Array(size * size);
  const mask = new Uint8Array(size * size);
  const base = rng.uniform(70, 140);
  const waves = Array.from({ length: 3 }, () => ({ f: rng.uniform(0.05, 0.25), a: rng.uniform(0, Math.PI), p: rng.uniform(0, 6) }));
  const blobs = Array.from({ length: rng.chance(0.15) ? 0 : rng.int(1, 3) }, () => ({
    x: rng.uniform(10, 90), y: rng.uniform(10, 90), r: rng.uniform(9, 26), k: rng.int(2, 5), w: rng.uniform(0.1, 0.3), p: rng.uniform(0, 6),
  }));
  const lift = rng.uniform(35, 70);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = base;
      for (const w of waves) v += 12 * Math.sin(w.f * (x * Math.cos(w.a) + y * Math.sin(w.a)) + w.p);
      const inside = blobs.some((b) => Math.hypot(x - b.x, y - b.y) < b.r * (1 + b.w * Math.sin(b.k * Math.atan2(y - b.y, x - b.x) + b.p)));
      if (inside) v += lift;
      image[y * size + x] = Math.max(0, Math.min(255, Math.round(v + 10 * rng.normal())));
      mask[y * size + x] = inside ? 255 : 0;
    }
  }
  return { image, mask };
}

// 1. Padding 101 -> 128 (14 before, 13 after) with each numpy.pad mode.
const rng = new data.Rng(7);
const sample = blobScene(rng);
const planar = { width: 101, height: 101, channels: 1, data: sample.image };
const pad = data.paddingFor({ height: 128, width: 128 }, 101, 101);
console.log(`padding 101x101 -> 128x128: rows ${pad.top} + ${pad.bottom}, columns ${pad.left} + ${pad.right}`);
const modes = ['constant', 'symmetric', 'wrap', 'reflect'] as const;
const padded = modes.map((mode) => {
  const p = data.padImage(planar, pad, mode, 0);
  return image.resizeImage({ width: 128, height: 128, channels: 1, data: p.data as Uint8Array }, 256, 256, 'nearest');
});
save('padding-modes.png', viz.grid([image.resizeImage({ width: 101, height: 101, channels: 1, data: sample.image }, 202, 202, 'nearest'), ...padded], {
  cols: 5, titles: ['101x101', ...modes], title: 'numpy.pad modes, 101 -> 128',
}));

// 2. The TGS U-Net: 128x128x1 in, one sigmoid output.
const tgs = createModel('unet', { variant: 'tgs' });
const s = summary(tgs, [1, 1, 128, 128]);
console.log('\n' + formatSummary(s));
console.log(`there are ${s.rows.length} layers`);
tgs.dispose();

// 3. A small dataset of blobs in the folder layout (images/ + masks/ of 0/255), and training.
const count = Number(args.count);
for (const [split, n] of [['train', count], ['val', Math.max(4, Math.round(count / 4))]] as const) {
  mkdirSync(join(dataDir, split, 'images'), { recursive: true });
  mkdirSync(join(dataDir, split, 'masks'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const b = blobScene(rng);
    const name = `${split}_${String(i).padStart(3, '0')}.png`;
    image.writePng(join(dataDir, split, 'images', name), { width: 101, height: 101, channels: 1, data: b.image });
    image.writePng(join(dataDir, split, 'masks', name), { width: 101, height: 101, channels: 1, data: b.mask });
  }
}
console.log(`\ngenerated ${count} training and ${Math.max(4, Math.round(count / 4))} validation blob images (101x101) in ${dataDir}`);
const result = await trainModel({
  data: { format: 'folder', root: dataDir, split: 'train' },
  valSplit: 'val',
  model: 'unet',
  modelOptions: { variant: 'tgs' },
  loss: 'bce',
  padTo: [128, 128],
  padMode: 'reflect',
  epochs: Number(args.epochs),
  batchSize: 4,
  lr: 2e-3,
  out: runDir,
});
const last = result.history.at(-1)!;
console.log(`trained ${result.history.length} epochs: train loss ${last.trainLoss.toFixed(4)}, val loss ${last.valLoss?.toFixed(4)}, val foreground IoU ${((last.foregroundIoU ?? NaN) * 100).toFixed(1)}%`);
const curves = inspect.runCurves(inspect.readRunMetrics(runDir), 'U-Net (TGS) on blobs');
save('curves.png', curves.toImage());

// 4. The tutorial's viewers, on a validation image.
const predictor = infer.loadPredictor(join(runDir, 'checkpoints', 'best.safetensors'));
const { model, classes } = predictor;
const valName = 'val_000.png';
const valImage = await image.readImage(join(dataDir, 'val', 'images', valName));
const truth = await inspect.readMask(join(dataDir, 'val', 'masks', valName), { binary: true });
const t = Number(args.threshold);
const input = infer.modelInput(predictor, valImage);
const prediction = inspect.predictImage(predictor, valImage);
const iou = metrics.foregroundIoU(prediction.foreground!, truth, t);
console.log(`\n${valName}: IoU = ${Math.round(iou * 100)} % at threshold ${t}`);
save('threshold.png', viz.thresholdView(valImage, truth, prediction.foreground!, { threshold: t, name: valName, showProbabilities: true }));
const slider = [0, ...metrics.DEFAULT_SWEEP]; // the tutorial's slider: 0, 0.05, ..., 0.95
const sweep = metrics.thresholdSweep(prediction.foreground!, truth, slider);
save('threshold-sweep.png', viz.thresholdPlot(slider, sweep.iou, { title: `IoU vs threshold: ${valName}` }).toImage());
if (sweep.best) console.log(`best threshold ${sweep.best.threshold.toFixed(2)}: IoU ${(100 * sweep.best.iou).toFixed(1)}%`);

const kernels = inspect.layerKernels(model, 'encoder.0.conv1');
console.log(`filters of encoder.0.conv1: ${kernels.shape.join('x')}; filter 0 =`);
for (let r = 0; r < 3; r++) console.log('  ' + Array.from(kernels.data.subarray(3 * r, 3 * r + 3), (v) => v.toFixed(3).padStart(7)).join(' '));
save('filters-encoder.0.conv1.png', inspect.filterImage(kernels));

const middle = 'encoder.2.relu2';
const activation = inspect.layerActivation(model, input, middle);
const stats = inspect.activationStats(activation);
console.log(`output of ${middle}: ${activation.shape.join('x')}, values ${stats.min.toFixed(3)} .. ${stats.max.toFixed(3)}, ${(100 * stats.zeroFraction).toFixed(0)}% zeros`);
save(`activations-${middle}.png`, inspect.activationView(activation, { image: valImage, truth, prediction, names: classes.names, palette: classes.palette, channels: [...Array(32).keys()] }));
input.dispose();
predictor.dispose();
console.log(`wrote ${outDir}/{padding-modes, curves, threshold, threshold-sweep, filters-encoder.0.conv1, activations-${middle}}.png; run in ${runDir}`);
