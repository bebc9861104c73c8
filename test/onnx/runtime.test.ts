// Prediction from exported files on onnxruntime-node (predict --engine onnx as a library):
// the same files as the libtorch run for network exports (labels, overlays, probability maps,
// tiles, the training scale), the pipeline form's labels, the metadata round trip, the errors,
// and that the whole path never loads the libtorch addon.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/image/png.js';
import { readImage, readLabelImage } from '../../src/image/files.js';
import { loadPredictor } from '../../src/infer/predictor.js';
import { predict } from '../../src/infer/predict.js';
import { predictImages } from '../../src/infer/run.js';
import { createModel } from '../../src/models/index.js';
import { saveCheckpoint } from '../../src/checkpoint/file.js';
import {
  contractFromInfo,
  decodeMetadataProps,
  decodeModel,
  encodeModel,
  exportFiles,
  exportInfo,
  exportOnnx,
  loadOnnxPredictor,
  METADATA_KEYS,
  parseMetadata,
  predictImagesOnnx,
  readOnnxInfo,
  sourceFromCheckpoint,
} from '../../src/onnx/index.js';
import { randomize } from './helpers.js';
import { BINARY, FCN8S, UNET, tempDir, testImage, tinyConfig, tinyModel, writeTinyCheckpoint, type TinyModelSpec } from '../infer/make-checkpoints.js';

function writeImages(dir: string, sizes: [number, number, (1 | 3)?][]): string[] {
  return sizes.map(([w, h, c], i) => {
    const path = join(dir, `img${i}.png`);
    writeFileSync(path, encodePng(testImage(w, h, c ?? 3)));
    return path;
  });
}

/** A checkpoint of `spec` exported in the given form; returns [checkpoint, onnx path]. */
function exported(dir: string, spec: TinyModelSpec, name: string, pipeline = false, seed = 1): [string, string] {
  const ckpt = writeTinyCheckpoint(join(dir, `${name}.safetensors`), spec, seed);
  const src = sourceFromCheckpoint(ckpt);
  const [file] = exportFiles(src, join(dir, `${name}.onnx`), { pipeline });
  src.model.dispose();
  return [ckpt, file!.path];
}

/** Every file of two output folders, byte for byte: names and the count of identical files. */
function sameFiles(a: string, b: string): { names: string[]; identical: string[] } {
  const names = readdirSync(a).sort();
  assert.deepEqual(readdirSync(b).sort(), names);
  return { names, identical: names.filter((n) => readFileSync(join(a, n)).equals(readFileSync(join(b, n)))) };
}

test('network exports: predict --engine onnx writes the files --engine libtorch writes (U-Net, FCN-8s, a binary model with its probability map)', async (t) => {
  const dir = tempDir(t, 'onnx-run');
  const images = writeImages(dir, [[53, 37], [64, 40], [20, 31, 1]]);
  const lines: string[] = [];
  for (const [name, spec] of [['unet', UNET], ['fcn8s', FCN8S], ['binary', BINARY]] as const) {
    const [ckpt, onnx] = exported(dir, spec, name);
    const torch = await predictImages({ checkpoint: ckpt, inputs: images, out: join(dir, `${name}-libtorch`) });
    const ort = await predictImagesOnnx({ model: onnx, inputs: images, out: join(dir, `${name}-onnx`), threads: 1 });
    assert.deepEqual(ort.images.map((i) => i.classesPresent), torch.images.map((i) => i.classesPresent));
    const { names, identical } = sameFiles(join(dir, `${name}-libtorch`), join(dir, `${name}-onnx`));
    lines.push(`${name}: ${identical.length}/${names.length} files byte-identical`);
    // Labels must agree to 99.9 %; the overlays and panels follow from them.
    for (const n of names.filter((f) => f.endsWith('.labels.png'))) {
      const [a, b] = [readLabelImage(join(dir, `${name}-libtorch`, n)), readLabelImage(join(dir, `${name}-onnx`, n))];
      let same = 0;
      for (let i = 0; i < a.data.length; i++) if (a.data[i] === b.data[i]) same++;
      assert.ok(same / a.data.length >= 0.999, `${name} ${n}: ${same}/${a.data.length}`);
    }
    if (name === 'binary') assert.ok(names.some((n) => n.endsWith('.prob.png')), 'one-output models write the probability map');
  }
  t.diagnostic(lines.join('; '));
});

