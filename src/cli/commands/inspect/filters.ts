// pixelwise inspect filters: the kernels of one convolution layer as a grid (print_filter).
import { filterImage, layerKernels } from '../../../inspect/filters.js';
import { loadCheckpointModel } from '../../../checkpoint/load-model.js';
import { requireStr } from '../../args.js';
import { defineCommand } from '../../command.js';
import { checkpointOption, pngOutOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { fmt, indexList } from './common.js';

export const filters = defineCommand({
  name: 'filters',
  summary: 'the kernels of a convolution layer as a grid',
  usage: 'pixelwise inspect filters --checkpoint CKPT --layer NAME --out F.png',
  description:
    'Draws the kernels of a Conv2d or ConvTranspose2d layer (or VGG\'s fc6/fc7 as convolutions), one tile\n' +
    'per (output, input) channel pair, in one colour range centred on zero.',
  options: {
    checkpoint: checkpointOption,
    layer: { type: 'string', short: 'l', help: 'NAME  a convolution or transposed-convolution layer (see inspect layers)' },
    'out-channels': { type: 'string', help: 'LIST  output channels to draw, e.g. 0-7,12 (default the first 64)' },
    'in-channels': { type: 'string', help: 'LIST  input channels to draw (default the first ones that fit about 256 tiles, at least 1)' },
    out: pngOutOption,
  },
  async run(args) {
    const path = requireStr(args, 'checkpoint', 'the checkpoint to read');
    const layer = requireStr(args, 'layer', "the layer to draw; 'pixelwise inspect layers' lists them");
    const out = pngOutPath(args);
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
      console.log(`wrote ${out} (${image.height}x${image.width} HxW)`);
      return 0;
    } finally {
      model.dispose();
    }
  },
});
