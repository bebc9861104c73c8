// pixelwise summary: a Keras-like table of a zoo model (layers, output shapes, parameters),
// or with --params-only just the counts, from a model built on 'meta' without allocating.
import { withDefaultDevice } from '../../torch/index.js';
import { countParameters, formatSummary, summary as modelSummary } from '../../models/summary.js';
import { createModelFromConfig, isModelName, MODEL_NAMES, MODELS, type ModelName } from '../../models/registry.js';
import type { ZooModel } from '../../models/contract.js';
import { flag, num, requireStr, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { modelOptionSpecs, modelOptionsFromArgs } from '../model-args.js';
import { classesOption, modelFromWeightsArgs, weightsOption } from '../common-options.js';

const specs: OptionSpecs = {
  model: { type: 'string', short: 'm', help: `NAME  ${MODEL_NAMES.join(', ')}` },
  weights: weightsOption,
  classes: classesOption,
  ...modelOptionSpecs(),
  'input-shape': { type: 'string', help: 'NxCxHxW  input for the table (default 1xCx224x224; cae its image size); C also sets --in-channels' },
  'params-only': { type: 'boolean', help: "only the parameter counts (built on 'meta': instant, nothing allocated)" },
  json: { type: 'boolean', help: 'print the summary (or the counts) as one JSON object' },
};

/** Model options from the flags; with a model name (not --weights, whose file fixes the channels) --input-shape's C as inChannels. */
function optionsOf(args: Parsed, name?: string): Record<string, unknown> {
  const options = modelOptionsFromArgs(args);
  // The channels of --input-shape are the model's input channels (unless the model fixes them).
  const raw = str(args, 'input-shape');
  if (raw !== undefined && name !== undefined) {
    const c = parseShape(raw)[1]!;
    if (options.inChannels !== undefined && options.inChannels !== c) {
      throw new UsageError(`--input-shape ${raw} has ${c} channels but --in-channels is ${String(options.inChannels)}; give one of them`);
    }
    if ((MODELS[name as ModelName].options as readonly string[]).includes('inChannels')) options.inChannels ??= c;
  }
  return options;
}

function parseShape(raw: string): number[] {
  const dims = raw.trim().split('x').map(Number);
  if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UsageError(`--input-shape expects NxCxHxW with positive integers, e.g. 1x3x224x224, got '${raw}'`);
  }
  return dims;
}

/** The input the table runs on: the given shape checked against what the model accepts, or a default. */
function inputShapeFor(model: ZooModel, raw: string | undefined): number[] {
  const { inChannels: channels, inputMultiple: multiple, minInputSize: min, fixedInputSize: fixed } = model.contract;
  const up = (v: number): number => Math.max(min, Math.ceil(v / multiple) * multiple);
  const fallback = fixed ?? [up(224), up(224)];
  if (raw === undefined) return [1, channels, ...fallback];
  const shape = parseShape(raw);
  const [, c, h, w] = shape as [number, number, number, number];
  if (c !== channels) throw new UsageError(`--input-shape: model ${model.architecture} takes ${channels} channels, got ${c} (${raw})`);
  if (fixed && (h !== fixed[0] || w !== fixed[1])) {
    throw new UsageError(`--input-shape: model ${model.architecture} takes ${fixed.join('x')} images, got ${h}x${w}`);
  }
  if (h % multiple !== 0 || w % multiple !== 0 || h < min || w < min) {
    const suggestion = `${shape[0]}x${c}x${up(h)}x${up(w)}`;
    throw new UsageError(
      `--input-shape: model ${model.architecture} needs sides that are multiples of ${multiple} and at least ${min}, got ${h}x${w}; try ${suggestion}`,
    );
  }
  return shape;
}

