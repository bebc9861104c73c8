import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, UsageError } from '../../src/cli/args.js';
import { flagName, MODEL_FLAGS, modelOptionsFromArgs, modelOptionSpecs, optionsWithoutFlags } from '../../src/cli/model-args.js';
import { MODEL_NAMES, MODELS } from '../../src/models/registry.js';
import { assertOneLineError, cli } from './helpers.js';

const options = (argv: string[], forTrain = false): Record<string, unknown> => modelOptionsFromArgs(parse(argv, modelOptionSpecs(forTrain)));

// A value each kind of flag accepts, and what createModel then gets.
const SAMPLE: Record<string, [string[], unknown]> = {
  int: [['3'], 3],
  number: [['0.25'], 0.25],
  size: [['32x48'], [32, 48]],
};

test('every option of every model is a flag generated from one table (kebab-case; booleans also --no-...)', () => {
  assert.deepEqual(optionsWithoutFlags(), [], 'options listed by `pixelwise models` without a flag');
  for (const name of MODEL_NAMES) {
    for (const option of MODELS[name].options) {
      const f = MODEL_FLAGS[option]!;
      const flag = `--${flagName(option)}`;
      if (f.kind === 'boolean') {
        assert.deepEqual(options([flag]), { [option]: true }, flag);
        assert.deepEqual(options([`--no-${flagName(option)}`]), { [option]: false }, `--no-${flagName(option)}`);
      } else if (f.kind === 'choice') {
        assert.deepEqual(options([flag, f.choices![0]!]), { [option]: f.choices![0] }, flag);
      } else {
        const [value, expected] = SAMPLE[f.kind]!;
        assert.deepEqual(options([flag, ...value]), { [option]: expected }, flag);
      }
    }
  }
  // The names the issue found rejected: --fc-width, --learnable-upsampling; and the alias kept.
  assert.deepEqual(options(['--fc-width', '512', '--no-learnable-upsampling']), { fcWidth: 512, learnableUpsampling: false });
  assert.deepEqual(options(['--fixed-upsampling']), { learnableUpsampling: false });
  assert.deepEqual(options(['--fc6-padding', 'same', '--fully-convolutional']), { fc6Padding: 'same', fullyConvolutional: true });
  // Train takes the class count and the channels from the data: no such flags there.
  assert.ok(!('num-classes' in modelOptionSpecs(true)) && !('in-channels' in modelOptionSpecs(true)));
  assert.throws(() => options(['--batch-norm', '--no-batch-norm']), (e: Error) => e instanceof UsageError && /give --batch-norm or --no-batch-norm, not both/.test(e.message));
  assert.throws(() => options(['--learnable-upsampling', '--fixed-upsampling']), /not both/);
  assert.throws(() => options(['--up-mode', 'nearest']), /--up-mode expects one of transpose, bilinear, got 'nearest'/);
});

test('summary takes the channels from --input-shape; model flags the CLI rejected before now work', async () => {
  const r = await cli(['summary', '--model', 'unet', '--depth', '2', '--base-width', '4', '--input-shape', '1x1x64x64']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^input \(Input\)\s+\(None, 1, 64, 64\)/m);
  const conflict = await cli(['summary', '--model', 'unet', '--in-channels', '3', '--input-shape', '1x1x64x64']);
  assert.match(assertOneLineError(conflict, 2, 'summary'), /--input-shape 1x1x64x64 has 1 channels but --in-channels is 3/);
  const fc = await cli(['summary', '--model', 'fcn32s', '--fc-width', '64', '--base-width', '8', '--no-learnable-upsampling', '--params-only', '--json']);
  assert.equal(fc.code, 0, fc.stderr);
  const out = JSON.parse(fc.stdout) as { options: { fcWidth: number; learnableUpsampling: boolean }; nonTrainable: number };
  assert.equal(out.options.fcWidth, 64);
  assert.equal(out.options.learnableUpsampling, false);
  assert.ok(out.nonTrainable > 0, 'fixed upsampling weights are not trained');
});
