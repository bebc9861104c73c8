// pixelwise inspect curves: a run's loss and mIoU curves redrawn from RUN/metrics.jsonl.
import { readRunMetrics, runCurves, runModelName } from '../../../inspect/curves.js';
import { requireStr } from '../../args.js';
import { defineCommand } from '../../command.js';
import { chartOutOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { fmt } from './common.js';

export const curves = defineCommand({
  name: 'curves',
  summary: 'loss and mIoU curves of a run from its metrics.jsonl',
  usage: 'pixelwise inspect curves --run RUN --out F.png',
  description:
    'Redraws the training curves of a run from RUN/metrics.jsonl: train and validation loss per epoch,\n' +
    'and validation mean IoU with its best epoch marked.',
  options: {
    run: { type: 'string', short: 'r', help: 'RUN  a run folder written by pixelwise train' },
    out: chartOutOption,
  },
  async run(args) {
    const run = requireStr(args, 'run', 'the run folder');
    const out = pngOutPath(args);
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
});
