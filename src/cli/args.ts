// Command-line parsing on node:util's parseArgs, with typed, validated values and errors
// that say which option got what and what it expects.
import { parseArgs } from 'node:util';

/** A mistake in how the command was called: printed with a hint to --help, exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help; the value placeholder comes first, e.g. 'N  epochs to train'. */
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], specs: OptionSpecs): Parsed {
  const options = Object.fromEntries(
    Object.entries({ ...specs, help: { type: 'boolean', short: 'h', help: '' } as OptionSpec }).map(([name, s]) => [
      name,
      { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/** The --help text: usage line, description, then one aligned line per option. */
export function helpText(usage: string, description: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const [placeholder, ...rest] = s.type === 'string' ? s.help.split('  ') : ['', s.help];
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${placeholder ? ' ' + placeholder : ''}`;
    return [flag, rest.join('  ').trim() || s.help];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f!.length));
  return [`usage: ${usage}`, '', description, '', 'options:', ...rows.map(([f, h]) => `  ${f!.padEnd(width)}  ${h}`)].join('\n');
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(p: Parsed, name: string, what: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required (${what})`);
  return v;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A number option, checked against [min, max] and, when integer, for a whole value. */
export function num(
  p: Parsed,
  name: string,
  options: { min?: number; max?: number; integer?: boolean; default?: number } = {},
): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return options.default;
  const v = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false } = options;
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const kind = integer ? 'an integer' : 'a number';
    const range = min > -Infinity && max < Infinity ? ` in [${min}, ${max}]` : min > -Infinity ? ` >= ${min}` : max < Infinity ? ` <= ${max}` : '';
    throw new UsageError(`--${name} expects ${kind}${range}, got '${raw}'`);
  }
  return v;
}

/** One of a fixed set of words. */
export function choice<T extends string>(p: Parsed, name: string, allowed: readonly T[], fallback?: T): T | undefined {
  const raw = str(p, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} expects one of ${allowed.join(', ')}, got '${raw}'`);
  }
  return raw as T;
}

/** "64x96" or "64" (square) as [height, width]. */
export function size(p: Parsed, name: string): [number, number] | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(raw.trim());
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) {
    throw new UsageError(`--${name} expects HEIGHTxWIDTH or a single size, e.g. 256x320 or 256, got '${raw}'`);
  }
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** "1,0.5,2" as numbers, each at least `min`; `count` asks for exactly that many. */
export function numberList(p: Parsed, name: string, options: { min?: number; count?: number } = {}): number[] | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const { min = -Infinity, count } = options;
  const values = raw.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
  if (values.some((v) => !Number.isFinite(v) || v < min) || (count !== undefined && values.length !== count)) {
    const what = [count, 'comma-separated', min === 0 ? 'non-negative' : '', 'numbers'].filter(Boolean).join(' ');
    throw new UsageError(`--${name} expects ${what}, got '${raw}'`);
  }
  return values;
}
