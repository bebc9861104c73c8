// The TF-slim VGG16 tutorial: VGG16 as a classifier (top-5 class names with probabilities on a resized,
// centre-cropped image) and the same network applied fully convolutionally to the whole image
// for a coarse segmentation with ImageNet class names.
//
//   node dist/examples/04-vgg-classify-and-segment.js [--weights FILE] [--image IMG] [--out examples-out]
//
// Weights in any format, as downloaded (nothing is downloaded here): the tutorial's own TF-slim
// checkpoint (vgg_16_2016_08_28.tar.gz unpacked: --weights vgg_16.ckpt), torchvision's
// vgg16-397923af.pth, Keras' vgg16_weights_tf_dim_ordering_tf_kernels.h5, tensorflow-vgg's vgg16.npy,
// VGG_ILSVRC_16_layers.caffemodel. Each is prepared as it was trained (TF-slim: RGB minus the
// mean pixel; Caffe/Keras: BGR minus the mean pixel; torchvision: ImageNet mean and std).
// Without --weights the network is randomly initialised: the numbers show the mechanics only.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countParameters, data, formatSummary, image, inspect, models, summary, viz, weights } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    weights: { type: 'string' },
    image: { type: 'string' },
    out: { type: 'string', default: 'examples-out' },
    'no-upsample': { type: 'boolean', default: false },
  },
});
const outDir = join(args.out!, '04-vgg-classify-and-segment');
mkdirSync(outDir, { recursive: true });

// The model: built to fit the weights (depth, widths and classes read from the file), or VGG16.
let model: models.VGG;
let normalization: image.Normalization = image.resolveNormalization('torchvision');
let names: readonly string[] = image.imagenetClasses();
if (args.weights) {
  const built = await weights.modelFromWeights(args.weights, { classNamesOptional: true });
  if (!(built.model instanceof models.VGG)) throw new Error(`${args.weights} holds ${built.config.model.name} weights, not a VGG classifier`);
  model = built.model;
  normalization = built.config.preprocess!.normalize as image.Normalization;
  names = built.config.classes.names;
  console.log(`weights: ${args.weights} (${built.report.mappingTitle}): ${built.report.mapped.length} tensors; input ${normalization.channelOrder.toUpperCase()} 0..${normalization.range} minus [${normalization.mean.join(', ')}]`);
} else {
  model = new models.VGG({ depth: 16, dropout: 0 });
  console.log('weights: none given, so RANDOM (torchvision initialisation): the classes below mean nothing; pass --weights for real ones');
}
// The architecture and its parameter count (the Keras summary of the tutorial: 138,357,544).
console.log(formatSummary(summary(model, [1, 3, 224, 224])));
console.log(`VGG${model.config.depth}: ${countParameters(model).total.toLocaleString('en-US')} parameters`);

// The image: --image, else a CamVid road scene from ../shared/datasets, else a generated scene.
const camvid = '../shared/datasets/camvid/val';
let photo: image.RawImage;
let source: string;
if (args.image) {
  [photo, source] = [await image.readImage(args.image), args.image];
} else if (existsSync(camvid)) {
  source = join(camvid, readdirSync(camvid).filter((f) => f.endsWith('.png')).sort()[0]!);
  photo = await image.readImage(source);
} else {
  const scene = new data.SyntheticDataset({ format: 'synthetic', count: 1, size: 480 }).getSync(0).image;
  photo = { width: 480, height: 360, channels: 3, data: (scene.data as Uint8Array).slice(0, 480 * 360 * 3) };
  source = 'a generated scene (no CamVid at ../shared/datasets/camvid)';
}
console.log(`\nimage: ${source} (${photo.width}x${photo.height})`);

// Classification: shorter side to 256, central 224x224 crop, softmax, top 5.
const crop = inspect.resizeAndCenterCrop(photo, 224);
image.writePng(join(outDir, 'network-input.png'), crop);
for (const c of inspect.classifyImage(model, crop, { k: 5, names, normalization })) console.log(`Probability ${c.probability.toFixed(2)} => [${c.name}]`);

// Segmentation: the classifier slid over the whole image (fc6 as a 7x7 'valid' convolution).
const scores = inspect.scoreMap(model, photo, { fc6Padding: 'valid', normalization });
const seg = inspect.coarseLabels(scores, names);
scores.dispose();
console.log(`\nfully convolutional: a ${seg.width}x${seg.height} map of ${names.length} class scores; classes present:`);
seg.classes.forEach((c, i) => console.log(`  ${i} ${c.name} (${c.pixels} of ${seg.width * seg.height} cells)`));
const map = viz.discreteMatshow({ width: seg.width, height: seg.height, data: seg.labels }, { names, title: 'Segmentation' });
image.writePng(join(outDir, 'segmentation.png'), map);
const written = ['network-input.png', 'segmentation.png'];

// The upsampling tutorial's version: fc6 'same' (map = image / 32) and the scores upsampled x32.
if (!args['no-upsample']) {
  const same = inspect.scoreMap(model, photo, { fc6Padding: 'same', normalization });
  const fine = inspect.upsampledLabels(same, 32);
  same.dispose();
  image.writePng(join(outDir, 'segmentation-x32.png'), viz.discreteMatshow(fine, { names, title: 'Segmentation (upsampled x32)' }));
  image.writePng(join(outDir, 'input.png'), photo);
  console.log(`upsampled x32 (fc6 'same'): ${fine.width}x${fine.height}, ${new Set(fine.data as Int32Array).size} classes`);
  written.push('segmentation-x32.png', 'input.png');
}
model.dispose();
console.log(`wrote ${outDir}/{${written.join(', ')}}`);