test('network exports on onnxruntime: probabilities equal libtorch to 1e-4 at the training scale, with tiles and the training padding', async (t) => {
  const dir = tempDir(t, 'onnx-run');
  // Weights scaled for activations near 1 (randomize): tinyModel's logits run into the hundreds,
  // where float32 rounding of the logits alone moves probabilities by more than 1e-4.
  const spec: TinyModelSpec = { ...UNET, options: { ...UNET.options, depth: 3 }, preprocess: { normalize: 'imagenet', resize: { width: 48, height: 32 }, pad: { height: 40, mode: 'edge' } } };
  const model = createModel('unet', { numClasses: 3, baseWidth: 4, depth: 3 });
  randomize(model, 3);
  const ckpt = join(dir, 'unet-resized.safetensors');
  saveCheckpoint(ckpt, { config: tinyConfig(spec, model), weights: model.stateDict() });
  model.dispose();
  const src = sourceFromCheckpoint(ckpt);
  const onnx = exportFiles(src, join(dir, 'unet-resized.onnx'))[0]!.path;
  src.model.dispose();
  const torch = loadPredictor(ckpt);
  const ort = await loadOnnxPredictor(onnx, { threads: 1 });
  t.after(async () => {
    torch.dispose();
    await ort.dispose();
  });
  assert.equal(ort.form, 'network');
  const lines: string[] = [];
  const image = testImage(97, 61);
  for (const options of [{}, { scale: 'native' as const }, { scale: 'native' as const, tile: 32, overlap: 8 }, { padMode: 'wrap' as const }]) {
    const a = predict(torch, image, options);
    const b = await ort.predict(image, options);
    assert.deepEqual([b.width, b.height, b.planes, b.modelWidth, b.modelHeight], [a.width, a.height, a.planes, a.modelWidth, a.modelHeight]);
    let maxDiff = 0;
    for (let i = 0; i < a.probabilities.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.probabilities[i]! - b.probabilities[i]!));
    let same = 0;
    for (let i = 0; i < a.labels.length; i++) if (a.labels[i] === b.labels[i]) same++;
    lines.push(`${JSON.stringify(options)}: max |p diff| ${maxDiff.toExponential(1)}, labels ${same === a.labels.length ? 'equal' : `${same}/${a.labels.length}`} (model at ${a.modelWidth}x${a.modelHeight})`);
    assert.ok(maxDiff <= 1e-4, `${JSON.stringify(options)}: probabilities differ by ${maxDiff}`);
    assert.ok(same / a.labels.length >= 0.999);
  }
  t.diagnostic(lines.join('; '));
});

