// pixelwise inspect latent: the 2-D latent space (the Keras lecture's MNIST autoencoder) of a convolutional autoencoder,
// coloured by digit, with the image the decoder generates at a chosen point.
import { openDataset } from '../../../data/datasets/open.js';
import { permutation } from '../../../data/transforms/random.js';
import { asLatent2d, decodePoint, encodeSamples, latentFigure } from '../../../inspect/latent.js';
import { loadSamples } from '../../../inspect/samples.js';
import { loadCheckpointModel } from '../../../checkpoint/load-model.js';
import { num, numberList, requireStr, str, UsageError } from '../../args.js';
import { defineCommand } from '../../command.js';
import { chartOutOption, checkpointOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { fmt } from './common.js';

export const latent = defineCommand({
  name: 'latent',
  summary: "an autoencoder's 2-D latent space by digit, and the image decoded at a point",
  usage: 'pixelwise inspect latent --checkpoint CAE --data MNIST_DIR [--digits 1,5,6] [--point 2,-4] --out F.png',
  description:
    'Encodes random digits of the chosen classes, scatters their 2-D codes coloured by digit, decodes\n' +
    'the given point and shows the generated image beside the scatter.',
  options: {
    checkpoint: { ...checkpointOption, help: 'CKPT  an autoencoder (cae) checkpoint with a 2-D latent space' },
    data: { type: 'string', short: 'd', help: 'DIR  the MNIST folder (IDX files)' },
    split: { type: 'string', help: "S  train or test (default 'test')" },
    digits: { type: 'string', help: 'D,D,...  digits to encode (default 1,5,6 as in the Keras autoencoder lecture)' },
    count: { type: 'string', short: 'n', help: 'N  random digits to encode (default 500)' },
    point: { type: 'string', help: 'X,Y  latent point to decode and mark (default 2,-4; negative first: --point=-2,4)' },
    seed: { type: 'string', help: 'N  seed of the random selection (default 0)' },
    out: chartOutOption,
  },
  async run(args) {
    const path = requireStr(args, 'checkpoint', 'the autoencoder checkpoint');
    const root = requireStr(args, 'data', 'the MNIST folder');
    const digits = numberList(args, 'digits') ?? [1, 5, 6];
    if (digits.some((d) => !Number.isInteger(d) || d < 0 || d > 9)) throw new UsageError(`--digits expects digits 0..9, got '${str(args, 'digits')}'`);
    const point = (numberList(args, 'point', { count: 2 }) ?? [2, -4]) as [number, number];
    const count = num(args, 'count', { min: 1, integer: true, default: 500 })!;
    const seed = num(args, 'seed', { min: 0, integer: true, default: 0 })!;
    const out = pngOutPath(args);
    const { model: zoo, config } = loadCheckpointModel(path);
    try {
      const model = asLatent2d(zoo, path);
      const dataset = await openDataset({ format: 'mnist', root, split: str(args, 'split') ?? 'test' });
      const all = await loadSamples(dataset, Array.from({ length: dataset.length }, (_, i) => i));
      const wanted = all.filter((s) => s.classIndex !== undefined && digits.includes(s.classIndex));
      if (wanted.length === 0) throw new Error(`${root}: no digits ${digits.join(', ')} in the ${dataset.spec.split} split (or no labels file)`);
      const chosen = permutation(wanted.length, seed, 0).slice(0, count).map((i) => wanted[i]!);
      const codes = encodeSamples(model, chosen, config.preprocess);
      const generated = decodePoint(model, point, config.preprocess);
      const figure = latentFigure(codes, { classes: digits, point, generated });
      const files = writeOutputs(out, figure.toImage(), figure);
      console.log(`encoded ${chosen.length} digits (${digits.map((d) => `${d}: ${chosen.filter((s) => s.classIndex === d).length}`).join(', ')})`);
      for (const d of digits) {
        const xs: number[] = [], ys: number[] = [];
        codes.labels.forEach((l, i) => {
          if (l === d) {
            xs.push(codes.points[2 * i]!);
            ys.push(codes.points[2 * i + 1]!);
          }
        });
        if (xs.length) console.log(`digit ${d}: mean code (${fmt(mean(xs), 2)}, ${fmt(mean(ys), 2)})`);
      }
      console.log(`decoded (${point.join(', ')}) into a ${generated.height}x${generated.width} (HxW) image`);
      console.log(`wrote ${files.join(', ')}`);
      return 0;
    } finally {
      zoo.dispose();
    }
  },
});

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
