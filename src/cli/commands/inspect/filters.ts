// pixelwise inspect filters: the kernels of one convolution layer as a grid (print_filter).
import { loadCheckpointModel } from '../../../inspect/checkpoint-model.js';
import { filterImage, layerKernels } from '../../../inspect/filters.js';
import { flag, helpText, parse, requireStr, UsageError, type OptionSpecs } from '../../args.js';
import type { Command } from '../../command.js';
import { fmt, indexList, outPath, writeOutputs } from './common.js';

const specs: OptionSpecs = {
  checkpoint: { type: 'string', short: 'c', help: 'CKPT  a checkpoint written by pixelwise train' },
  layer: { type: 'string', short: 'l', help: 'NAME  a convolution or transposed-convolution layer (see inspect layers)' },
  'out-channels': { type: 'string', help: 'LIST  output channels to draw, e.g. 0-7,12 (default the first 64)' },
  'in-channels': { type: 'string', help: 'LIST  input channels to draw (default the first 16)' },
  out: { type: 'string', short: 'o', help: 'F.png  the image to write' },
};

const help = helpText(
  'pixelwise inspect filters --checkpoint CKPT --layer NAME --out F.png',
  'Draws the kernels of a Conv2d or ConvTranspose2d layer (or VGG\'s fc6/fc7 as convolutions), one tile\n' +
    'per (output, input) channel pair, in one colour range centred on zero.',
  specs,
);

export const filters: Command = {
  name: 'filters',
  summary: 'the kernels of a convolution layer as a grid',
  help,
  async run(argv) {
    const args = parse(argv, specs);
    if (flag(args, 'help')) {
      console.log(help);
      return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const path = requireStr(args, 'checkpoint', 'the checkpoint to read');
    const layer = requireStr(args, 'layer', "the layer to draw; 'pixelwise inspect layers' lists them");
    const out = outPath(args);
    const outChannels = indexList(args, 'out-channels');
    const inChannels = indexList(args, 'in-channels');
    const { model } = loadCheckpointModel(path);
    try {
      const k = layerKernels(model, layer);
      let [min, max] = [Infinity, -Infinity];
      for (const v of k.data) [min, max] = [Math.min(min, v), Math.max(max, v)];
      const image = filterImage(k, { outChannels, inChannels });
      writeOutputs(out, image);
      console.log(`layer ${k.layer} (${k.type}): kernels ${k.shape.join('x')} (out, in, h, w), weights ${fmt(min)} .. ${fmt(max)}`);
      console.log(`wrote ${out} (${image.width}x${image.height})`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