test('pipeline exports: predict --engine onnx writes the labels predict --scale native writes; what a pipeline cannot do is a one-line error before any file', async (t) => {
  const dir = tempDir(t, 'onnx-run');
  const images = writeImages(dir, [[53, 37], [16, 16], [20, 31, 1]]);
  const [ckpt, onnx] = exported(dir, UNET, 'unet-pipe', true);
  const torch = await predictImages({ checkpoint: ckpt, inputs: images, out: join(dir, 'libtorch'), scale: 'native' });
  const ort = await predictImagesOnnx({ model: onnx, inputs: images, out: join(dir, 'onnx') });
  assert.deepEqual(ort.images.map((i) => i.classesPresent), torch.images.map((i) => i.classesPresent));
  const { names, identical } = sameFiles(join(dir, 'libtorch'), join(dir, 'onnx'));
  t.diagnostic(`pipeline: ${identical.length}/${names.length} files byte-identical (${names.join(', ')})`);
  assert.deepEqual(identical.filter((n) => n.endsWith('.labels.png')).length, 3, 'the label maps are identical');

  const [, binaryPipe] = exported(dir, { ...BINARY, preprocess: { channels: 1, normalize: 'unit', resize: { width: 32, height: 32 } } }, 'bin-pipe', true);
  const refused = async (o: Record<string, unknown>, model = onnx): Promise<string> => {
    const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const err = await predictImagesOnnx({ model, inputs: images, out, ...o }).then(
      () => assert.fail(`expected an error for ${JSON.stringify(o)}`),
      (e: Error) => e.message,
    );
    assert.ok(!existsSync(out), 'nothing written');
    assert.ok(!err.includes('\n'), err);
    return err;
  };
  assert.match(await refused({ tile: 32 }), /unet-pipe\.onnx is a --pipeline export, whose graph takes whole images; sliding windows \(--tile\) need an export without --pipeline/);
  assert.match(await refused({ padMode: 'edge' }), /pads with 'reflect', not 'edge'; export again with --pad-mode edge/);
  assert.match(await refused({ save: ['prob'] }, binaryPipe), /outputs labels only; a probability map \(--save prob\) needs an export without --pipeline/);
  assert.match(await refused({ scale: 'train' }, binaryPipe), /predicts at the image's own scale, while the model was trained at 32x32 \(HxW, as --size\); pass --scale native/);
  assert.match(await refused({ threshold: 0.7 }, binaryPipe), /thresholds at 0\.5, not 0\.7; export again with --threshold 0\.7/);
});

test('metadata round trip: what the export writes is what the engine reads, for both forms and the autoencoder', (t) => {
  const dir = tempDir(t, 'onnx-meta');
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), { ...UNET, preprocess: { normalize: 'caffe', pad: { height: 64, mode: 'reflect' } } });
  const src = sourceFromCheckpoint(ckpt);
  for (const pipeline of [false, true]) {
    const [file] = exportFiles(src, join(dir, `m${pipeline}.onnx`), { pipeline });
    const info = readOnnxInfo(file!.path);
    const expected = exportInfo(src, pipeline ? 'pipeline' : 'network', pipeline ? { scale: 'native', padMode: 'reflect', threshold: null } : undefined);
    assert.deepEqual(info, JSON.parse(JSON.stringify(expected)));
    assert.deepEqual(info.classes, UNET.names);
    assert.deepEqual(info.colors, tinyConfig(UNET, src.model).classes.palette);
    assert.deepEqual(info.preprocess.normalize, { channelOrder: 'bgr', range: 255, mean: [104.00699, 116.66877, 122.67892], std: [1] });
    assert.deepEqual(info.preprocess.pad, { height: 64, mode: 'reflect' });
    assert.deepEqual(info.inputSize, { channels: 3, multiple: 4, minimum: 4, outputStride: 4, fixed: null });
    const c = src.model.contract;
    assert.deepEqual(contractFromInfo(info), { ...c, fixedSizeLayers: [], featureStages: [] });
    const bytes = readFileSync(file!.path);
    assert.deepEqual(decodeMetadataProps(bytes), decodeModel(bytes).metadata_props, 'the metadata-only reader reads what the full decoder reads');
    const keys = decodeMetadataProps(bytes).map((p) => p.key);
    for (const k of ['task', 'classes', 'colors', 'preprocess', 'inputSize', 'version'] as const) assert.ok(keys.includes(METADATA_KEYS[k]), k);
    t.diagnostic(`${pipeline ? 'pipeline' : 'network'}: ${keys.join(', ')}`);
  }
  src.model.dispose();
  const cae = createModel('cae', { baseWidth: 4 });
  saveCheckpoint(join(dir, 'cae.safetensors'), { config: { model: { name: 'cae', options: { ...cae.config } }, classes: { names: [], ignoreIndex: null }, preprocess: { normalize: 'unit' } }, weights: cae.stateDict() });
  const caeSrc = sourceFromCheckpoint(join(dir, 'cae.safetensors'));
  const files = exportFiles(caeSrc, join(dir, 'cae.onnx'));
  assert.deepEqual(files.map((f) => [f.form, readOnnxInfo(f.path).form, readOnnxInfo(f.path).task]), [['encoder', 'encoder', 'reconstruction'], ['decoder', 'decoder', 'reconstruction']]);
  caeSrc.model.dispose();
  cae.dispose();
});

