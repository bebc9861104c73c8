import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_NAMES } from '../../src/models/registry.js';
import { assertOneLineError, cli, cliAll } from './helpers.js';

test("summary --params-only counts the Keras seed's FCN-8s on 'meta'", async () => {
  const r = await cli(['summary', '--model', 'fcn8s', '--variant', 'same', '--num-classes', '2', '--params-only']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Total params: 136,514,116$/m);
  assert.match(r.stdout, /^Trainable params: 121,799,428$/m);
  assert.match(r.stdout, /^Non-trainable params: 14,714,688$/m);
  const trainable = await cli(['summary', '--model', 'fcn8s', '--variant', 'same', '--num-classes', '2', '--params-only', '--no-freeze-backbone']);
  assert.equal(trainable.code, 0, trainable.stderr);
  assert.match(trainable.stdout, /^Non-trainable params: 0$/m);
  const json = await cli(['summary', '--model', 'vgg16', '--params-only', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    (({ total, trainable, nonTrainable }) => ({ total, trainable, nonTrainable }))(JSON.parse(json.stdout) as Record<string, number>),
    { total: 138_357_544, trainable: 138_357_544, nonTrainable: 0 },
  );
});

test('summary prints a Keras-like table for a tiny U-Net at the given input shape', async () => {
  const r = await cli(['summary', '--model', 'unet', '--base-width', '4', '--depth', '2', '--num-classes', '3', '--input-shape', '2x3x16x24']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Layer \(type\)\s+Output Shape\s+Param #\s+Connected to/);
  assert.match(r.stdout, /^input \(Input\)\s+\(None, 3, 16, 24\)/m);
  assert.match(r.stdout, /^head \(Conv2d\)\s+\(None, 3, 16, 24\)\s+15\s/m, '4 -> 3 channels, 1x1: 12 weights + 3 biases');
  assert.match(r.stdout, /concat \(Concat\).*decoder\.\d\.up, encoder\.\d\.relu2/);
  const table = r.stdout.match(/^Total params: ([\d,]+)$/m)![1];
  const counts = await cli(['summary', '--model', 'unet', '--base-width', '4', '--depth', '2', '--num-classes', '3', '--params-only']);
  assert.match(counts.stdout, new RegExp(`^Total params: ${table}$`, 'm'), 'the table and --params-only agree');
});

test('summary mistakes: a shape the model cannot take suggests one; unknown model or option', async () => {
  const [shape, channels, model, option] = await cliAll([
    ['summary', '--model', 'unet', '--depth', '2', '--input-shape', '1x3x30x30'],
    ['summary', '--model', 'unet', '--in-channels', '3', '--input-shape', '1x1x32x32'],
    ['summary', '--model', 'segnet'],
    ['summary', '--model', 'cae', '--num-classes', '3'],
  ]);
  assert.match(assertOneLineError(shape, 2, 'summary'), /multiples of 4.*30x30.*try 1x3x32x32/);
  assert.match(assertOneLineError(channels, 2, 'summary'), /has 1 channels but --in-channels is 3/);
  assert.match(assertOneLineError(model, 2, 'summary'), /--model expects one of .*unet.*got 'segnet'/);
  assert.match(assertOneLineError(option, 1, 'summary'), /cae: unknown option\(s\) numClasses/);
});

test('models lists every model of the zoo with its task, description and options', async () => {
  const r = await cli(['models']);
  assert.equal(r.code, 0, r.stderr);
  for (const name of MODEL_NAMES) assert.match(r.stdout, new RegExp(`^${name}\\s+(segmentation|classification|reconstruction)\\s+[\\d,]+ params\\s+\\S`, 'm'));
  assert.match(r.stdout, /^vgg16\s+classification\s+138,357,544 params/m);
  assert.match(r.stdout, /options: numClasses, inChannels, depth, baseWidth/);
  const json = await cli(['models', '--json']);
  const list = JSON.parse(json.stdout) as { name: string; options: string[] }[];
  assert.deepEqual(list.map((m) => m.name), [...MODEL_NAMES]);
  assert.ok(list.find((m) => m.name === 'cae')!.options.includes('latentDim'));
});
