// pixelwise inspect samples: dataset images with their masks and a class-name legend.
import { openDataset } from '../../../data/datasets/open.js';
import { permutation } from '../../../data/transforms/random.js';
import { loadSamples, sampleSheet } from '../../../inspect/samples.js';
import { num, str, UsageError } from '../../args.js';
import { defineCommand } from '../../command.js';
import { imageLimitOption, pngOutOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../../data-args.js';

export const samples = defineCommand({
  name: 'samples',
  summary: 'dataset images with their masks and a class legend',
  usage: 'pixelwise inspect samples --data DIR --format F [--split S] [--count N] [--start I | --random SEED] --out F.png',
  description:
    'Draws dataset samples next to their masks in class colours, with one legend of the class names\n' +
    'shown (ignored pixels white). Image-only data (MNIST) shows the images titled with their class.',
  options: {
    ...dataOptionSpecs,
    split: { type: 'string', help: "S  the split (default 'train')" },
    count: { type: 'string', short: 'n', help: 'N  samples to show (default 8)' },
    start: { type: 'string', help: 'I  first sample index (default 0)' },
    random: { type: 'string', help: 'SEED  show a random selection (seeded) instead of consecutive samples' },
    'per-row': { type: 'string', help: 'K  samples per row (default 4; 10 for image-only data)' },
    out: pngOutOption,
    'max-image-pixels': imageLimitOption,
  },
  async run(args) {
    const out = pngOutPath(args);
    const count = num(args, 'count', { min: 1, max: 200, integer: true, default: 8 })!;
    const start = num(args, 'start', { min: 0, integer: true, default: 0 })!;
    const seed = num(args, 'random', { min: 0, integer: true });
    if (seed !== undefined && str(args, 'start') !== undefined) throw new UsageError('give --start or --random, not both');
    const perRow = num(args, 'per-row', { min: 1, max: 20, integer: true });
    const format = str(args, 'format');
    const spec = datasetSpecFromArgs(args, str(args, 'split') ?? (format === 'mnist' ? 'test' : format === 'npy' ? 'all' : 'train'));
    // --count is how many to show; a synthetic dataset keeps its own default size.
    if (spec.format === 'synthetic') delete spec.count;
    const dataset = await openDataset(spec);
    if (start >= dataset.length) throw new UsageError(`--start ${start} is outside the dataset's 0..${dataset.length - 1}`);
    const n = Math.min(count, seed === undefined ? dataset.length - start : dataset.length);
    const indices = seed === undefined ? Array.from({ length: n }, (_, i) => start + i) : permutation(dataset.length, seed, 0).slice(0, n);
    const items = await loadSamples(dataset, indices);
    const image = sampleSheet(items, {
      names: dataset.classNames,
      palette: dataset.palette,
      ignoreIndex: dataset.ignoreIndex,
      perRow,
      title: `${spec.format} ${spec.split ?? ''}: ${n} of ${dataset.length} samples`,
    });
    writeOutputs(out, image);
    console.log(`${spec.format} ${dataset.spec.split ?? ''}: ${dataset.length} samples, ${dataset.numClasses} classes${dataset.ignoreIndex !== null ? `, ignore ${dataset.ignoreIndex}` : ''}`);
    console.log(`showing ${indices.join(', ')}: ${items.map((s) => s.name).join(', ')}`);
    console.log(`wrote ${out} (${image.height}x${image.width} HxW)`);
    return 0;
  },
});
