// pixelwise convert: a weight file of any format (detected from its content) as a pixelwise
// checkpoint — the zoo's tensor names, the model config, the normalization the weights expect,
// class names — with the report of what was mapped, missing, unused and mismatched.
import { convertWeights } from '../../weights/convert.js';
import { formatReport } from '../../weights/load.js';
import { MAPPINGS } from '../../weights/mappings.js';
import { MODEL_NAMES } from '../../models/registry.js';
import { NORMALIZATION_PRESET_NAMES } from '../../image/normalization.js';
import { choice, flag, str, UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { checkInputWeights, classesOption } from '../common-options.js';
import { modelOptionSpecs, modelOptionsFromArgs } from '../model-args.js';

const specs: OptionSpecs = {
  model: { type: 'string', short: 'm', help: `NAME  the model to build: ${MODEL_NAMES.join(', ')} (default: the one the file holds, when it says)` },
  out: { type: 'string', short: 'o', help: 'F.safetensors  the checkpoint to write (default: <stem>.safetensors beside the input; never overwritten)' },
  classes: classesOption,
  mapping: { type: 'string', help: `M  read the file as this layout instead of choosing by its tensor names: ${MAPPINGS.map((m) => m.id).join(', ')}` },
  normalize: { type: 'string', help: `N  the input normalization to store instead of the weights' own: ${NORMALIZATION_PRESET_NAMES.join(', ')}` },
  'allow-missing': { type: 'boolean', help: 'write the checkpoint even if the file leaves model tensors unfilled (they keep their initialisation)' },
  'dry-run': { type: 'boolean', help: 'map and report, write nothing' },
  ...modelOptionSpecs(),
};

export const convert = defineCommand({
  name: 'convert',
  summary: 'convert pretrained weights (.pth, .h5, .caffemodel, TF checkpoint, .npy) into a pixelwise checkpoint',
  usage: 'pixelwise convert FILE --model NAME [--out OUT.safetensors] [--classes voc|camvid|ade20k|imagenet|FILE]',
  description:
    'Reads weights in any format pixelwise knows (detected from the content: PyTorch .pth/.pt, Keras .h5,\n' +
    'Caffe .caffemodel, a TensorFlow checkpoint prefix/.index/.ckpt, NumPy .npy/.npz, safetensors), maps\n' +
    "them onto a model of the zoo (torchvision, pytorch-fcn, Keras applications, TF-slim, tensorflow-vgg,\n" +
    "the VGG and FCN Caffe releases) and writes a pixelwise checkpoint: the weights under the zoo's names,\n" +
    'the model config, the input normalization the weights were trained with, and class names. Prints\n' +
    'what was mapped (and how), missing, unused and mismatched. Nothing is downloaded; nothing is\n' +
    'overwritten; on any error nothing is written.',
  options: specs,
  positionals: 'FILE',
  async run(args) {
    const input = checkInputWeights(args.positionals[0]!);
    const out = str(args, 'out');
    if (out !== undefined && !out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file, got '${out}'`);
    const normalize = choice(args, 'normalize', NORMALIZATION_PRESET_NAMES);
    const result = await convertWeights(input, {
      model: str(args, 'model'),
      modelOptions: modelOptionsFromArgs(args),
      out,
      classes: str(args, 'classes'),
      mapping: str(args, 'mapping'),
      normalization: normalize,
      allowMissing: flag(args, 'allow-missing'),
      dryRun: flag(args, 'dry-run'),
    });
    console.log(formatReport(result.report));
    const n = result.config.preprocess?.normalize as { channelOrder: string; range: number; mean: number[]; std: number[] };
    console.log(`model: ${result.config.model.name} ${JSON.stringify(result.config.model.options)}`);
    console.log(`input: ${n.channelOrder.toUpperCase()} on 0..${n.range}, mean [${n.mean.join(', ')}], std [${n.std.join(', ')}]`);
    const names = result.config.classes.names;
    console.log(`classes: ${names.length}${names.length ? ` (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''})` : ''}`);
    console.log(result.written ? `wrote ${result.out}` : `dry run: would write ${result.out}`);
    return 0;
  },
});
