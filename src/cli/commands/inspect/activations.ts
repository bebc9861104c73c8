// pixelwise inspect activations: one layer's output channels for one input (layer_output).
import { modelInput } from '../../../infer/predict.js';
import { loadPredictor } from '../../../infer/predictor.js';
import { activationStats, activationView, layerActivation } from '../../../inspect/activations.js';
import { findLayer } from '../../../inspect/layers.js';
import { predictImage } from '../../../inspect/prediction.js';
import { requireStr } from '../../args.js';
import { defineCommand } from '../../command.js';
import { checkpointOption, deviceOf, pngOutOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { fmt, indexList, inputFromArgs, inputOptionSpecs } from './common.js';

export const activations = defineCommand({
  name: 'activations',
  summary: "a layer's output channels for one input, beside input and prediction",
  usage: 'pixelwise inspect activations --checkpoint CKPT --layer NAME (--image IMG [--mask M] | --data DIR --format F [--index N]) --out F.png',
  description:
    'Runs the model on one input and draws the chosen layer\'s output, one tile per channel (each in its\n' +
    'own colour range), under the input, its mask (when known) and the model\'s prediction.',
  options: {
    checkpoint: checkpointOption,
    layer: { type: 'string', short: 'l', help: 'NAME  the layer whose output to draw (see inspect layers)' },
    ...inputOptionSpecs,
    channels: { type: 'string', help: 'LIST  channels to draw, e.g. 0-15 or 3 (default the first 64)' },
    out: pngOutOption,
  },
  async run(args) {
    const path = requireStr(args, 'checkpoint', 'the checkpoint to read');
    const layer = requireStr(args, 'layer', "the layer to look at; 'pixelwise inspect layers' lists them");
    const out = pngOutPath(args);
    const channels = indexList(args, 'channels');
    const predictor = loadPredictor(path, { device: await deviceOf(args) });
    const { model, classes } = predictor;
    try {
      findLayer(model, layer);
      const input = await inputFromArgs(args, classes.palette);
      // The input prediction makes of the image, so the layer shows what predict computes.
      const x = modelInput(predictor, input.sample, { fit: true });
      try {
        const a = layerActivation(model, x, layer);
        const image = activationView(a, {
          image: input.image,
          truth: input.truth,
          prediction: predictImage(predictor, input.sample),
          names: classes.names,
          palette: classes.palette,
          ignoreIndex: classes.ignoreIndex,
          channels,
        });
        writeOutputs(out, image);
        const s = activationStats(a);
        console.log(`${input.name}: layer ${a.layer} (${a.type}) output ${a.shape.join('x')} (C, H, W)`);
        console.log(`values ${fmt(s.min)} .. ${fmt(s.max)}, mean ${fmt(s.mean)}, ${(100 * s.zeroFraction).toFixed(1)}% zeros`);
        console.log(`wrote ${out} (${image.height}x${image.width} HxW)`);
      } finally {
        x.dispose();
      }
      return 0;
    } finally {
      predictor.dispose();
    }
  },
});
