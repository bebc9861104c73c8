import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memory, zeros } from '../../src/torch/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { CHECKPOINT_FORMAT, saveCheckpoint } from '../../src/checkpoint/file.js';
import { createModel } from '../../src/models/registry.js';
import { createPredictor, loadPredictor } from '../../src/infer/predictor.js';
import { predict } from '../../src/infer/predict.js';
import { BINARY, CAE, UNET, tempDir, testImage, tinyConfig, tinyModel, tinyPredictor, writeTinyCheckpoint } from './make-checkpoints.js';

test('loadPredictor rebuilds the model in eval mode with its classes and preprocessing, and predicts as the original', (t) => {
  const dir = tempDir(t);
  const path = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET, 3);
  const p = loadPredictor(path);
  const original = tinyPredictor(UNET, 3);
  try {
    assert.equal(p.model.training, false);
    assert.equal(p.contract.task, 'segmentation');
    assert.equal(p.contract.outputActivation, 'softmax');
    assert.deepEqual(p.classes.names, UNET.names);
    assert.deepEqual(p.classes.palette[1], [40, 215, 100]);
    // The checkpoint stored the preset name (as checkpoints before the record did): read as the record.
    assert.deepEqual(p.preprocess, { normalize: { channelOrder: 'rgb', range: 1, mean: [0], std: [1] } });
    assert.equal(p.contract.inputMultiple, 4);
    assert.equal(p.contract.inChannels, 3);
    const image = testImage(30, 22);
    assert.deepEqual(predict(p, image).probabilities, predict(original, image).probabilities);
  } finally {
    p.dispose();
    original.dispose();
  }
});

test('old checkpoints load: a stored preset name or {scale, mean, std} predicts as the record it translates to', (t) => {
  const dir = tempDir(t);
  const model = tinyModel(UNET, 5);
  const base = tinyConfig(UNET, model);
  const imagenet = { channelOrder: 'rgb', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const stored = [
    { normalize: 'imagenet' },
    { normalize: { scale: 1 / 255, mean: imagenet.mean, std: imagenet.std } },
    { normalize: imagenet },
  ];
  const image = testImage(30, 22);
  const results = stored.map((preprocess, i) => {
    const path = join(dir, `old-${i}.safetensors`);
    saveCheckpoint(path, { config: { ...base, preprocess }, weights: model.stateDict() });
    const p = loadPredictor(path);
    try {
      assert.deepEqual(p.preprocess.normalize, imagenet);
      return predict(p, image).probabilities;
    } finally {
      p.dispose();
    }
  });
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  model.dispose();
});

test('binary and autoencoder checkpoints load with their activation and task', (t) => {
  const dir = tempDir(t);
  const binary = loadPredictor(writeTinyCheckpoint(join(dir, 'bin.safetensors'), BINARY));
  const cae = loadPredictor(writeTinyCheckpoint(join(dir, 'cae.safetensors'), CAE));
  try {
    assert.equal(binary.contract.outputActivation, 'sigmoid');
    assert.equal(binary.contract.inChannels, 1);
    assert.equal(cae.contract.task, 'reconstruction');
    assert.deepEqual(cae.contract.fixedInputSize, [28, 28]);
  } finally {
    binary.dispose();
    cae.dispose();
  }
});

test('a short or missing palette is completed with VOC colours', () => {
  const model = tinyModel(UNET);
  const config = tinyConfig(UNET, model);
  delete config.classes.palette;
  const p = createPredictor(model, config);
  try {
    assert.deepEqual(p.classes.palette, [[0, 0, 0], [128, 0, 0], [0, 128, 0]]);
  } finally {
    p.dispose();
  }
});

test('loadPredictor names the file and the problem, and frees what it loaded', (t) => {
  const dir = tempDir(t);
  const before = memory().liveTensors;
  assert.throws(() => loadPredictor(join(dir, 'nope.safetensors')), /^Error: checkpoint .*nope\.safetensors does not exist$/);

  const text = join(dir, 'notes.safetensors');
  writeFileSync(text, 'hello, not tensors');
  assert.throws(() => loadPredictor(text), /notes\.safetensors/);

  const plain = join(dir, 'plain.safetensors');
  const w = zeros([2, 2]);
  saveSafetensors(plain, { w });
  w.dispose();
  assert.throws(() => loadPredictor(plain), /plain\.safetensors holds weights only, not a pixelwise checkpoint \(no pixelwise metadata\)/);
  // A pixelwise checkpoint whose config went missing says so, and what follows from it.
  const bare = join(dir, 'bare.safetensors');
  const v = zeros([2]);
  saveSafetensors(bare, { v }, { format: CHECKPOINT_FORMAT });
  v.dispose();
  assert.throws(() => loadPredictor(bare), /^Error: checkpoint .*bare\.safetensors has no config \(model name, options, classes\) in its metadata, so its model cannot be rebuilt/);
  // A folder where a file belongs, and state dicts of the wrong kind: one line each.
  assert.throws(() => loadSafetensors(dir), new RegExp(`^Error: ${dir} is a folder, expected a \\.safetensors file$`));
  const m = tinyModel(UNET);
  const one = zeros([1]);
  assert.throws(() => m.loadStateDict([one] as never), /^Error: loadStateDict into UNet: expected tensors by name \(a Map or an object, e\.g\. from stateDict\(\) or loadSafetensors\(\)\), got an array of 1$/);
  assert.throws(() => m.loadStateDict({ 'inc.0.weight': [1, 2] } as never), /'inc\.0\.weight' is object, expected a Tensor/);
  m.dispose();
  one.dispose();

  // Four class names for a three-output model.
  const model = tinyModel(UNET);
  const config = tinyConfig(UNET, model);
  saveCheckpoint(join(dir, 'classes.safetensors'), { config: { ...config, classes: { ...config.classes, names: ['a', 'b', 'c', 'd'] } }, weights: model.stateDict() });
  assert.throws(() => loadPredictor(join(dir, 'classes.safetensors')), /classes\.safetensors: the model has 3 output\(s\), which means 3 classes, but the checkpoint names 4/);

  // Config says 5 classes, weights are for 3: the weights do not fit.
  saveCheckpoint(join(dir, 'other.safetensors'), {
    config: { ...config, model: { name: 'unet', options: { ...config.model.options, numClasses: 5 } }, classes: { names: ['a', 'b', 'c', 'd', 'e'], ignoreIndex: null } },
    weights: model.stateDict(),
  });
  assert.throws(() => loadPredictor(join(dir, 'other.safetensors')), /other\.safetensors: its weights do not fit model unet .*shape mismatch/);

  saveCheckpoint(join(dir, 'unknown.safetensors'), { config: { ...config, model: { name: 'segformer', options: {} } }, weights: model.stateDict() });
  assert.throws(() => loadPredictor(join(dir, 'unknown.safetensors')), /unknown\.safetensors: cannot rebuild its model .*unknown model 'segformer'/);
  model.dispose();

  const vgg = createModel('vgg16', { numClasses: 2, baseWidth: 1, fcWidth: 4 });
  saveCheckpoint(join(dir, 'vgg.safetensors'), {
    config: { model: { name: 'vgg16', options: vgg.config as Record<string, unknown> }, classes: { names: ['a', 'b'], ignoreIndex: null } },
    weights: vgg.stateDict(),
  });
  vgg.dispose();
  assert.throws(() => loadPredictor(join(dir, 'vgg.safetensors')), /vgg\.safetensors: holds a vgg16 image classifier; predict needs a segmentation model/);
  assert.equal(memory().liveTensors, before, 'nothing leaked on the error paths');
});
