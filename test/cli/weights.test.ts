// Pretrained weights on the command line, as a user runs it: convert (report, default name, never
// overwriting, one-line errors), --weights for predict / eval / summary / classify, and
// train --init-from; on the small foreign files of test/fixtures/weights/mappings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePng } from '../../src/image/files.js';
import { readCheckpointConfig } from '../../src/checkpoint/file.js';
import { resolveNormalization } from '../../src/image/normalization.js';
import { makeFolder } from '../data/make-datasets.js';
import { assertOneLineError, cli, cliAll, tempDir } from './helpers.js';

const m = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/weights/mappings/${name}`, import.meta.url));

function image(path: string, width: number, height: number): string {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  writePng(path, { width, height, channels: 3, data });
  return path;
}

test('convert: any format to a checkpoint beside the input, the report printed; never overwrites; one-line errors, nothing written', async (t) => {
  const dir = tempDir(t, 'convert');
  copyFileSync(m('slim_vgg_16.ckpt'), join(dir, 'vgg_16.ckpt'));
  writeFileSync(join(dir, 'names.txt'), 'a\nb\nc\nd\ne\n');
  const r = await cli(['convert', join(dir, 'vgg_16.ckpt'), '--model', 'vgg16', '--classes', join(dir, 'names.txt')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /vgg_16\.ckpt: tf-v1, read as TF-slim's vgg_16 \/ vgg_19 checkpoints \(2016\) \(mapping tf-slim\)/);
  assert.match(r.stdout, /^32 mapped, 0 missing, 0 unused, 0 mismatched$/m);
  assert.match(r.stdout, /classifier\.0\.weight \[4,392\] <- vgg_16\/fc6\/weights \[7,7,8,4\]  \(HWIO -> OIHW\)/);
  assert.match(r.stdout, /input: RGB on 0\.\.255, mean \[123\.68, 116\.78, 103\.94\], std \[1\]/);
  assert.match(r.stdout, new RegExp(`wrote ${join(dir, 'vgg_16.safetensors').replace(/[.]/g, '\\.')}`));
  const config = readCheckpointConfig(join(dir, 'vgg_16.safetensors'));
  assert.equal(config.model.name, 'vgg16');
  assert.deepEqual(config.preprocess, { normalize: resolveNormalization('vgg') });
  assert.deepEqual(config.classes.names, ['a', 'b', 'c', 'd', 'e']);

  const before = readFileSync(join(dir, 'vgg_16.safetensors'));
  const [again, noClasses, bad, wrongOut] = await cliAll([
    ['convert', join(dir, 'vgg_16.ckpt'), '--model', 'vgg16', '--classes', join(dir, 'names.txt')],
    ['convert', m('caffe_fcn8s.caffemodel'), '--out', join(dir, 'fcn.safetensors')],
    ['convert', join(dir, 'names.txt'), '--model', 'vgg16', '--out', join(dir, 'x.safetensors')],
    ['convert', m('caffe_fcn8s.caffemodel'), '--out', join(dir, 'fcn.pth')],
  ]);
  assert.match(assertOneLineError(again, 1, 'convert'), /vgg_16\.safetensors already exists; not overwritten/);
  assert.ok(readFileSync(join(dir, 'vgg_16.safetensors')).equals(before));
  assert.match(assertOneLineError(noClasses, 1, 'convert'), /caffe_fcn8s\.caffemodel: the file names no classes for model fcn8s's 2 classes .*give --classes/);
  assert.match(assertOneLineError(bad, 1, 'convert'), /names\.txt: unknown weight file format .*expected a PyTorch/);
  assert.match(assertOneLineError(wrongOut, 2, 'convert'), /--out must name a \.safetensors file/);
  assert.deepEqual(readdirSync(dir).sort(), ['names.txt', 'vgg_16.ckpt', 'vgg_16.safetensors'], 'nothing else written, no temp file');
});

test('predict, eval and summary take --weights in any format; classify too, with the weights\' own preprocessing', async (t) => {
  const dir = tempDir(t, 'weights');
  writeFileSync(join(dir, 'classes.txt'), 'background\nthing\n');
  const photo = image(join(dir, 'photo.png'), 37, 29);
  const data = join(dir, 'data');
  makeFolder(data, { count: 2, width: 20, height: 16, numClasses: 2, classesJson: { names: ['background', 'thing'] } });
  const [pred, both, ev, sum, cls] = await cliAll([
    ['predict', '--weights', m('caffe_fcn8s.caffemodel'), '--classes', join(dir, 'classes.txt'), photo, '--out', join(dir, 'pred'), '--threads', '1'],
    ['predict', '--weights', m('caffe_fcn8s.caffemodel'), '--checkpoint', 'x', photo, '--out', join(dir, 'never')],
    ['eval', '--weights', m('pytorchfcn_fcn16s.pth'), '--classes', join(dir, 'classes.txt'), '--data', data, '--format', 'folder', '--json', '-q', '--threads', '1'],
    ['summary', '--weights', m('tfvgg_vgg19.npy')],
    ['classify', image(join(dir, 'big.png'), 64, 48), '--weights', m('keras1_vgg16.h5'), '--top', '3'],
  ]);
  assert.equal(pred.code, 0, pred.stderr);
  assert.match(pred.stdout, /photo\.png {2}29x37 \(HxW\)/);
  assert.ok(existsSync(join(dir, 'pred', 'photo.labels.png')) && existsSync(join(dir, 'pred', 'photo.panel.png')));
  assert.match(assertOneLineError(both, 2, 'predict'), /give --checkpoint or --weights, not both/);
  assert.equal(existsSync(join(dir, 'never')), false);
  assert.equal(ev.code, 0, ev.stderr);
  const report = JSON.parse(ev.stdout) as { model: string; pixelAccuracy: number };
  assert.equal(report.model, 'fcn16s');
  assert.ok(report.pixelAccuracy >= 0 && report.pixelAccuracy <= 1);
  assert.equal(sum.code, 0, sum.stderr);
  assert.match(sum.stdout, /weights: .*tfvgg_vgg19\.npy \(tensorflow-vgg's vgg16\.npy \/ vgg19\.npy.*\): 38 mapped, 0 missing, 0 unused, 0 mismatched/);
  assert.match(sum.stdout, /Total params: /);
  assert.equal(cls.code, 0, cls.stderr);
  assert.equal(cls.stdout.split('\n').filter((l) => /^Probability \d\.\d\d => \[class \d\]$/.test(l)).length, 3);
});

test('train --init-from: a VGG file fills an FCN backbone and a U-Net encoder, sets the architecture and normalization, and says what it loaded', async (t) => {
  const dir = tempDir(t, 'init');
  const common = ['--format', 'synthetic', '--count', '4', '--size', '32x32', '--iterations', '1', '--batch-size', '2', '--threads', '1', '--workers', '0', '-q'];
  const [fcn, unet, wrong] = await cliAll([
    ['train', ...common, '--model', 'fcn8s', '--init-from', m('keras1_vgg16.h5'), '--out', join(dir, 'fcn')],
    ['train', ...common, '--model', 'unet', '--init-from', m('caffe_vgg16.caffemodel'), '--out', join(dir, 'unet')],
    ['train', ...common, '--model', 'cae', '--init-from', m('caffe_vgg16.caffemodel'), '--out', join(dir, 'cae')],
  ]);
  assert.equal(fcn.code, 0, fcn.stderr);
  assert.match(fcn.stderr, /init from .*keras1_vgg16\.h5 \(keras\): 30 tensors loaded; 9 model tensors keep their initialisation \(scoreFr\.weight, scoreFr\.bias, upscore2\.weight, \.\.\.\); 2 file tensors unused/);
  const fcnConfig = readCheckpointConfig(join(dir, 'fcn', 'checkpoints', 'last.safetensors'));
  assert.deepEqual([fcnConfig.model.options.backbone, fcnConfig.model.options.baseWidth, fcnConfig.model.options.fcWidth], ['vgg16', 1, 4]);
  assert.deepEqual((fcnConfig.preprocess as { normalize: unknown }).normalize, resolveNormalization('keras-caffe'));
  assert.equal(unet.code, 0, unet.stderr);
  assert.match(unet.stderr, /init from .*caffe_vgg16\.caffemodel \(caffe-vgg\): 26 tensors loaded/);
  const unetConfig = readCheckpointConfig(join(dir, 'unet', 'checkpoints', 'last.safetensors'));
  assert.equal(unetConfig.model.options.encoder, 'vgg16');
  assert.match(assertOneLineError(wrong, 1, 'train'), /caffe_vgg16\.caffemodel: read as .*, nothing in it fits model cae/);
  assert.equal(existsSync(join(dir, 'cae')), false);
});
