// pixelwise data check: decode a whole dataset and report counts, sizes, the class histogram
// and every problem found, each with its file; exit code 1 when there were problems.
import { existsSync } from 'node:fs';
import { checkDataset, formatReport } from '../../data/check.js';
import { progressBars } from '../progress-bar.js';
import { imageLimitOption } from '../common-options.js';
import { flag, num, str, UsageError } from '../args.js';
import { commandGroup, defineCommand } from '../command.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../data-args.js';

const check = defineCommand({
  name: 'check',
  summary: 'counts, sizes, class histogram and every problem of a dataset',
  usage: 'pixelwise data check DIR --format F [--split S] [--json]',
  description:
    'Opens every split of the dataset in DIR, decodes every sample and reports counts, image sizes,\n' +
    'the class histogram and every problem found (missing mask or image, size mismatch, label value\n' +
    'out of range, unreadable file, an image over the pixel limit), each with the file named. Image sizes\n' +
    'are HEIGHTxWIDTH. Exit code 0 when clean, 1 otherwise.',
  options: {
    ...dataOptionSpecs,
    split: { type: 'string', help: 'S  check only this split (default: every split found)' },
    limit: { type: 'string', help: 'N  decode at most N samples per split (default all)' },
    'max-problems': { type: 'string', help: 'N  problems listed in the text report (default 50; --json lists all)' },
    json: { type: 'boolean', help: 'print the report as one JSON object on stdout' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress line' },
    'max-image-pixels': imageLimitOption,
  },
  // DIR may also come as --data DIR.
  positionals: 'any',
  async run(args) {
    if (args.positionals.length > 1) throw new UsageError(`expected one dataset folder, got ${args.positionals.join(' ')}`);
    const dir = args.positionals[0];
    if (dir !== undefined) {
      if (str(args, 'data') !== undefined) throw new UsageError(`give the dataset folder once: DIR '${dir}' or --data '${str(args, 'data')}'`);
      args.values.data = dir;
    }
    const limit = num(args, 'limit', { min: 1, integer: true });
    const maxProblems = num(args, 'max-problems', { min: 0, integer: true });
    const spec = datasetSpecFromArgs(args, str(args, 'split'));
    if (spec.root && !existsSync(spec.root)) throw new Error(`dataset folder ${spec.root} does not exist`);
    const report = await checkDataset(spec, { limit, onProgress: flag(args, 'quiet') ? undefined : progressBars() });
    if (flag(args, 'json')) process.stdout.write(JSON.stringify(report) + '\n');
    else console.log(formatReport(report, { maxProblems }));
    return report.ok ? 0 : 1;
  },
});

export const data = commandGroup({
  name: 'data',
  summary: 'dataset tools: data check DIR --format F (counts, sizes, class histogram, problems)',
  placeholder: 'subcommand',
  description: 'Dataset tools.',
  subcommands: [check],
});