test('bad files and bad metadata: one-line errors naming the file, the key and what was expected', async (t) => {
  const dir = tempDir(t, 'onnx-meta');
  const plain = join(dir, 'plain.onnx');
  const model = tinyModel(UNET);
  writeFileSync(plain, exportOnnx(model));
  await assert.rejects(loadOnnxPredictor(plain), /^Error: ONNX model .*plain\.onnx has no pixelwise metadata \(no 'pixelwise\.task'\); export it with 'pixelwise export', which records the classes and preprocessing$/);
  writeFileSync(join(dir, 'tagged.onnx'), exportOnnx(model, { metadata: { author: 'x' } }));
  await assert.rejects(loadOnnxPredictor(join(dir, 'tagged.onnx')), /no 'pixelwise\.task'; its keys: author\)/);
  writeFileSync(join(dir, 'image.png'), encodePng(testImage(8, 8)));
  await assert.rejects(loadOnnxPredictor(join(dir, 'image.png')), /image\.png (is not an ONNX model|has no pixelwise metadata)/);
  await assert.rejects(loadOnnxPredictor(join(dir, 'missing.onnx')), /ONNX model .*missing\.onnx cannot be read \(ENOENT\)/);
  const cae = createModel('cae', { baseWidth: 4 });
  saveCheckpoint(join(dir, 'cae.safetensors'), { config: { model: { name: 'cae', options: { ...cae.config } }, classes: { names: [], ignoreIndex: null } }, weights: cae.stateDict() });
  const src = sourceFromCheckpoint(join(dir, 'cae.safetensors'));
  exportFiles(src, join(dir, 'cae.onnx'));
  await assert.rejects(loadOnnxPredictor(join(dir, 'cae.encoder.onnx')), /cae\.encoder\.onnx holds the autoencoder's encoder; prediction with --engine onnx takes segmentation exports/);
  src.model.dispose();
  cae.dispose();
  model.dispose();

  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET);
  const unet = sourceFromCheckpoint(ckpt);
  const props = Object.entries(JSON.parse(JSON.stringify(exportInfo(unet, 'network')))).length;
  assert.ok(props > 0);
  const good = decodeMetadataProps(encodeModel({ ...decodeModel(readFileSync(exportFiles(unet, join(dir, 'u.onnx'))[0]!.path)) }));
  const withValue = (key: string, value: string) => good.map((p) => (p.key === key ? { key, value } : p));
  const bad: [string, string, RegExp][] = [
    [METADATA_KEYS.classes, '["a", "b"', /m: metadata pixelwise\.classes is not JSON: "\[\\"a\\", \\"b\\""/],
    [METADATA_KEYS.classes, '["a", "b"]', /metadata pixelwise\.classes names 2 classes for 3 output channel\(s\), expected 3/],
    [METADATA_KEYS.task, 'painting', /metadata pixelwise\.task is "painting", expected segmentation, classification, reconstruction/],
    [METADATA_KEYS.colors, '[[0, 0, 300]]', /metadata pixelwise\.colors is \[\[0, 0, 300\]\], expected a list of \[r, g, b\] in 0\.\.255/],
    [METADATA_KEYS.preprocess, '{"normalize": "sepia"}', /metadata pixelwise\.preprocess normalize: "sepia" is no preset/],
    [METADATA_KEYS.inputSize, '{"channels": 3}', /metadata pixelwise\.inputSize is \{"channels": 3\}, expected/],
  ];
  for (const [key, value, message] of bad) assert.throws(() => parseMetadata(withValue(key, value), 'm'), message);
  assert.throws(() => parseMetadata(good.filter((p) => p.key !== METADATA_KEYS.output), 'm'), /m: metadata pixelwise\.output is missing/);
  unet.model.dispose();
});

