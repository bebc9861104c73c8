// One test of the model contract over every model of the zoo (smp's single base tester is the
// model): built from its config, run at sizes its contract allows (and refused at sizes it does
// not), weights round-tripped through safetensors, intermediates freed, summarised, layers
// reachable in execution order, feature stages where they say they are. The model files keep
// only what is particular to each model: golden outputs against PyTorch, parameter counts,
// geometry, error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, memory, noGrad, randn, tidy, type Tensor } from '../../src/torch/index.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { createModel, createModelFromConfig, MODEL_NAMES, MODELS } from '../../src/models/registry.js';
import type { ZooModel } from '../../src/models/contract.js';
import { countParameters, summary } from '../../src/models/summary.js';

/** Small configurations of every architecture (and its variants and modes). */
const CASES: { label: string; name: string; options: Record<string, unknown> }[] = [
  { label: 'vgg16', name: 'vgg16', options: { baseWidth: 2, fcWidth: 8, numClasses: 4 } },
  { label: 'vgg19 (BatchNorm)', name: 'vgg19', options: { baseWidth: 2, fcWidth: 8, numClasses: 4, batchNorm: true, dropout: 0.2 } },
  { label: 'vgg16 fully convolutional', name: 'vgg16', options: { baseWidth: 2, fcWidth: 8, numClasses: 4, fullyConvolutional: true, fc6Padding: 'same' } },
  { label: 'fcn32s', name: 'fcn32s', options: { baseWidth: 2, fcWidth: 8, numClasses: 3 } },
  { label: 'fcn16s', name: 'fcn16s', options: { baseWidth: 2, fcWidth: 8, numClasses: 3 } },
  { label: 'fcn8s (VGG19 backbone)', name: 'fcn8s', options: { baseWidth: 2, fcWidth: 8, numClasses: 3, backbone: 'vgg19' } },
  { label: "fcn8s variant 'same'", name: 'fcn8s', options: { baseWidth: 2, fcWidth: 8, numClasses: 2, variant: 'same' } },
  { label: 'unet (bilinear up path, dropout)', name: 'unet', options: { depth: 2, baseWidth: 2, numClasses: 3, dropout: 0.2, upMode: 'bilinear' } },
  { label: "unet variant 'tgs'", name: 'unet', options: { variant: 'tgs', baseWidth: 2, depth: 3 } },
  { label: 'unet with a VGG16 encoder', name: 'unet', options: { encoder: 'vgg16', baseWidth: 2, numClasses: 3 } },
  { label: 'unet with a VGG19 encoder (bilinear up path, dropout, no BatchNorm)', name: 'unet', options: { encoder: 'vgg19', baseWidth: 2, numClasses: 1, upMode: 'bilinear', dropout: 0.3, batchNorm: false } },
  { label: 'cae', name: 'cae', options: { baseWidth: 2, imageSize: [16, 24] } },
];

test('the contract cases cover every model of the zoo', () => {
  assert.deepEqual([...new Set(CASES.map((c) => c.name))].sort(), [...MODEL_NAMES].sort());
});

/** Two input sizes the contract allows, odd where it can be ([height, width]). */
function allowedSizes(model: ZooModel): [number, number][] {
  const { inputMultiple: m, minInputSize: min, fixedInputSize: fixed } = model.contract;
  if (fixed) return [fixed];
  const up = (v: number): number => Math.ceil(Math.max(v, min) / m) * m;
  return [
    [up(min + 1), up(min + 2 * m + 3)],
    [up(min + 5 * m + 1), up(min + 1)],
  ];
}

function expectedShape(model: ZooModel, n: number, h: number, w: number): number[] {
  const { task, numClasses, inChannels } = model.contract;
  if (task === 'classification') return (model.config as { fullyConvolutional?: boolean }).fullyConvolutional ? [n, numClasses, Math.floor(h / 32), Math.floor(w / 32)] : [n, numClasses];
  return [n, task === 'reconstruction' ? inChannels : numClasses, h, w];
}

