// pixelwise export (network, --pipeline, --weights, --web, --serve) and predict --engine onnx as a
// user runs them: files, lines, the outputs the libtorch engine gives, and one-line errors that
// leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { createModel } from '../../src/models/index.js';
import { readOnnxInfo } from '../../src/onnx/metadata.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { CAE, UNET, testImage, writeTinyCheckpoint } from '../infer/make-checkpoints.js';
import { assertOneLineError, cli, cliAll, finished, spawnCli, tempDir } from './helpers.js';

test('export a checkpoint (network and --pipeline) and predict with it on onnxruntime: the label maps predict writes on libtorch', async (t) => {
  const dir = tempDir(t, 'export');
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET, 2);
  const image = join(dir, 'photo.png');
  writeFileSync(image, encodePng(testImage(45, 29)));
  const [net, pipe] = await cliAll([
    ['export', '--checkpoint', ckpt, '--out', join(dir, 'unet.onnx')],
    ['export', '--checkpoint', ckpt, '--out', join(dir, 'unet.pipeline.onnx'), '--pipeline', '--pad-mode', 'edge'],
  ]);
  assert.equal(net!.code, 0, net!.stderr);
  assert.match(net!.stdout, /^wrote .*unet\.onnx \(0\.\d MB, network\): input \[N, 3, H, W\] -> logits \[N, 3, H, W\]\n$/);
  assert.equal(pipe!.code, 0, pipe!.stderr);
  assert.match(pipe!.stdout, /^wrote .*unet\.pipeline\.onnx \(0\.\d MB, pipeline\): image uint8 \[H, W, 3\] -> labels uint8 \[H, W\]\n$/);
  assert.deepEqual(readOnnxInfo(join(dir, 'unet.pipeline.onnx')).pipeline, { scale: 'native', padMode: 'edge', threshold: null });

  const runs = await cliAll([
    ['predict', '--checkpoint', ckpt, image, '--out', join(dir, 'libtorch'), '--pad-mode', 'edge', '--scale', 'native'],
    ['predict', '--engine', 'onnx', '--checkpoint', join(dir, 'unet.onnx'), image, '--out', join(dir, 'onnx'), '--pad-mode', 'edge', '--threads', '1'],
    ['predict', '--engine', 'onnx', '--checkpoint', join(dir, 'unet.pipeline.onnx'), image, '--out', join(dir, 'pipeline')],
  ]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.match(runs[1]!.stdout, /photo\.png {2}29x45 \(HxW\) {2}classes: .+\n.*wrote 3 file\(s\) for 1 image\(s\)/);
  const labels = (folder: string): Buffer => readFileSync(join(dir, folder, 'photo.labels.png'));
  assert.ok(labels('onnx').equals(labels('libtorch')), 'network export: the same label map');
  assert.ok(labels('pipeline').equals(labels('libtorch')), 'pipeline export: the same label map');
  assert.ok(readFileSync(join(dir, 'onnx', 'photo.panel.png')).equals(readFileSync(join(dir, 'libtorch', 'photo.panel.png'))), 'the same panel (class names from the metadata)');
});

