// pixelwise inspect layers: the names --layer takes, in execution order, with type and size.
import { loadCheckpointModel, modelInChannels } from '../../../inspect/checkpoint-model.js';
import { formatLayers, listLayers } from '../../../inspect/layers.js';
import { summary } from '../../../models/summary.js';
import { flag, helpText, parse, requireStr, size, UsageError, type OptionSpecs } from '../../args.js';
import type { Command } from '../../command.js';

const specs: OptionSpecs = {
  checkpoint: { type: 'string', short: 'c', help: 'CKPT  a checkpoint written by pixelwise train' },
  'input-size': { type: 'string', help: 'HxW  also run an input of this size and show each layer\'s output shape' },
};

const help = helpText(
  'pixelwise inspect layers --checkpoint CKPT [--input-size HxW]',
  'Lists the layers of the checkpoint\'s model in the order forward runs them, with type, weight shape\n' +
    'and parameter count: the names that inspect filters and activations take as --layer.',
  specs,
);

export const layers: Command = {
  name: 'layers',
  summary: 'layer names (for --layer), types and parameter counts',
  help,
  async run(argv) {
    const args = parse(argv, specs);
    if (flag(args, 'help')) {
      console.log(help);
      return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const path = requireStr(args, 'checkpoint', 'the checkpoint to read');
    const inputSize = size(args, 'input-size');
    const { model, config } = loadCheckpointModel(path);
    try {
      const rows = listLayers(model);
      const title = `${config.model.name} from ${path}: classes ${config.classes.names.join(', ')}`;
      if (!inputSize) {
        console.log(formatLayers(rows, title));
        return 0;
      }
      const s = summary(model, [1, modelInChannels(model), inputSize[0], inputSize[1]]);
      const shapes = new Map(s.rows.map((r) => [r.name, r.outputShapes.map((d) => `(${d.slice(1).join(', ')})`).join(' ')]));
      const table = formatLayers(rows, title).split('\n');
      // Append each layer's output shape to its table row (rows follow the header line).
      const width = Math.max(...table.slice(1, rows.length + 2).map((l) => l.length));
      console.log(
        [
          table[0],
          table[1]!.padEnd(width) + '  output',
          ...rows.map((r, i) => table[i + 2]!.padEnd(width) + '  ' + (shapes.get(r.name) ?? '-')),
          table.at(-1),
        ].join('\n'),
      );
      return 0;
    } finally {
      model.dispose();
    }
  },
};
