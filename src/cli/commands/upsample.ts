// pixelwise upsample: bilinear upsampling through a transposed convolution (FCN's upsampling layer).
import { upsampleImage } from '../../image/upsample.js';
import { num, UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { imageLimitOption, pngOutOption, pngOutPath, readImageFile, writeOutputs } from '../common-options.js';

export const upsample = defineCommand({
  name: 'upsample',
  summary: 'bilinear upsampling of an image through a transposed convolution',
  usage: 'pixelwise upsample IMAGE --factor N --out FILE.png',
  description:
    'Upsamples IMAGE by N with a transposed convolution whose kernel (size 2N - N%2) is the bilinear\n' +
    "interpolation kernel; equal to scikit-image's rescale(order=1, mode='constant').",
  options: {
    factor: { type: 'string', short: 'f', help: 'N  integer upsampling factor (the transposed convolution stride), >= 1' },
    out: pngOutOption,
    'max-image-pixels': imageLimitOption,
  },
  positionals: 'IMAGE',
  async run(args) {
    const factor = num(args, 'factor', { min: 1, integer: true });
    if (factor === undefined) throw new UsageError('--factor is required');
    const out = pngOutPath(args);
    const image = await readImageFile(args.positionals[0]!);
    const up = upsampleImage(image, factor);
    const data = Uint8Array.from(up.data, (v) => Math.min(255, Math.max(0, Math.round(v))));
    writeOutputs(out, { width: up.width, height: up.height, channels: image.channels, data });
    console.log(`wrote ${out} (${up.height}x${up.width} HxW, factor ${factor}, kernel ${2 * factor - (factor % 2)})`);
    return 0;
  },
});