for (const c of CASES) {
  test(`contract of ${c.label}: built from config, odd sizes, state-dict round trip, intermediates freed, summary`, () => {
    manualSeed(11);
    const model = createModelFromConfig(c.name, c.options);
    const contract = model.contract;

    // What it states agrees with what it is.
    assert.equal(model.architecture, c.name);
    assert.equal(contract.numClasses, model.numClasses);
    assert.equal(contract.inChannels, (model.config as { inChannels: number }).inChannels);
    assert.ok(['segmentation', 'classification', 'reconstruction'].includes(contract.task));
    assert.equal(contract.outputActivation, contract.task === 'reconstruction' ? 'identity' : model.numClasses === 1 ? 'sigmoid' : 'softmax');
    for (const v of [contract.inputMultiple, contract.minInputSize, contract.outputStride]) assert.ok(Number.isInteger(v) && v >= 1);
    assert.equal(contract.outputStride % contract.inputMultiple, 0, 'windows on the output stride also sit on the input multiple');
    for (const layer of contract.fixedSizeLayers) assert.ok(model.getSubmodule(layer), `fixed-size layer ${layer}`);
    assert.deepEqual(JSON.parse(JSON.stringify(contract)), contract, 'the contract is plain JSON');

    // Built from its config: the config is JSON, every key an accepted option, and it rebuilds the same model.
    const config = JSON.parse(JSON.stringify(model.config)) as Record<string, unknown>;
    for (const key of Object.keys(config)) assert.ok((MODELS[c.name as keyof typeof MODELS].options as readonly string[]).includes(key), `config key ${key} is an option`);
    const copy = createModelFromConfig(c.name, config);
    const shapes = (m: ZooModel) => [...m.stateDict()].map(([k, t]) => `${k}:${t.shape}`);
    assert.deepEqual(shapes(copy), shapes(model));
    assert.deepEqual(copy.contract, contract);

    // The weights survive a safetensors round trip: same outputs.
    const bytes = serializeSafetensors(model.stateDict());
    const { tensors } = parseSafetensors(bytes);
    copy.loadStateDict(tensors);
    for (const t of tensors.values()) t.dispose();
    model.eval();
    copy.eval();
    const [h, w] = allowedSizes(model)[0]!;
    tidy(() =>
      noGrad(() => {
        const x = randn([2, contract.inChannels, h, w]);
        assert.deepEqual(Array.from(copy.forward(x).data() as Float32Array), Array.from(model.forward(x).data() as Float32Array));
      }),
    );
    copy.dispose();

    // Odd sizes the contract allows give the output its task implies; sizes it rules out are refused.
    for (const [hh, ww] of allowedSizes(model)) {
      tidy(() => noGrad(() => assert.deepEqual(model.forward(randn([2, contract.inChannels, hh, ww])).shape, expectedShape(model, 2, hh, ww), `${hh}x${ww}`)));
    }
    const m = contract.inputMultiple;
    if (contract.fixedInputSize) {
      const [fh, fw] = contract.fixedInputSize;
      assert.throws(() => tidy(() => model.forward(randn([1, contract.inChannels, fh + m, fw]))));
    } else if (m > 1) {
      assert.throws(() => tidy(() => model.forward(randn([1, contract.inChannels, h + 1, w]))));
    }
    if (contract.minInputSize > 1 && !contract.fixedInputSize) {
      const small = contract.minInputSize - m;
      if (small >= 1) assert.throws(() => tidy(() => model.forward(randn([1, contract.inChannels, small, w]))));
    }

    // Intermediates are freed: without gradients only x and y stay; after backward nothing.
    model.train();
    const x = randn([2, contract.inChannels, h, w]);
    const before = memory().liveTensors;
    const y = noGrad(() => model.forward(x));
    assert.equal(memory().liveTensors, before + 1, 'inference holds only its output');
    y.dispose();
    tidy(() => model.forward(x).square().mean().backward());
    assert.equal(memory().liveTensors, before, 'forward + backward leave no tensors behind');

    // Layers run in the order layerNames lists them, each reachable by name; feature stages sit
    // where the contract says, with the channels it says, each at its stride from the previous.
    const ran: string[] = [];
    const stageShapes = new Map<string, number[]>();
    const removers = model.layerNames.map((name) => model.getSubmodule(name).registerForwardHook(() => void ran.push(name)));
    for (const s of contract.featureStages) {
      removers.push(model.getSubmodule(s.layer).registerForwardHook((_m, _i, o) => void stageShapes.set(s.name, (o as Tensor).shape)));
    }
    model.eval();
    tidy(() => noGrad(() => model.forward(x)));
    for (const remove of removers) remove();
    assert.deepEqual(ran, model.layerNames);
    contract.featureStages.forEach((s, i) => {
      const shape = stageShapes.get(s.name);
      assert.ok(shape, `stage ${s.name} (${s.layer}) ran`);
      assert.equal(shape[1], s.channels, `stage ${s.name} channels`);
      const [prevH, ratio] = i === 0 ? [h, s.stride] : [stageShapes.get(contract.featureStages[i - 1]!.name)![2]!, s.stride / contract.featureStages[i - 1]!.stride];
      if (i === 0 && s.stride === 1) assert.equal(shape[2], h, `stage ${s.name} keeps the input size`);
      else if (i > 0) assert.ok([Math.floor(prevH / ratio), Math.ceil(prevH / ratio)].includes(shape[2]!), `stage ${s.name}: ${shape[2]} from ${prevH} at ratio ${ratio}`);
    });
    x.dispose();

    // The summary runs at an allowed size and counts what countParameters counts.
    const s = summary(model, [1, contract.inChannels, h, w]);
    assert.equal(s.total, countParameters(model).total);
    assert.ok(s.rows.length > model.layerNames.length / 2);
    model.dispose();
  });
}

test('createModel is typed per model name; createModelFromConfig checks names and options at run time', () => {
  const unet = createModel('unet', { depth: 1, baseWidth: 1 });
  assert.equal(unet.requiredMultiple, 2, 'the typed result is the UNet itself');
  unet.dispose();
  // @ts-expect-error a misspelt option is a compile-time error
  assert.throws(() => createModel('unet', { baseWidht: 2 }), /model unet: unknown option\(s\) baseWidht; it accepts numClasses/);
  // @ts-expect-error so is an unknown model name
  assert.throws(() => createModel('segnet'), /unknown model 'segnet', expected one of vgg16, vgg19, fcn32s, fcn16s, fcn8s, unet, cae/);
  assert.throws(() => createModelFromConfig('unet', { classes: 2 }), /model unet: unknown option\(s\) classes/);
});
