// The --pipeline form (uint8 image [H, W, 3] -> uint8 labels [H, W]) in onnxruntime-node against
// pixelwise's own prediction at the image's scale (predict --scale native, libtorch): every
// segmentation model of the zoo at two image sizes, the five numpy padding modes (also padding
// wider than the image), the training padding, BGR (Caffe) normalisation, gray models (luma in
// the graph) and the binary threshold. Pixels are counted; the tests require >= 99.9 % and the
// diagnostics report where the maps are equal exactly.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { RawImage } from '../../src/image/types.js';
import { toRgb } from '../../src/image/convert.js';
import type { PadMode, PreprocessSpec } from '../../src/data/transforms/spec.js';
import { createModel } from '../../src/models/index.js';
import { createPredictor, type Predictor } from '../../src/infer/predictor.js';
import { predict } from '../../src/infer/predict.js';
import { buildPipelineOnnx, decodeModel, encodeModel } from '../../src/onnx/index.js';
import { randomize } from './helpers.js';
import { CASES } from './zoo-cases.js';
import { testImage, tinyPredictor, type TinyModelSpec } from '../infer/make-checkpoints.js';

const MIN_AGREEMENT = 0.999;

interface Agreement {
  same: number;
  total: number;
  classes: number;
}

/** The pipeline's labels for `image` next to predict's (scale native) for the same options. */
async function agreement(p: Predictor, image: RawImage, options: { padMode?: PadMode; threshold?: number } = {}, s?: ort.InferenceSession): Promise<Agreement> {
  const session = s ?? (await ort.InferenceSession.create(encodeModel(buildPipelineOnnx(p.model, { preprocess: p.preprocess, ...options }).model)));
  const rgb = toRgb(image);
  const out = await session.run({ image: new ort.Tensor('uint8', rgb.data as Uint8Array, [image.height, image.width, 3]) });
  const labels = out.labels!;
  assert.equal(labels.type, 'uint8');
  assert.deepEqual(labels.dims, [image.height, image.width]);
  const want = predict(p, image, { scale: 'native', ...options });
  const got = labels.data as Uint8Array;
  let same = 0;
  for (let i = 0; i < got.length; i++) if (got[i] === want.labels[i]) same++;
  return { same, total: got.length, classes: want.classesPresent.length };
}

function check(what: string, a: Agreement): string {
  assert.ok(a.same / a.total >= MIN_AGREEMENT, `${what}: ${a.same} of ${a.total} pixels agree (< ${MIN_AGREEMENT * 100} %)`);
  return `${what}: ${a.same === a.total ? 'equal' : `${a.same}/${a.total}`} (${a.classes} classes)`;
}

const SEGMENTATION = CASES.filter((c) => c.output.length === 4 && c.name.match(/^(fcn|unet)/));

for (const c of SEGMENTATION) {
  test(`pipeline of ${c.name}: labels equal predict --scale native at two image sizes`, async (t) => {
    const model = c.model();
    randomize(model, 11);
    const contract = model.contract;
    const names = Array.from({ length: contract.numClasses === 1 ? 2 : contract.numClasses }, (_, i) => `c${i}`);
    const p = createPredictor(model, { classes: { names, ignoreIndex: null }, preprocess: { normalize: contract.inChannels === 1 ? 'unit' : 'imagenet' } });
    const built = buildPipelineOnnx(model, { preprocess: p.preprocess });
    const decoded = decodeModel(encodeModel(built.model));
    assert.deepEqual(decoded.graph.input.map((v) => v.name), ['image']);
    assert.deepEqual(decoded.graph.output.map((v) => v.name), ['labels']);
    const s = await ort.InferenceSession.create(encodeModel(built.model));
    const lines: string[] = [];
    for (const [w, h] of [[53, 37], [64, 40]] as const) lines.push(check(`${w}x${h}`, await agreement(p, testImage(w, h, 3), {}, s)));
    t.diagnostic(`${c.name}: ${lines.join('; ')}`);
    model.dispose();
  });
}

const UNET3: TinyModelSpec = { name: 'unet', options: { numClasses: 4, baseWidth: 4, depth: 3 }, names: ['a', 'b', 'c', 'd'], preprocess: { normalize: 'imagenet' } };

