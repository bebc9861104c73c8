// pixelwise inspect <what>: pictures of what a trained network does — its layers, filters,
// activations, binary thresholds, latent space, training curves — and of the data it learns from.
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { activations } from './inspect/activations.js';
import { curves } from './inspect/curves.js';
import { filters } from './inspect/filters.js';
import { latent } from './inspect/latent.js';
import { layers } from './inspect/layers.js';
import { samples } from './inspect/samples.js';
import { threshold } from './inspect/threshold.js';

const subcommands: Command[] = [layers, filters, activations, threshold, samples, latent, curves];

const help = [
  'usage: pixelwise inspect <what> [options]',
  '',
  'Pictures of what a network does (PNG; charts also as SVG beside the PNG).',
  '',
  'what:',
  ...subcommands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
  '',
  "Run 'pixelwise inspect <what> --help' for its options.",
].join('\n');

export const inspect: Command = {
  name: 'inspect',
  summary: 'layers, filters, activations, thresholds, samples, latent space, curves',
  help,
  async run(argv) {
    const [what, ...rest] = argv;
    if (what === undefined || what === '--help' || what === '-h' || what === 'help') {
      console.log(help);
      return what === undefined ? 2 : 0;
    }
    const sub = subcommands.find((c) => c.name === what);
    if (!sub) throw new UsageError(`unknown subcommand '${what}', expected one of ${subcommands.map((c) => c.name).join(', ')}`);
    return sub.run(rest);
  },
};
