// pixelwise upsample: the first seed's bilinear upsampling through a transposed convolution.
import { extname } from 'node:path';
import { readImage, writePng } from '../../data/image.js';
import { upsampleImage } from '../../nn/bilinear.js';
import { flag, helpText, num, parse, requireStr, UsageError, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';

const specs: OptionSpecs = {
  factor: { type: 'string', short: 'f', help: 'N  integer upsampling factor (the transposed convolution stride), >= 1' },
  out: { type: 'string', short: 'o', help: 'FILE  output PNG' },
};

const help = helpText(
  'pixelwise upsample IMAGE --factor N --out FILE.png',
  'Upsamples IMAGE by N with a transposed convolution whose kernel (size 2N - N%2) is the bilinear\n' +
    "interpolation kernel; equal to scikit-image's rescale(order=1, mode='constant').",
  specs,
);

export const upsample: Command = {
  name: 'upsample',
  summary: 'bilinear upsampling of an image through a transposed convolution',
  help,
  async run(argv) {
    const args = parse(argv, specs);
    if (flag(args, 'help')) {
      console.log(help);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError(`expected one IMAGE, got ${args.positionals.length}`);
    const factor = num(args, 'factor', { min: 1, integer: true });
    if (factor === undefined) throw new UsageError('--factor is required');
    const out = requireStr(args, 'out', 'the output PNG file');
    if (extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must name a .png file, got '${out}'`);
    const image = await readImage(args.positionals[0]!);
    const up = upsampleImage({ data: image.data, height: image.height, width: image.width, channels: image.channels }, factor);
    const data = Uint8Array.from(up.data, (v) => Math.min(255, Math.max(0, Math.round(v))));
    writePng(out, { width: up.width, height: up.height, channels: image.channels, data });
    console.log(`wrote ${out} (${up.width}x${up.height}, factor ${factor}, kernel ${2 * factor - (factor % 2)})`);
    return 0;
  },
};