test("padding in the graph: numpy's five modes, also wider than the image (a 5x3 image padded to 8x8)", async (t) => {
  const p = tinyPredictor(UNET3, 2);
  const lines: string[] = [];
  for (const padMode of ['reflect', 'symmetric', 'edge', 'wrap', 'constant'] as const) {
    const s = await ort.InferenceSession.create(encodeModel(buildPipelineOnnx(p.model, { preprocess: p.preprocess, padMode }).model));
    for (const [w, h] of [[53, 37], [5, 3], [1, 1]] as const) lines.push(check(`${padMode} ${w}x${h}`, await agreement(p, testImage(w, h), { padMode }, s)));
  }
  t.diagnostic(lines.join('; '));
  p.dispose();
});

test('the training padding (to a size, by amounts, a constant value) comes before the padding to the multiple, as predict does', async (t) => {
  const lines: string[] = [];
  const pads: PreprocessSpec['pad'][] = [
    { height: 48, width: 64, mode: 'constant', value: 40 },
    { height: 45, mode: 'reflect' },
    { top: 3, left: 2, right: 7, mode: 'edge' },
  ];
  for (const pad of pads) {
    const p = tinyPredictor({ ...UNET3, preprocess: { normalize: 'unit', pad } }, 5);
    for (const [w, h] of [[53, 37], [70, 50]] as const) lines.push(check(`${JSON.stringify(pad)} ${w}x${h}`, await agreement(p, testImage(w, h))));
    p.dispose();
  }
  t.diagnostic(lines.join('; '));
});

test('normalisation records: BGR (caffe), keras-tf, none; gray models read the RGB image as ITU-R 601 luma; the binary threshold', async (t) => {
  const lines: string[] = [];
  for (const normalize of ['caffe', 'keras-tf', 'none', 'vgg'] as const) {
    const p = tinyPredictor({ name: 'fcn8s', options: { numClasses: 3, baseWidth: 2 }, names: ['a', 'b', 'c'], preprocess: { normalize } }, 3);
    lines.push(check(`fcn8s ${normalize}`, await agreement(p, testImage(53, 37))));
    p.dispose();
  }
  // Weights scaled for activations near 1 (randomize), so the foreground probabilities spread over (0, 1).
  const model = createModel('unet', { numClasses: 1, inChannels: 1, baseWidth: 4, depth: 2 });
  randomize(model, 1);
  const p = createPredictor(model, { classes: { names: ['background', 'salt'], ignoreIndex: null }, preprocess: { channels: 1, normalize: 'unit' } });
  // Thresholds at quantiles of the foreground probability, so both classes occur.
  const quantile = (image: RawImage, q: number): number => {
    const sorted = Float32Array.from(predict(p, image, { scale: 'native' }).probabilities).sort();
    return Math.round(sorted[Math.floor(q * (sorted.length - 1))]! * 1e3) / 1e3;
  };
  const color = testImage(53, 37);
  for (const q of [0.2, 0.5, 0.8]) {
    const threshold = quantile(color, q);
    lines.push(check(`binary gray, threshold ${threshold}`, await agreement(p, color, { threshold })));
  }
  // A gray file: the consumer decodes it as RGB (gray replicated); luma of a gray pixel is that pixel.
  const gray = testImage(40, 24, 1);
  lines.push(check('binary, gray file', await agreement(p, gray, { threshold: quantile(gray, 0.5) })));
  t.diagnostic(lines.join('; '));
  p.dispose();
});

test('what a pipeline cannot be is a one-line error', () => {
  const cae = createModel('cae', { baseWidth: 4 });
  assert.throws(() => buildPipelineOnnx(cae, { preprocess: {} }), /^Error: ONNX --pipeline export of cae: a pipeline turns images into label maps, which needs a segmentation model; this is a reconstruction model$/);
  const vgg = createModel('vgg16', { baseWidth: 4, fcWidth: 16, numClasses: 10 });
  assert.throws(() => buildPipelineOnnx(vgg, { preprocess: {} }), /this is a classification model/);
  const many = createModel('unet', { depth: 1, baseWidth: 2, numClasses: 300 });
  assert.throws(() => buildPipelineOnnx(many, { preprocess: {} }), /300 classes do not fit the pipeline's uint8 labels \(at most 256\)/);
  const binary = createModel('unet', { depth: 1, baseWidth: 2, numClasses: 1 });
  assert.throws(() => buildPipelineOnnx(binary, { preprocess: {}, threshold: 1.5 }), /threshold 1.5, expected a probability in \[0, 1\]/);
  assert.throws(() => buildPipelineOnnx(binary, { preprocess: { normalize: { channelOrder: 'rgb', range: 1, mean: [0, 0], std: [1] } } }), /normalize: mean has 2 values for a 3-channel image, expected 1 or 3/);
  for (const m of [cae, vgg, many, binary]) m.dispose();
});
