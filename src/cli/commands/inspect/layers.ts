// pixelwise inspect layers: the names --layer takes, in execution order, with type and size.
import { formatLayers, listLayers } from '../../../inspect/layers.js';
import { summary } from '../../../models/summary.js';
import { loadCheckpointModel } from '../../../checkpoint/load-model.js';
import { requireStr, size } from '../../args.js';
import { defineCommand } from '../../command.js';
import { checkpointOption } from '../../common-options.js';

export const layers = defineCommand({
  name: 'layers',
  summary: 'layer names (for --layer), types and parameter counts',
  usage: 'pixelwise inspect layers --checkpoint CKPT [--input-size HxW]',
  description:
    'Lists the layers of the checkpoint\'s model in the order forward runs them, with type, weight shape\n' +
    'and parameter count: the names that inspect filters and activations take as --layer.',
  options: {
    checkpoint: checkpointOption,
    'input-size': { type: 'string', help: 'HxW  also run an input of this size and show each layer\'s output shape' },
  },
  async run(args) {
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
      const s = summary(model, [1, model.contract.inChannels, inputSize[0], inputSize[1]]);
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
});
