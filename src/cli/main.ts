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
import { env } from './commands/env.js';
import { versionOfPixelwise } from '../train/environment.js';

const commands: Command[] = [demo, train, evalCommand, predict, upsample, data, summary, models, inspect, classify, env];

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
    '',
    'exit codes: 0 done, 1 error (one line on stderr naming the file or value), 2 usage mistake,',
    '            130 interrupted (Ctrl-C; train saves first and --resume continues)',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_WORDS.includes(name)) {
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log(`pixelwise ${versionOfPixelwise()}`);
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

// A command must end by returning its exit code or throwing. Should it ever leave a promise
// that nothing will settle, Node would quit with code 13 and print nothing: say so instead.
let settled = false;
process.on('exit', () => {
  // Node sets exitCode 13 for an unsettled top-level await before this event (whose code reads 0).
  if (!settled && process.exitCode === 13) {
    process.stderr.write(`pixelwise ${process.argv[2] ?? ''}: internal error: the command stopped with work unfinished (a promise never settled); please report it with 'pixelwise env'\n`);
  }
});
process.exitCode = await main(process.argv.slice(2));
settled = true;
