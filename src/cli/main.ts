#!/usr/bin/env node
// The pixelwise command line: `pixelwise <command> [options]`.
import { UsageError } from './args.js';
import { HELP_WORDS, listCommands, type Command } from './command.js';
import { demo } from './commands/demo.js';
import { train } from './commands/train.js';
import { upsample } from './commands/upsample.js';
import { evalCommand } from './commands/eval.js';
import { data } from './commands/data.js';
import { summary } from './commands/summary.js';
import { models } from './commands/models.js';
import { predict } from './commands/predict.js';
import { inspect } from './commands/inspect.js';
import { classify } from './commands/classify.js';
import { convert } from './commands/convert.js';

const commands: Command[] = [demo, train, evalCommand, predict, upsample, data, summary, models, inspect, classify, convert];

function overview(): string {
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
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log('pixelwise 0.1.0');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`pixelwise: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}`);
    return 2;
  }
  try {
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
