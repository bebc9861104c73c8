// What every CLI command provides, and the two shapes commands come in: a command with options
// (parsing, --help and the positional check are done here, so a command file holds only what
// is its own) and a group whose first word picks a subcommand (data check, inspect layers).
import { flag, helpText, parse, UsageError, type OptionSpecs, type Parsed } from './args.js';
import { applyImageLimit } from './common-options.js';

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full --help text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

export interface CommandDefinition {
  name: string;
  summary: string;
  /** What follows 'usage: ' in --help. */
  usage: string;
  /** The paragraph under the usage line. */
  description: string;
  options: OptionSpecs;
  /** Positional arguments: none unless given; a placeholder such as 'IMAGE' for exactly one; 'any' when run checks them. */
  positionals?: string;
  /** Runs with the parsed arguments; resolves to the exit code. */
  run(args: Parsed): Promise<number>;
}

export function defineCommand(d: CommandDefinition): Command {
  const help = helpText(d.usage, d.description, d.options);
  return {
    name: d.name,
    summary: d.summary,
    help,
    async run(argv) {
      const args = parse(argv, d.options);
      if (flag(args, 'help')) {
        console.log(help);
        return 0;
      }
      // Every command that reads images takes --max-image-pixels; it applies before anything is read.
      if (d.options['max-image-pixels']) applyImageLimit(args);
      const given = args.positionals;
      if (d.positionals === undefined && given.length) throw new UsageError(`unexpected argument '${given[0]}'`);
      if (d.positionals !== undefined && d.positionals !== 'any' && given.length !== 1) {
        throw new UsageError(`expected one ${d.positionals}, got ${given.length}`);
      }
      return d.run(args);
    },
  };
}

/** Words that ask a command list for its help. */
export const HELP_WORDS: readonly string[] = ['--help', '-h', 'help'];

/** One aligned line per command: name and summary. */
export function listCommands(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length));
  return commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

export interface GroupDefinition {
  name: string;
  summary: string;
  /** The first argument's name in the usage line: `pixelwise inspect <what>`. */
  placeholder: string;
  description: string;
  subcommands: Command[];
}

/** A command whose first argument names one of its subcommands; alone it prints the list (exit 2). */
export function commandGroup(g: GroupDefinition): Command {
  const word = `<${g.placeholder}>`;
  const help = [
    `usage: pixelwise ${g.name} ${word} [options]`,
    '',
    g.description,
    '',
    `${g.placeholder}:`,
    ...listCommands(g.subcommands),
    '',
    `Run 'pixelwise ${g.name} ${word} --help' for its options.`,
  ].join('\n');
  return {
    name: g.name,
    summary: g.summary,
    help,
    async run([sub, ...rest]) {
      if (sub === undefined || HELP_WORDS.includes(sub)) {
        console.log(help);
        return sub === undefined ? 2 : 0;
      }
      const command = g.subcommands.find((c) => c.name === sub);
      if (!command) throw new UsageError(`unknown subcommand '${sub}', expected one of ${g.subcommands.map((c) => c.name).join(', ')}`);
      return command.run(rest);
    },
  };
}