test('without onnxruntime-node installed, the onnx engine says in one line what to install', (t) => {
  const dir = tempDir(t, 'onnx-no-ort');
  const hook = join(dir, 'hide-ort.mjs');
  // A resolve hook that makes onnxruntime-node absent, as in a project that did not install it.
  writeFileSync(
    hook,
    `import { register } from 'node:module';\n` +
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
        "export async function resolve(s, c, next) { if (s === 'onnxruntime-node') { const e = new Error('Cannot find package'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }",
      )}));\n`,
  );
  const runtime = fileURLToPath(new URL('../../src/onnx/ort.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', hook, '-e', `import(${JSON.stringify(runtime)}).then((m) => m.loadOrt()).catch((e) => { console.log(e.message); })`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout.trim(),
    "the onnx engine needs onnxruntime-node, an optional peer dependency of pixelwise; install it with 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.31.1' (the variable skips its CUDA download)",
  );
});

test('the onnx engine never loads libtorch: a process predicting from an export has no libtorch mapped and no addon loaded', async (t) => {
  const dir = tempDir(t, 'onnx-free');
  const [, onnx] = exported(dir, UNET, 'unet');
  const [image] = writeImages(dir, [[40, 30]]);
  const runtime = fileURLToPath(new URL('../../src/onnx/runtime.js', import.meta.url));
  const script = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    const { predictImagesOnnx } = await import(${JSON.stringify(runtime)});
    const r = await predictImagesOnnx({ model: ${JSON.stringify(onnx)}, inputs: [${JSON.stringify(image)}], out: ${JSON.stringify(join(dir, 'out'))}, threads: 1 });
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const addons = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.endsWith('.node'));
    console.log(JSON.stringify({ files: r.files.length, libtorch: /libtorch/.test(maps), onnxruntime: /onnxruntime/.test(maps), addons }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim()) as { files: number; libtorch: boolean; onnxruntime: boolean; addons: string[] };
  t.diagnostic(JSON.stringify(result));
  assert.equal(result.files, 3);
  assert.equal(result.onnxruntime, true, 'onnxruntime did the work');
  assert.equal(result.libtorch, false, 'libtorch is not mapped into the process');
  assert.ok(!result.addons.some((a) => a.endsWith('pixelwise.node')), `pixelwise's addon not loaded: ${result.addons}`);
  // The command line too: `pixelwise predict --engine onnx` loads only the predict command and the onnx engine.
  const preload = join(dir, 'maps.cjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('LIBTORCH=' + /libtorch/.test(require('fs').readFileSync('/proc/self/maps', 'utf8')) + '\\n'));\n");
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const c = spawnSync(process.execPath, ['--require', preload, main, 'predict', '--engine', 'onnx', '--checkpoint', onnx, image!, '--out', join(dir, 'cli'), '--threads', '1'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /LIBTORCH=false/);
  const l = spawnSync(process.execPath, ['--require', preload, main, 'predict', '--checkpoint', join(dir, 'unet.safetensors'), image!, '--out', join(dir, 'cli-libtorch'), '--threads', '1'], { encoding: 'utf8' });
  assert.match(l.stderr, /LIBTORCH=true/, 'the check can fail: the libtorch engine maps it');
  assert.equal((await readImage(join(dir, 'cli', 'img0.labels.png'))).width, 40);
});
