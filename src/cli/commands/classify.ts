// pixelwise classify: as the TF-slim VGG16 tutorial — a VGG's top-k ImageNet classes for an image, and the
// classifier run fully convolutionally for a coarse segmentation with class names (first
// seed: its scores upsampled x32 bilinearly).
import { rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { coarseLabels, classifyImage, resizeAndCenterCrop, scoreMap, upsampledLabels } from '../../inspect/classify.js';
import { VGG } from '../../models/vgg.js';
import type { Normalization } from '../../image/normalization.js';
import { discreteMatshow } from '../../viz/legend.js';
import { choice, flag, num, requireStr, str, UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { checkPngPath, classesOption, deviceOf, deviceOption, imageLimitOption, modelFromWeightsArgs, readImageFile, weightsOption, writeOutputs } from '../common-options.js';

const specs: OptionSpecs = {
  weights: weightsOption,
  model: { type: 'string', short: 'm', help: 'NAME  vgg16 or vgg19 (default: read from the weights)' },
  classes: classesOption,
  'base-width': { type: 'string', help: 'N  expected first-block width (default: read from the weights; 64 for ImageNet VGG)' },
  top: { type: 'string', short: 'k', help: 'K  classes to print (default 5)' },
  size: { type: 'string', help: 'N  crop size the classifier sees (default 224, after resizing the shorter side to N*256/224)' },
  preprocessing: {
    type: 'string',
    help: "P  override the normalisation the weights expect (default: the weights' own, e.g. torchvision's RGB/255 with ImageNet mean/std for a .pth, BGR minus the mean pixel for Caffe/Keras): torchvision, vgg-mean, caffe, keras-caffe, keras-tf",
  },
  segment: { type: 'boolean', help: 'also run the classifier fully convolutionally on the whole image (needs --out)' },
  'fc6-padding': { type: 'string', help: "P  fc6 as a 7x7 convolution: valid (default; map = image/32 - 6, images >= 224) or same (map = image/32)" },
  upsample: { type: 'boolean', help: "with --segment: also upsample the scores x32 (bilinear transposed convolution; fc6 'same') to OUT-x32.png" },
  out: { type: 'string', short: 'o', help: 'F.png  the segmentation map to write (with --segment)' },
  device: deviceOption,
  'max-image-pixels': imageLimitOption,
};

export const classify = defineCommand({
  name: 'classify',
  summary: 'VGG top-k ImageNet classes of an image, and its coarse fully convolutional segmentation',
  usage: 'pixelwise classify IMAGE --weights FILE [--model vgg16|vgg19] [--top 5] [--segment --out F.png [--upsample]]',
  description:
    'Prints a VGG\'s top-k classes with probabilities for the resized, centre-cropped image; with --segment\n' +
    'slides the classifier over the whole image (fully convolutional) and draws the winning class per\n' +
    'position with the class names. Weights in any format (torchvision .pth, Keras .h5, TF-slim vgg_16.ckpt,\n' +
    'tensorflow-vgg .npy, VGG_ILSVRC_16_layers.caffemodel, a converted checkpoint), prepared as they were\n' +
    'trained (RGB/BGR, mean, std); none are downloaded.',
  options: specs,
  positionals: 'IMAGE',
  async run(args) {
    const file = args.positionals[0]!;
    const weights = requireStr(args, 'weights', 'VGG16/VGG19 weights in any format (see README: Pretrained weights)');
    const wanted = choice(args, 'model', ['vgg16', 'vgg19'] as const);
    const baseWidth = num(args, 'base-width', { min: 1, integer: true });
    const size = num(args, 'size', { min: 32, integer: true, default: 224 })!;
    const preprocessing = choice(args, 'preprocessing', ['torchvision', 'vgg-mean', 'caffe', 'keras-caffe', 'keras-tf'] as const);
    const segment = flag(args, 'segment');
    const upsample = flag(args, 'upsample');
    const out = str(args, 'out');
    if (upsample && !segment) throw new UsageError('--upsample goes with --segment');
    if (segment && !out) throw new UsageError('--segment needs --out F.png for the segmentation map');
    if (out) checkPngPath(out);
    if (out && !segment) throw new UsageError('--out is the segmentation map: add --segment');
    const padding = choice(args, 'fc6-padding', ['valid', 'same'] as const, upsample ? 'same' : 'valid')!;
    const k = num(args, 'top', { min: 1, integer: true, default: 5 })!;
    const device = await deviceOf(args);

    const image = await readImageFile(file);
    const built = await modelFromWeightsArgs(args, { model: wanted, classNamesOptional: true });
    const model = built.model;
    try {
      if (!(model instanceof VGG)) throw new Error(`${weights} holds ${built.config.model.name} weights; classify needs a VGG classifier (vgg16 or vgg19)`);
      const name = model.architecture;
      const options = model.config;
      if (baseWidth !== undefined && baseWidth !== options.baseWidth) throw new Error(`${weights} has base width ${options.baseWidth} (conv1_1), not --base-width ${baseWidth}`);
      const names = built.config.classes.names;
      if (k > names.length) throw new UsageError(`--top ${k} exceeds the model's ${names.length} classes`);
      const normalization = preprocessing ?? (built.config.preprocess!.normalize as Normalization);
      if (device && device !== 'cpu') model.to(device);
      const crop = resizeAndCenterCrop(image, size);
      const top = classifyImage(model, crop, { k, names, normalization });
      console.log(`${basename(file)} (${image.height}x${image.width} HxW, centre crop ${size}x${size}), ${name}${options.baseWidth !== 64 ? ` (base width ${options.baseWidth})` : ''}:`);
      for (const c of top) console.log(`Probability ${c.probability.toFixed(2)} => [${c.name}]`);
      if (!segment) return 0;

      const minSide = padding === 'valid' ? 224 : 32;
      if (image.width < minSide || image.height < minSide) {
        throw new Error(`${file} is ${image.height}x${image.width} (HxW); fc6 padding '${padding}' needs at least ${minSide}x${minSide}${padding === 'valid' ? " (use --fc6-padding same for smaller images)" : ''}`);
      }
      const scores = scoreMap(model, image, { fc6Padding: padding, normalization });
      try {
        const coarse = coarseLabels(scores, names);
        const map = discreteMatshow({ width: coarse.width, height: coarse.height, data: coarse.labels }, { names, title: 'Segmentation' });
        const files = [out!];
        let upsampled: { classes: number; path: string; width: number; height: number } | null = null;
        let upMap = null;
        if (upsample) {
          const labels = upsampledLabels(scores, 32);
          upMap = discreteMatshow(labels, { names, title: 'Segmentation (upsampled x32)' });
          const path = join(dirname(out!), `${basename(out!, extname(out!))}-x32.png`);
          upsampled = { classes: new Set(labels.data as Int32Array).size, path, width: labels.width, height: labels.height };
          files.push(path);
        }
        writeOutputs(out!, map);
        if (upMap && upsampled) {
          try {
            writeOutputs(upsampled.path, upMap);
          } catch (err) {
            rmSync(out!, { force: true }); // both maps or neither
            throw err;
          }
        }
        console.log(`segmentation: ${coarse.height}x${coarse.width} (HxW) score map (fc6 padding ${padding}), ${coarse.classes.length} classes:`);
        coarse.classes.forEach((c, i) => console.log(`  ${i} ${c.name} (${c.pixels} of ${coarse.width * coarse.height})`));
        if (upsampled) console.log(`upsampled x32: ${upsampled.height}x${upsampled.width} (HxW), ${upsampled.classes} classes`);
        console.log(`wrote ${files.join(', ')}`);
      } finally {
        scores.dispose();
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
});
