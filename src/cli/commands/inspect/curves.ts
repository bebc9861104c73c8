// pixelwise inspect curves: a run's loss and mIoU curves redrawn from RUN/metrics.jsonl.
import { readRunMetrics, runCurves, runModelName } from '../../../inspect/curves.js';
import { flag, helpText, parse, requireStr, UsageError, type OptionSpecs } from '../../args.js';
import type { Command } from '../../command.js';
import { fmt, outPath, writeOutputs } from './common.js';

const specs: OptionSpecs = {
  run: { type: 'string', short: 'r', help: 'RUN  a run folder written by pixelwise train' },
  out: { type: 'string', short: 'o', help: 'F.png  the figure to write (an SVG is written beside it)' },
};

const help = helpText(
  'pixelwise inspect curves --run RUN --out F.png',
  'Redraws the training curves of a run from RUN/metrics.jsonl: train and validation loss per epoch,\n' +
    'and validation mean IoU with its best epoch marked.',
  specs,
);

export const curves: Command = {
  name: 'curves',
  summary: 'loss and mIoU curves of a run from its metrics.jsonl',
  help,
  async run(argv) {
    const args = parse(argv, specs);
    if (flag(args, 'help')) {
      console.log(help);
      return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const run = requireStr(args, 'run', 'the run folder');
    const out = outPath(args);
    const records = readRunMetrics(run);
    const model = runModelName(run);
    const figure = runCurves(records, model ? `${model} training` : undefined);
    const files = writeOutputs(out, figure.toImage(), figure);
    const last = records.at(-1)!;
    const best = records.reduce<(typeof records)[number] | null>((b, r) => (r.meanIoU !== null && (b === null || r.meanIoU > (b.meanIoU ?? -1)) ? r : b), null);
    console.log(`${records.length} epoch records; last: epoch ${last.epoch}, train loss ${fmt(last.trainLoss)}${last.valLoss !== null ? `, val loss ${fmt(last.valLoss)}` : ''}`);
    if (best?.meanIoU != null) console.log(`best val mIoU ${(100 * best.meanIoU).toFixed(2)}% at epoch ${best.epoch}`);
    console.log(`wrote ${files.join(', ')}`);
    return 0;
  },
};
