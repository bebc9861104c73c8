// pixelwise inspect activations: one layer's output channels for one input (layer_output).
import { loadCheckpointModel } from '../../../inspect/checkpoint-model.js';
import { activationStats, activationView, layerActivation } from '../../../inspect/activations.js';
import { findLayer } from '../../../inspect/layers.js';
import { prepareModelInput } from '../../../inspect/model-input.js';
import { predictInput } from '../../../inspect/prediction.js';
import { flag, helpText, parse, requireStr, UsageError, type OptionSpecs } from '../../args.js';
import type { Command } from '../../command.js';
import { fmt, indexList, inputFromArgs, inputOptionSpecs, outPath, writeOutputs } from './common.js';

const specs: OptionSpecs = {
  checkpoint: { type: 'string', short: 'c', help: 'CKPT  a checkpoint written by pixelwise train' },
  layer: { type: 'string', short: 'l', help: 'NAME  the layer whose output to draw (see inspect layers)' },
  ...inputOptionSpecs,
  channels: { type: 'string', help: 'LIST  channels to draw, e.g. 0-15 or 3 (default the first 64)' },
  out: { type: 'string', short: 'o', help: 'F.png  the image to write' },
};

const help = helpText(
  'pixelwise inspect activations --checkpoint CKPT --layer NAME (--image IMG [--mask M] | --data DIR --format F [--index N]) --out F.png',
  'Runs the model on one input and draws the chosen layer\'s output, one tile per channel (each in its\n' +
    'own colour range), under the input, its mask (when known) and the model\'s prediction.',
  specs,
);

export const activations: Command = {
  name: 'activations',
  summary: "a layer's output channels for one input, beside input and prediction",
  help,
  async run(argv) {
    const args = parse(argv, specs);
    if (flag(args, 'help')) {
      console.log(help);
      return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const path = requireStr(args, 'checkpoint', 'the checkpoint to read');
    const layer = requireStr(args, 'layer', "the layer to look at; 'pixelwise inspect layers' lists them");
    const out = outPath(args);
    const channels = indexList(args, 'channels');
    const { model, config } = loadCheckpointModel(path);
    try {
      findLayer(model, layer);
      const input = await inputFromArgs(args, config);
      const prepared = prepareModelInput(input.sample, model, config.preprocess);
      try {
        const a = layerActivation(model, prepared.tensor, layer);
        const prediction = predictInput(model, prepared, config.preprocess);
        const image = activationView(a, {
          image: input.image,
          truth: input.truth,
          prediction,
          names: config.classes.names,
          palette: config.classes.palette,
          ignoreIndex: config.classes.ignoreIndex,
          channels,
        });
        writeOutputs(out, image);
        const s = activationStats(a);
        console.log(`${input.name}: layer ${a.layer} (${a.type}) output ${a.shape.join('x')} (C, H, W)`);
        console.log(`values ${fmt(s.min)} .. ${fmt(s.max)}, mean ${fmt(s.mean)}, ${(100 * s.zeroFraction).toFixed(1)}% zeros`);
        console.log(`wrote ${out} (${image.width}x${image.height})`);
      } finally {
        prepared.tensor.dispose();
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
