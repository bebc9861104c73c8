// loadWeights beyond the numbers (mappings.test.ts): what the file says about its model, the
// report of a partial or wrong fit, strict mode, pixelwise checkpoints both ways, conversion to a
// checkpoint (never over an existing file), and bad input with one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad, randn, tensor, tidy } from '../../src/torch/index.js';
import { openWeights } from '../../src/io/formats/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { createModel, createModelFromConfig, vgg16, vgg19 } from '../../src/models/index.js';
import { loadCheckpointModel, saveCheckpoint } from '../../src/checkpoint/index.js';
import { resolveNormalization } from '../../src/image/normalization.js';
import { convertWeights, defaultConvertPath, describeWeights, formatReport, initPlan, loadWeights, modelFromWeights, resolveMapping } from '../../src/weights/index.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/weights/', import.meta.url));
const m = (name: string) => join(fixtures, 'mappings', name);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-weights-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
function forward(model: ReturnType<typeof createModelFromConfig>, shape: number[]): Float32Array {
  model.eval();
  const n = shape.reduce((x, y) => x * y, 1);
  return tidy(() => noGrad(() => model.forward(tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), { shape })).data() as Float32Array));
}

test('what a file says: depth, widths, BatchNorm, classes, which FCN; torchvision names in a plain safetensors file', async (t) => {
  const dir = tempDir(t);
  const a = vgg16({ baseWidth: 2, fcWidth: 8, numClasses: 7 });
  const b = vgg19({ baseWidth: 3, fcWidth: 5, batchNorm: true, inChannels: 1 });
  saveSafetensors(join(dir, 'a.safetensors'), a.stateDict());
  saveSafetensors(join(dir, 'b.safetensors'), b.stateDict());
  const describe = async (path: string) => {
    const f = await openWeights(path);
    try {
      const r = resolveMapping(f);
      return { mapping: r.mapping.id, ...describeWeights(r) };
    } finally {
      f.close();
    }
  };
  assert.deepEqual(await describe(join(dir, 'a.safetensors')), { mapping: 'torchvision', modelName: 'vgg16', family: 'vgg', depth: 16, batchNorm: false, inChannels: 3, baseWidth: 2, fcWidth: 8, outputs: 7 });
  assert.deepEqual(await describe(join(dir, 'b.safetensors')), { mapping: 'torchvision', modelName: 'vgg19', family: 'vgg', depth: 19, batchNorm: true, inChannels: 1, baseWidth: 3, fcWidth: 5, outputs: 1000 });
  assert.deepEqual(await describe(m('caffe_fcn16s.caffemodel')), { mapping: 'caffe-fcn', modelName: 'fcn16s', family: 'fcn', depth: 16, batchNorm: false, inChannels: 3, baseWidth: 1, fcWidth: 4, outputs: 2 });
  assert.deepEqual(await describe(m('tfvgg_vgg19.npy')), { mapping: 'tensorflow-vgg', modelName: 'vgg19', family: 'vgg', depth: 19, batchNorm: false, inChannels: 3, baseWidth: 1, fcWidth: 4, outputs: 5 });
  saveSafetensors(join(dir, 'c.safetensors'), new Map([['x', randn([2])]]));
  await assert.rejects(describe(join(dir, 'c.safetensors')), (e: Error) => /c\.safetensors: a safetensors file whose tensor names match no VGG or FCN layout pixelwise knows \(found x\); expected torchvision's VGG/.test(e.message) && !e.message.includes('\n'));
  a.dispose();
  b.dispose();
});

test('a transfer reports what it filled, what the model misses and what the file holds beyond it; strict refuses it in one line', async () => {
  const fcn = createModel('fcn8s', { baseWidth: 1, fcWidth: 4, numClasses: 3 });
  const report = await loadWeights(fcn, m('slim_vgg_16.ckpt'));
  assert.equal(report.mapping, 'tf-slim');
  assert.equal(report.mapped.length, 30, '13 convolutions and fc6/fc7, weight and bias');
  assert.deepEqual(report.missing.map((x) => x.target), ['scoreFr.weight', 'scoreFr.bias', 'upscore2.weight', 'scorePool4.weight', 'scorePool4.bias', 'upscorePool4.weight', 'scorePool3.weight', 'scorePool3.bias', 'upscore8.weight']);
  assert.deepEqual(report.unused.map((x) => x.source).sort(), ['vgg_16/fc8/biases', 'vgg_16/fc8/weights'], 'global_step is no weight: not listed');
  const fc6 = report.mapped.find((x) => x.target === 'fc6.weight')!;
  assert.deepEqual([fc6.source, fc6.sourceShape, fc6.targetShape, fc6.conversion], ['vgg_16/fc6/weights', [7, 7, 8, 4], [4, 8, 7, 7], 'HWIO -> OIHW']);
  assert.deepEqual(report.normalization, resolveNormalization('vgg'));
  const text = formatReport(report);
  assert.match(text, /30 mapped, 9 missing, 2 unused, 0 mismatched/);
  assert.match(text, /fc6\.weight \[4,8,7,7\] <- vgg_16\/fc6\/weights \[7,7,8,4\]  \(HWIO -> OIHW\)/);
  await assert.rejects(loadWeights(fcn, m('slim_vgg_16.ckpt'), { strict: true }), (e: Error) =>
    /slim_vgg_16\.ckpt: read as TF-slim's vgg_16 \/ vgg_19 checkpoints \(2016\), it does not fit model fcn8s .* exactly: 9 missing \(scoreFr\.weight \[3,4,1,1\].*; 2 unused \(vgg_16\/fc8\/(weights|biases)/.test(e.message) && !e.message.includes('\n'));
  fcn.dispose();
});

test("weights of another model: the report lists what is mismatched, and modelFromWeights refuses in one line", async () => {
  const wide = createModel('vgg16', { baseWidth: 2, fcWidth: 4, numClasses: 5 });
  const report = await loadWeights(wide, m('keras1_vgg16.h5'));
  assert.ok(report.mismatched.length >= 26);
  assert.deepEqual(report.mismatched[0], { target: 'features.0.weight', targetShape: [2, 3, 3, 3], source: 'block1_conv1/block1_conv1_W_1:0', sourceShape: [3, 3, 3, 1] });
  wide.dispose();
  await assert.rejects(modelFromWeights(m('keras1_vgg16.h5'), { model: 'vgg16', modelOptions: { baseWidth: 2 }, classes: ['a', 'b', 'c', 'd', 'e'] }), (e: Error) =>
    /keras1_vgg16\.h5: read as Keras applications .*, it does not fit model vgg16 .*: \d+ mismatched \(features\.0\.weight \[2,3,3,3\] vs block1_conv1\/block1_conv1_W_1:0 \[3,3,3,1\]/.test(e.message) && !e.message.includes('\n'));
  // A VGG19 file asked to be a VGG16.
  await assert.rejects(modelFromWeights(m('tfvgg_vgg19.npy'), { model: 'vgg16' }), /tfvgg_vgg19\.npy: the weights hold a VGG19 \(16 convolutions\), not vgg16/);
  // The classes a file names must match the model's outputs; unnamed ones must be given.
  await assert.rejects(modelFromWeights(m('caffe_fcn8s.caffemodel')), /caffe_fcn8s\.caffemodel: the file names no classes for model fcn8s's 2 classes \(its voc table has 21\); give --classes voc, camvid, ade20k, imagenet or a classes file/);
  await assert.rejects(modelFromWeights(m('caffe_fcn8s.caffemodel'), { classes: 'camvid' }), /--classes camvid has 11 classes, but model fcn8s has 2 output\(s\)/);
  await assert.rejects(modelFromWeights(m('keras1_vgg16.h5'), { model: 'fcn8s', classes: 'voc' }), /9 missing \(scoreFr\.weight \[21,4,1,1\].*allowMissing \/ --allow-missing/);
});

test('a pixelwise checkpoint: the converted file equals the foreign one, carries normalization and classes, and loads across models', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'caffe_fcn8s_atonce.caffemodel');
  copyFileSync(m('caffe_fcn8s_atonce.caffemodel'), input);
  const result = await convertWeights(input, { classes: ['background', 'thing'] });
  assert.equal(result.out, join(dir, 'caffe_fcn8s_atonce.safetensors'));
  assert.ok(result.written && existsSync(result.out));
  assert.deepEqual(readdirSync(dir).sort(), ['caffe_fcn8s_atonce.caffemodel', 'caffe_fcn8s_atonce.safetensors'], 'no temp file left');
  const original = await modelFromWeights(input, { classes: ['background', 'thing'] });
  const converted = loadCheckpointModel(result.out);
  assert.deepEqual(converted.config.preprocess, { normalize: resolveNormalization('caffe') });
  assert.deepEqual(converted.config.classes, { names: ['background', 'thing'], ignoreIndex: null });
  assert.deepEqual(converted.config.source, { file: 'caffe_fcn8s_atonce.caffemodel', format: 'caffe', mapping: 'caffe-fcn' });
  assert.ok(same(forward(converted.model, [1, 3, 19, 23]), forward(original.model, [1, 3, 19, 23])), 'the same outputs');
  // Read back through the weights layer: the pixelwise mapping, its own model, config and classes.
  const again = await modelFromWeights(result.out);
  assert.equal(again.report.mapping, 'pixelwise');
  assert.deepEqual([again.report.missing.length, again.report.unused.length, again.report.mismatched.length], [0, 0, 0]);
  assert.deepEqual(again.config.classes.names, ['background', 'thing']);
  assert.ok(same(forward(again.model, [1, 3, 19, 23]), forward(original.model, [1, 3, 19, 23])));
  // Across models: the FCN-8s checkpoint's backbone into a VGG-encoder U-Net.
  const unet = createModel('unet', { encoder: 'vgg16', baseWidth: 1, numClasses: 2 });
  const r = await loadWeights(unet, result.out);
  assert.equal(r.mapped.filter((x) => x.target.startsWith('encoder.')).length, 26);
  assert.equal(r.mismatched.length, 0);
  for (const x of [original.model, converted.model, again.model, unet]) x.dispose();

  // Never over an existing file, whatever is asked; the file keeps its bytes.
  const before = readFileSync(result.out);
  await assert.rejects(convertWeights(input, { classes: ['a', 'b'] }), /caffe_fcn8s_atonce\.safetensors already exists; not overwritten/);
  assert.ok(readFileSync(result.out).equals(before));
  // A dry run writes nothing (and needs no class names); a missing folder is one line, nothing written.
  const dry = await convertWeights(input, { out: join(dir, 'dry.safetensors'), dryRun: true });
  assert.equal(dry.written, false);
  assert.equal(existsSync(join(dir, 'dry.safetensors')), false);
  await assert.rejects(convertWeights(input, { classes: ['a', 'b'], out: join(dir, 'no', 'x.safetensors') }), /x\.safetensors: the folder .*no does not exist/);
  assert.deepEqual(readdirSync(dir).sort(), ['caffe_fcn8s_atonce.caffemodel', 'caffe_fcn8s_atonce.safetensors']);
});

test('default output names: the stem beside the input, for every kind of input', () => {
  assert.equal(defaultConvertPath('/w/vgg16-397923af.pth'), '/w/vgg16-397923af.safetensors');
  assert.equal(defaultConvertPath('/w/vgg_16.ckpt'), '/w/vgg_16.safetensors');
  assert.equal(defaultConvertPath('/w/model.ckpt-1000.index'), '/w/model.ckpt-1000.safetensors');
  assert.equal(defaultConvertPath('/w/model.ckpt-1000'), '/w/model.ckpt-1000.safetensors');
  assert.equal(defaultConvertPath('/w/model.ckpt-1000.data-00000-of-00001'), '/w/model.ckpt-1000.safetensors');
  assert.equal(defaultConvertPath('fcn8s-heavy-pascal.caffemodel'), 'fcn8s-heavy-pascal.safetensors');
});

test('bad input: truncated, another format, a pickle asking for another global, a missing file — one line naming the file, nothing written', async (t) => {
  const dir = tempDir(t);
  const cases: [string, Buffer | null, RegExp][] = [
    ['truncated.caffemodel', readFileSync(m('caffe_vgg16.caffemodel')).subarray(0, 5000), /truncated\.caffemodel: /],
    ['truncated.pth', readFileSync(m('torchvision_vgg16.pth')).subarray(0, 20000), /truncated\.pth: /],
    ['truncated.h5', readFileSync(m('keras1_vgg16.h5')).subarray(0, 30000), /truncated\.h5: truncated HDF5 file: its superblock says \d+ bytes, the file has 30000$/],
    ['picture.png', readFileSync(fileURLToPath(new URL('../../../test/fixtures/codecs/adam7-rgb8.png', import.meta.url))), /picture\.png: unknown weight file format .*; expected a PyTorch/],
    ['evil.pth', readFileSync(join(fixtures, 'evil_torch.pth')), /evil\.pth \(member evil_torch\/data\.pkl\): the pickle asks for the Python global posix\.system, which is not allowed/],
    ['missing.pth', null, /missing\.pth: no such file/],
  ];
  for (const [name, bytes, message] of cases) {
    const path = join(dir, name);
    if (bytes) writeFileSync(path, bytes);
    await assert.rejects(convertWeights(path, { model: 'vgg16' }), (e: Error) => {
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return true;
    });
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.safetensors')), [], 'nothing written');
  assert.equal(existsSync('/tmp/pixelwise-pickle-was-executed'), false);
  // A checkpoint of a model with no VGG in it, asked to be an FCN: nothing fits.
  const unet = createModel('unet', { depth: 1, baseWidth: 2 });
  saveCheckpoint(join(dir, 'unet.safetensors'), { config: { model: { name: 'unet', options: unet.config as unknown as Record<string, unknown> }, classes: { names: ['a', 'b'], ignoreIndex: null } }, weights: unet.stateDict() });
  unet.dispose();
  await assert.rejects(convertWeights(join(dir, 'unet.safetensors'), { model: 'fcn8s', out: join(dir, 'fcn.safetensors'), classes: ['a', 'b'] }), /unet\.safetensors: read as a pixelwise checkpoint of unet, nothing in it fits model fcn8s/);
  assert.equal(existsSync(join(dir, 'fcn.safetensors')), false);
  assert.ok(statSync(join(dir, 'unet.safetensors')).size > 0);
});

test('initPlan: the architecture a file implies for a model, and the normalization to train with', async () => {
  assert.deepEqual(await initPlan(m('tfvgg_vgg19.npy'), 'fcn8s'), { modelOptions: { backbone: 'vgg19', baseWidth: 1, fcWidth: 4 }, normalization: resolveNormalization('keras-caffe'), mapping: 'tensorflow-vgg' });
  assert.deepEqual(await initPlan(m('caffe_vgg16.caffemodel'), 'unet'), { modelOptions: { encoder: 'vgg16', baseWidth: 1 }, normalization: resolveNormalization('keras-caffe'), mapping: 'caffe-vgg' });
  assert.deepEqual((await initPlan(m('torchvision_vgg19_bn_legacy.pth'), 'fcn32s')).modelOptions, { backbone: 'vgg19', baseWidth: 1, fcWidth: 4, batchNorm: true });
});