export const summary = defineCommand({
  name: 'summary',
  summary: 'Keras-like table of a model: layers, output shapes, parameter counts',
  usage: 'pixelwise summary --model NAME [model options] | --weights FILE [--model NAME] [--input-shape 1x3x224x224] [--params-only]',
  description:
    'Prints a Keras-like summary of a model of the zoo: every layer in execution order with its output\n' +
    'shape, parameters and the layers it is connected to, then total / trainable / non-trainable counts.\n' +
    'The table runs one forward pass on zeros; --params-only counts without running or allocating.\n' +
    '--weights FILE: the model those weights fit (any format; --model where the file does not say it).',
  options: specs,
  async run(args) {
    if (str(args, 'weights') !== undefined) return summarizeWeights(args);
    if (str(args, 'classes') !== undefined) throw new UsageError('--classes goes with --weights');
    const name = requireStr(args, 'model', `the model: ${MODEL_NAMES.join(', ')}`);
    // As in train: a name outside the zoo is a usage mistake (exit code 2).
    if (!isModelName(name)) throw new UsageError(`--model expects one of ${MODEL_NAMES.join(', ')}, got '${name}'`);
    const options = optionsOf(args, name);
    // Built on 'meta' first: counts and the input check cost nothing even for VGG.
    const meta = withDefaultDevice('meta', () => createModelFromConfig(name, options));
    let inputShape: number[];
    let counts: ReturnType<typeof countParameters>;
    let config: object;
    try {
      inputShape = inputShapeFor(meta, str(args, 'input-shape'));
      counts = countParameters(meta);
      config = meta.config; // a getter on some models: read before the parameters go
    } finally {
      meta.dispose();
    }
    if (flag(args, 'params-only')) {
      const group = (n: number): string => n.toLocaleString('en-US');
      if (flag(args, 'json')) console.log(JSON.stringify({ model: name, options: config, ...counts }));
      else {
        console.log(`Model: ${name} ${JSON.stringify(config)}`);
        console.log(`Total params: ${group(counts.total)}`);
        console.log(`Trainable params: ${group(counts.trainable)}`);
        console.log(`Non-trainable params: ${group(counts.nonTrainable)}`);
      }
      return 0;
    }
    // libtorch has no meta kernels for convolutions, so the table's forward pass runs on the CPU.
    const model = createModelFromConfig(name, options);
    try {
      const s = modelSummary(model, inputShape);
      if (flag(args, 'json')) console.log(JSON.stringify({ model: name, options: config, ...s }));
      else console.log(formatSummary(s));
    } finally {
      model.dispose();
    }
    return 0;
  },
});

/** summary --weights: the model the file fits, loaded, and what was mapped. */
async function summarizeWeights(args: Parsed): Promise<number> {
  const given = str(args, 'model');
  if (given !== undefined && !isModelName(given)) throw new UsageError(`--model expects one of ${MODEL_NAMES.join(', ')}, got '${given}'`);
  const options = optionsOf(args);
  const path = str(args, 'weights')!;
  const built = await modelFromWeightsArgs(args, { classNamesOptional: true, modelOptions: options });
  try {
    const { model, report } = built;
    const counts = countParameters(model);
    const line = `weights: ${path} (${report.mappingTitle}): ${report.mapped.length} mapped, ${report.missing.length} missing, ${report.unused.length} unused, ${report.mismatched.length} mismatched`;
    if (flag(args, 'params-only')) {
      if (flag(args, 'json')) console.log(JSON.stringify({ model: built.config.model.name, options: built.config.model.options, weights: path, ...counts }));
      else console.log([line, `Model: ${built.config.model.name} ${JSON.stringify(built.config.model.options)}`, `Total params: ${counts.total.toLocaleString('en-US')}`].join('\n'));
      return 0;
    }
    const s = modelSummary(model, inputShapeFor(model, str(args, 'input-shape')));
    if (flag(args, 'json')) console.log(JSON.stringify({ model: built.config.model.name, options: built.config.model.options, weights: path, ...s }));
    else console.log(`${line}\n${formatSummary(s)}`);
    return 0;
  } finally {
    built.model.dispose();
  }
}
