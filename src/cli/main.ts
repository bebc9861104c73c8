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
  ['env', async () => (await import('./commands/env.js')).env],
  ['serve', async () => (await import('./commands/serve.js')).serve],
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
    '',
    'exit codes: 0 done, 1 error (one line on stderr naming the file or value), 2 usage mistake,',
    '            130 interrupted (Ctrl-C; train saves first and --resume continues)',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_WORDS.includes(name)) {
    console.log(overview(await allCommands()));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    // environment.ts loads libtorch (for its version): only when asked.
    const { versionOfPixelwise } = await import('../train/environment.js');
    console.log(`pixelwise ${versionOfPixelwise()}`);
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
