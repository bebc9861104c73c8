// The TensorFlow FCN scene-parsing tutorial: FCN-8s on a VGG19 backbone (three transposed convolutions, skips from
// pool4 and pool3) trained for MIT Scene Parsing (ADE20K, 150 classes + "other"), with loss
// curves and predictions shown with class names.
//
//   node dist/examples/02-fcn-vgg19-scene-parsing.js [--data ADEChallengeData2016] [--epochs 20] [--size 64] [--base-width 8] [--out examples-out]
//
// Without --data it writes a tiny dataset in ADE20K's layout (images/ and annotations/ under
// training/ and validation/) from generated scenes, so it runs anywhere in a minute or two.
// The tutorial starts from ImageNet VGG19 weights and full widths; here the backbone is narrow and
// trained from scratch (with BatchNorm, as vgg19_bn, so that it trains at all without pretrained
// weights); in the default minute and a half it starts to find the shapes, it is no scene parser.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data, image, infer, inspect, trainModel, viz } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '20' },
    count: { type: 'string', default: '96' },
    size: { type: 'string', default: '64' },
    'base-width': { type: 'string', default: '8' },
    out: { type: 'string', default: 'examples-out' },
  },
});
const outDir = join(args.out!, '02-fcn-vgg19-scene-parsing');
const runDir = join(outDir, 'run');
rmSync(runDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const size = Number(args.size);

let root = args.data;
let temp: string | null = null;
if (!root) {
  // Generated scenes stored the ADE20K way: label k + 1 for class k, 0 for "other".
  temp = root = mkdtempSync(join(tmpdir(), 'pixelwise-ade20k-'));
  const asAde = ['wall', 'ball', 'box', 'tent'].map((name) => image.ADE20K_CLASS_NAMES.indexOf(name) + 1);
  const count = Number(args.count);
  for (const [split, dir, n] of [['train', 'training', count], ['val', 'validation', Math.max(8, count / 4)]] as const) {
    const scenes = new data.SyntheticDataset({ format: 'synthetic', split, count: n, size, difficulty: 0.3 });
    mkdirSync(join(root, 'images', dir), { recursive: true });
    mkdirSync(join(root, 'annotations', dir), { recursive: true });
    for (let i = 0; i < n; i++) {
      const s = scenes.getSync(i);
      const name = `ADE_${dir === 'training' ? 'train' : 'val'}_${String(i + 1).padStart(8, '0')}.png`;
      image.writePng(join(root, 'images', dir, name), { width: size, height: size, channels: 3, data: s.image.data as Uint8Array });
      image.writePng(join(root, 'annotations', dir, name), { width: size, height: size, channels: 1, data: Uint8Array.from(s.label!.data, (v) => asAde[v]!) });
    }
  }
  console.log(`no --data: wrote a synthetic dataset in ADE20K's layout to ${root}`);
  console.log(`  ${count} training and ${Math.max(8, count / 4)} validation ${size}x${size} scenes; shapes stored as ADE20K classes wall (background), ball, box, tent`);
}

try {
  // FCN-8s, VGG19 backbone, 'same' geometry as in the TensorFlow tutorial (deconvolutions summed
  // with pool4 and pool3), every layer trained.
  const result = await trainModel({
    data: { format: 'ade20k', root, split: 'train' },
    valSplit: 'val',
    model: 'fcn8s',
    modelOptions: { backbone: 'vgg19', variant: 'same', baseWidth: Number(args['base-width']), fcWidth: 16 * Number(args['base-width']), freezeBackbone: false, batchNorm: true },
    size: args.data ? [size, size] : null,
    epochs: Number(args.epochs),
    batchSize: 4,
    lr: 1e-3,
    out: runDir,
  });
  const last = result.history.at(-1)!;
  console.log(`\ntrained ${result.history.length} epochs (${last.step} steps): train loss ${last.trainLoss.toFixed(3)}, val loss ${last.valLoss?.toFixed(3)}, val mIoU ${(100 * (last.meanIoU ?? NaN)).toFixed(1)}% (over the classes present), pixel accuracy ${(100 * (last.pixelAccuracy ?? NaN)).toFixed(1)}%`);
  image.writePng(join(outDir, 'curves.png'), inspect.runCurves(inspect.readRunMetrics(runDir), 'FCN-8s (VGG19) scene parsing').toImage());

  // Predictions on validation images, with ADE20K class names.
  const predictor = infer.loadPredictor(join(runDir, 'checkpoints', 'best.safetensors'));
  const { classes } = predictor;
  const val = await data.openDataset({ format: 'ade20k', root, split: 'val' });
  const panels: image.RawImage[] = [];
  for (let i = 0; i < Math.min(3, val.length); i++) {
    const sample = await val.get(i);
    const p = inspect.predictImage(predictor, sample.image);
    const names = [...new Set(Array.from(p.labels!.data))].map((c) => classes.names[c]).join(', ');
    console.log(`${sample.name}: predicted ${names}`);
    panels.push(viz.segmentationPanel(image.to8Bit(sample.image), sample.label!, p.labels!, {
      names: classes.names,
      palette: classes.palette,
      ignoreIndex: classes.ignoreIndex ?? undefined,
      title: sample.name,
    }));
  }
  image.writePng(join(outDir, 'predictions.png'), viz.vconcat(panels));
  predictor.dispose();
} finally {
  if (temp) rmSync(temp, { recursive: true, force: true });
}
console.log(`wrote ${outDir}/{curves.png, predictions.png}; run folder ${runDir}`);
