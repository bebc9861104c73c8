// Model options on the command line: ONE table of every option the zoo's models accept
// (models/registry.ts, each model's defineModel), from which the flags are generated —
// --kebab-case of createModel's name, booleans also as --no-... — and parsed back.
import { MODEL_NAMES, MODELS } from '../models/registry.js';
import { choice, flag, num, str, UsageError, type OptionSpecs, type Parsed } from './args.js';

interface ModelFlag {
  kind: 'int' | 'number' | 'boolean' | 'choice' | 'size';
  /** 'choice': the words accepted (the model checks which fit it). */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** --help text; string kinds start with their value placeholder, e.g. 'N  ...'. */
  help: string;
  /** What `train` takes from the data (class count, image channels) rather than from a flag. */
  fromData?: boolean;
  /** Other flag names meaning the same (a boolean alias may mean the negation). */
  aliases?: Record<string, boolean>;
}

/** Every option of every model of the zoo, by createModel's name. */
export const MODEL_FLAGS: Readonly<Record<string, ModelFlag>> = {
  numClasses: { kind: 'int', min: 1, help: 'N  output classes (vgg 1000, fcn 21, unet 2 by default; train: from the data)', fromData: true },
  inChannels: { kind: 'int', min: 1, help: 'N  input image channels (default 3; cae 1; train: from the data or --channels)', fromData: true },
  backbone: { kind: 'choice', choices: ['vgg16', 'vgg19', 'vgg11', 'vgg13'], help: 'B  fcn*: the VGG encoder, vgg16 (default) or vgg19' },
  variant: {
    kind: 'choice',
    choices: ['canonical', 'same', 'tgs'],
    help: "V  fcn8s: 'same' (Keras 'same' layers, inputs multiple of 32; default canonical); unet: 'tgs' (the TGS salt U-Net: 1 channel, 1 output, 16 filters)",
  },
  depth: { kind: 'int', min: 1, max: 19, help: 'N  unet: poolings (default 4; inputs must be multiples of 2^N); vgg: 16 or 19 (set by the name)' },
  encoder: { kind: 'choice', choices: ['vgg16', 'vgg19'], help: 'E  unet: a VGG encoder, vgg16 or vgg19 (pretrained VGG weights load into it; inputs multiple of 32)' },
  baseWidth: { kind: 'int', min: 1, help: 'N  channels of the first level (vgg/fcn 64, unet 64, cae 32)' },
  fcWidth: { kind: 'int', min: 1, help: 'N  vgg/fcn*: width of fc6 and fc7 (default 64 x base width = 4096)' },
  batchNorm: { kind: 'boolean', help: 'BatchNorm after convolutions (unet default; vgg/fcn: the _bn backbones)' },
  dropout: { kind: 'number', min: 0, max: 1, help: 'P  dropout probability (vgg/fcn fc6/fc7 default 0.5; unet bottleneck default 0)' },
  upMode: { kind: 'choice', choices: ['transpose', 'bilinear'], help: 'M  unet up path: transpose (default) or bilinear' },
  learnableUpsampling: {
    kind: 'boolean',
    help: 'fcn*: train the transposed convolutions (default); --no-learnable-upsampling (or --fixed-upsampling) keeps them at their bilinear initialisation',
    aliases: { 'fixed-upsampling': false },
  },
  freezeBackbone: { kind: 'boolean', help: 'fcn*: keep the VGG backbone fixed (default for fcn8s --variant same, as in the Keras lecture)' },
  fullyConvolutional: { kind: 'boolean', help: 'vgg: fc6-fc8 as convolutions, forward gives class-score maps' },
  fc6Padding: { kind: 'choice', choices: ['valid', 'same'], help: "P  vgg: fc6 as a 7x7 convolution, 'valid' (default) or 'same'" },
  latentDim: { kind: 'int', min: 1, help: 'N  cae: size of the latent code (default 2)' },
  imageSize: { kind: 'size', help: 'HxW  cae: image height and width, multiples of 4 (default 28)' },
};

/** createModel's option name as a flag: baseWidth -> base-width, fc6Padding -> fc6-padding. */
export function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The flags of every model option (without those train takes from the data when `forTrain`). */
export function modelOptionSpecs(forTrain = false): OptionSpecs {
  const specs: OptionSpecs = {};
  for (const [option, f] of Object.entries(MODEL_FLAGS)) {
    if (forTrain && f.fromData) continue;
    const name = flagName(option);
    if (f.kind === 'boolean') {
      specs[name] = { type: 'boolean', help: f.help };
      specs[`no-${name}`] = { type: 'boolean', help: `the opposite of --${name}` };
      for (const [alias, value] of Object.entries(f.aliases ?? {})) {
        specs[alias] = { type: 'boolean', help: `the same as --${value ? '' : 'no-'}${name}` };
      }
    } else {
      specs[name] = { type: 'string', help: f.help };
    }
  }
  return specs;
}

function sizeValue(args: Parsed, name: string): number | [number, number] | undefined {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(raw.trim());
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new UsageError(`--${name} expects HEIGHTxWIDTH or a single size, got '${raw}'`);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

function booleanValue(args: Parsed, name: string, aliases: Record<string, boolean>): boolean | undefined {
  const given: [string, boolean][] = [];
  if (flag(args, name)) given.push([`--${name}`, true]);
  if (flag(args, `no-${name}`)) given.push([`--no-${name}`, false]);
  for (const [alias, value] of Object.entries(aliases)) if (flag(args, alias)) given.push([`--${alias}`, value]);
  if (new Set(given.map(([, v]) => v)).size > 1) throw new UsageError(`give ${given.map(([f]) => f).join(' or ')}, not both`);
  return given[0]?.[1];
}

/** createModel options from the flags that were given (the rest keep the model's defaults). */
export function modelOptionsFromArgs(args: Parsed): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [option, f] of Object.entries(MODEL_FLAGS)) {
    const name = flagName(option);
    if (!(name in args.values) && !(`no-${name}` in args.values) && !Object.keys(f.aliases ?? {}).some((a) => a in args.values)) continue;
    let value: unknown;
    switch (f.kind) {
      case 'boolean':
        value = booleanValue(args, name, f.aliases ?? {});
        break;
      case 'int':
        value = num(args, name, { min: f.min, max: f.max, integer: true });
        break;
      case 'number':
        value = num(args, name, { min: f.min, max: f.max });
        break;
      case 'choice':
        value = choice(args, name, f.choices!);
        break;
      case 'size':
        value = sizeValue(args, name);
        break;
    }
    if (value !== undefined) options[option] = value;
  }
  return options;
}

/** The options of every model that have no row in MODEL_FLAGS (the table test keeps this empty). */
export function optionsWithoutFlags(): string[] {
  return MODEL_NAMES.flatMap((name) => MODELS[name].options.filter((o) => !(o in MODEL_FLAGS)).map((o) => `${name}.${o}`));
}
