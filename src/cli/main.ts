#!/usr/bin/env node
// The pixelwise command line: `pixelwise <command> [options]`.
import { UsageError } from './args.js';
import { HELP_WORDS, listCommands, type Command } from './command.js';
// Commands load on first use: `predict --engine onnx` then never loads the libtorch addon, and
// each command starts without importing every other command's library.
const COMMANDS: readonly [string, () => Promise<Command>][] = [
  ['demo', async () => (await import('./commands/demo.js')).demo],
  ['train', async () => (await import('./commands/train.js')).train],
  ['eval', async () => (await import('./commands/eval.js')).evalCommand],
  ['predict', async () => (await import('./commands/predict.js')).predict],
  ['export', async () => (await import('./commands/export.js')).exportCommand],
  ['upsample', async () => (await import('./commands/upsample.js')).upsample],
  ['data', async () => (await import('./commands/data.js')).data],
  ['summary', async () => (await import('./commands/summary.js')).summary],
  ['models', async () => (await import('./commands/models.js')).models],
  ['inspect', async () => (await import('./commands/inspect.js')).inspect],
  ['classify', async () => (await import('./commands/classify.js')).classify],
  ['convert', async () => (await import('./commands/convert.js')).convert],
];

async function allCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map(([, load]) => load()));
}

function overview(commands: readonly Command[]): string {
  return [
    'usage: pixelwise <command> [options]',
    '',
    'Semantic segmentation with fully convolutional networks (FCN, U-Net), on libtorch.',
    '',
    'commands:',
    ...listCommands(commands),
    '',
    "Run 'pixelwise <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_WORDS.includes(name)) {
    console.log(overview(await allCommands()));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log('pixelwise 0.1.0');
    return 0;
  }
  const entry = COMMANDS.find(([n]) => n === name);
  if (!entry) {
    console.error(`pixelwise: unknown command '${name}'. Commands: ${COMMANDS.map(([n]) => n).join(', ')}`);
    return 2;
  }
  try {
    const command = await entry[1]();
    return await command.run(rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) {
      console.error(`pixelwise ${name}: ${message} (see 'pixelwise ${name} --help')`);
      return 2;
    }
    console.error(`pixelwise ${name}: error: ${message}`);
    if (process.env.PIXELWISE_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