test('export --weights: a state dict that never went through train, with its classes and normalisation; the autoencoder as two files', async (t) => {
  const dir = tempDir(t, 'export');
  const model = createModel('unet', { depth: 2, baseWidth: 4, numClasses: 3 });
  saveSafetensors(join(dir, 'unet-weights.safetensors'), model.stateDict());
  model.dispose();
  writeFileSync(join(dir, 'names.json'), JSON.stringify({ names: ['sky', 'road', 'car'] }));
  const cae = writeTinyCheckpoint(join(dir, 'cae.safetensors'), CAE);
  const [list, file, auto] = await cliAll([
    ['export', '--weights', join(dir, 'unet-weights.safetensors'), '--model', 'unet', '--depth', '2', '--base-width', '4', '--num-classes', '3', '--classes', 'a,b,c', '--normalize', 'imagenet', '--out', join(dir, 'w.onnx')],
    ['export', '--weights', join(dir, 'unet-weights.safetensors'), '--model', 'unet', '--depth', '2', '--base-width', '4', '--num-classes', '3', '--classes', join(dir, 'names.json'), '--out', join(dir, 'w2.onnx'), '--pipeline'],
    ['export', '--checkpoint', cae, '--out', join(dir, 'cae.onnx')],
  ]);
  assert.equal(list!.code, 0, list!.stderr);
  const info = readOnnxInfo(join(dir, 'w.onnx'));
  assert.deepEqual([info.classes, info.preprocess.normalize, info.model.name], [['a', 'b', 'c'], { channelOrder: 'rgb', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, 'unet']);
  assert.equal(file!.code, 0, file!.stderr);
  const info2 = readOnnxInfo(join(dir, 'w2.onnx'));
  assert.deepEqual([info2.classes, info2.preprocess.normalize, info2.form], [['sky', 'road', 'car'], { channelOrder: 'rgb', range: 1, mean: [0], std: [1] }, 'pipeline']);
  assert.equal(auto!.code, 0, auto!.stderr);
  assert.match(auto!.stdout, /cae\.encoder\.onnx \(0\.\d MB, encoder\): input \[N, 1, 28, 28\] -> latent \[N, 2, 1, 1\]\nwrote .*cae\.decoder\.onnx \(0\.\d MB, decoder\): latent \[N, 2, 1, 1\] -> image \[N, 1, 28, 28\]\n$/);
});

test('export --web writes the page and --serve serves it on loopback with the headers wasm threads need, until Ctrl-C', async (t) => {
  const dir = tempDir(t, 'export');
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET, 2);
  const web = join(dir, 'site');
  const r = await cli(['export', '--checkpoint', ckpt, '--web', web]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*site: index\.html, model\.onnx \(0\.\d MB, pipeline form\), onnxruntime-web \(wasm\); 6 files\nserve it with: pixelwise export --web .*site --serve\n$/);
  assert.deepEqual(readdirSync(web).sort(), ['app.js', 'index.html', 'model.onnx', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs']);
  assert.equal(readOnnxInfo(join(web, 'model.onnx')).form, 'pipeline');

  const child = spawnCli(['export', '--web', web, '--serve']);
  const done = finished(child);
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (s: Buffer) => {
      out += s.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.on('exit', () => fail(new Error(`exited before serving: ${out}`)));
  });
  const headers = await new Promise<Record<string, unknown>>((ok, fail) =>
    request(`${url}ort-wasm-simd-threaded.wasm`, { method: 'HEAD' }, (res) => ok(res.headers)).on('error', fail).end(),
  );
  assert.equal(headers['content-type'], 'application/wasm');
  assert.equal(headers['cross-origin-embedder-policy'], 'require-corp');
  child.kill('SIGINT');
  const end = await done;
  assert.equal(end.code, 0, end.stderr);
  assert.match(end.stdout, /serving .*site at http:\/\/127\.0\.0\.1:\d+\/ \(127\.0\.0\.1 only; Ctrl-C stops\)\nstopped\n$/);
});

test('export and predict --engine onnx: bad calls are one-line errors and write nothing', async (t) => {
  const dir = tempDir(t, 'export');
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET, 2);
  const cae = writeTinyCheckpoint(join(dir, 'cae.safetensors'), CAE);
  const image = join(dir, 'photo.png');
  writeFileSync(image, encodePng(testImage(20, 20)));
  const other = createModel('unet', { depth: 2, baseWidth: 8, numClasses: 3 });
  saveSafetensors(join(dir, 'other.safetensors'), other.stateDict());
  writeFileSync(join(dir, 'plain.onnx'), exportOnnx(other));
  other.dispose();
  const out = join(dir, 'x.onnx');
  const cases: [string[], number, RegExp][] = [
    [['export', '--out', out], 2, /--checkpoint CKPT or --weights FILE --model NAME is required/],
    [['export', '--checkpoint', ckpt], 2, /--out F\.onnx or --web DIR is required/],
    [['export', '--checkpoint', ckpt, '--out', join(dir, 'x.txt')], 2, /--out must name a \.onnx file, got '.*x\.txt'/],
    [['export', '--checkpoint', ckpt, '--weights', ckpt, '--out', out], 2, /give --checkpoint or --weights, not both/],
    [['export', '--weights', join(dir, 'other.safetensors'), '--out', out], 2, /--weights needs --model NAME \(vgg16, /],
    [['export', '--checkpoint', ckpt, '--model', 'unet', '--out', out], 2, /--model goes with --weights; a checkpoint states its model, classes and preprocessing/],
    [['export', '--checkpoint', ckpt, '--out', out, '--pad-mode', 'edge'], 2, /--pad-mode and --threshold go with --pipeline/],
    [['export', '--checkpoint', ckpt, '--out', out, '--pipeline', '--pad-mode', 'mirror'], 2, /--pad-mode/],
    [['export', '--checkpoint', ckpt, '--out', out, '--opset', '11'], 2, /--opset/],
    [['export', '--checkpoint', join(dir, 'missing.safetensors'), '--out', out], 1, /checkpoint .*missing\.safetensors does not exist/],
    [['export', '--checkpoint', ckpt, '--out', join(dir, 'no', 'such', 'x.onnx')], 1, /cannot write '.*x\.onnx': folder '.*such' does not exist/],
    [['export', '--checkpoint', cae, '--out', out, '--pipeline'], 1, /ONNX --pipeline export of cae: a pipeline turns images into label maps, which needs a segmentation model; this is a reconstruction model/],
    [['export', '--weights', join(dir, 'other.safetensors'), '--model', 'unet', '--depth', '2', '--base-width', '4', '--out', out], 1, /other\.safetensors: read as a state dict under the zoo's own names, it does not fit model unet \{.*"baseWidth":4.*\}: 66 mismatched \(encoder\.0\.conv1\.weight \[4,3,3,3\] vs encoder\.0\.conv1\.weight \[8,3,3,3\]/],
    [['export', '--weights', join(dir, 'other.safetensors'), '--model', 'unet', '--depth', '2', '--base-width', '8', '--num-classes', '3', '--classes', 'a,b', '--out', out], 1, /other\.safetensors: the class list has 2 classes, but model unet has 3 output\(s\)/],
    [['export', '--weights', image, '--model', 'unet', '--out', out], 1, /photo\.png: unknown weight file format \(first bytes 89 50 4e 47.*\); expected a PyTorch \.pth/],
    [['export', '--serve'], 2, /--serve serves the --web DIR page/],
    [['export', '--web', join(dir, 'nothing'), '--serve'], 1, /--web .*nothing does not exist; export a model into it first/],
    [['predict', '--engine', 'onnx', '--checkpoint', join(dir, 'plain.onnx'), image, '--out', join(dir, 'p')], 1, /ONNX model .*plain\.onnx has no pixelwise metadata \(no 'pixelwise\.task'\)/],
    [['predict', '--engine', 'onnx', '--checkpoint', ckpt, image, '--out', join(dir, 'p')], 1, /unet\.safetensors (is not an ONNX model|has no pixelwise metadata)/],
    [['predict', '--engine', 'onnx', '--device', 'cuda', '--checkpoint', join(dir, 'plain.onnx'), image, '--out', join(dir, 'p')], 2, /--device applies to --engine libtorch/],
    [['predict', '--engine', 'tensorflow', '--checkpoint', ckpt, image, '--out', join(dir, 'p')], 2, /--engine/],
  ];
  const results = await cliAll(cases.map(([args]) => args));
  cases.forEach(([args, code, message], i) => {
    const line = assertOneLineError(results[i]!, code, args[0]!);
    assert.match(line, message, args.join(' '));
  });
  assert.ok(!existsSync(out) && !existsSync(join(dir, 'p')), 'nothing written');
});
