// Every mapping against PyTorch: small-width VGG and FCN weights written in each foreign layout
// by scripts/fixtures/weights_mappings.py (torchvision, pytorch-fcn, Keras 1/2, TF-slim V1/V2,
// tensorflow-vgg, Caffe VGG and FCN releases) are loaded through loadWeights / modelFromWeights,
// and the model's outputs (or, for transfers into FCN / U-Net, the layers the file fills) must
// equal those of the equivalent PyTorch model on the same input to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { noGrad, tensor, tidy, type Tensor } from '../../src/torch/index.js';
import { openWeights } from '../../src/io/formats/index.js';
import { createModelFromConfig, type ZooModel } from '../../src/models/index.js';
import { resolveNormalization, type NormalizationPreset } from '../../src/image/normalization.js';
import { describeWeights, loadWeights, modelFromWeights, resolveMapping } from '../../src/weights/index.js';
import { loadFixture } from '../helpers.js';

interface Case {
  name: string;
  file: string;
  mapping: string;
  model: string;
  options: Record<string, unknown>;
  modelOptions?: Record<string, unknown>;
  partial?: boolean;
  /** The mapping is named (nothing in the file tells it apart). */
  explicit?: boolean;
  normalization: NormalizationPreset;
  input: number[];
  compare: { layer: string; shape: number[]; data: number[] }[];
}

const { cases } = loadFixture<{ cases: Case[] }>('weights/mappings/cases');
const dir = fileURLToPath(new URL('../../../test/fixtures/weights/mappings/', import.meta.url));

/** The fixture script's input: x[i] = ((i * 37) % 101) / 50 - 1 (float32). */
function fixedInput(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 50 - 1), { shape });
}

/** Runs the model and returns the outputs of the compared layers ('' = the model's output). */
function outputs(model: ZooModel, c: Case): Map<string, Float32Array> {
  model.eval();
  const got = new Map<string, Float32Array>();
  const removers = c.compare
    .filter((k) => k.layer !== '')
    .map((k) => model.getSubmodule(k.layer).registerForwardHook((_m, _i, o) => void got.set(k.layer, (o as Tensor).data() as Float32Array)));
  try {
    tidy(() =>
      noGrad(() => {
        const y = model.forward(fixedInput(c.input));
        got.set('', y.data() as Float32Array);
      }),
    );
  } finally {
    for (const r of removers) r();
  }
  return got;
}

function maxDiff(c: Case, got: Map<string, Float32Array>): number {
  let worst = 0;
  for (const k of c.compare) {
    const a = got.get(k.layer);
    assert.ok(a, `${c.name}: layer '${k.layer}' ran`);
    assert.equal(a.length, k.data.length, `${c.name}: ${k.layer || 'output'} has ${k.shape.join('x')} values`);
    const scale = Math.max(1, ...k.data.map(Math.abs));
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - k.data[i]!) / scale);
  }
  return worst;
}

for (const c of cases) {
  test(`mapping ${c.mapping}: ${c.name} equals PyTorch`, async (t) => {
    const path = dir + c.file;
    // The mapping is chosen from the tensor names alone.
    const file = await openWeights(path);
    try {
      const resolved = resolveMapping(file, c.explicit ? c.mapping : undefined);
      assert.equal(resolved.mapping.id, c.mapping);
      assert.deepEqual(resolved.normalization, resolveNormalization(c.normalization));
      const d = describeWeights(resolved);
      if (!c.partial) assert.equal(d.modelName, c.model, 'the file says which model it holds');
    } finally {
      file.close();
    }

    let model: ZooModel;
    if (c.partial) {
      model = createModelFromConfig(c.model, c.options);
      const report = await loadWeights(model, path);
      assert.equal(report.mismatched.length, 0, JSON.stringify(report.mismatched));
      assert.ok(report.mapped.length > 0);
      assert.ok(report.missing.length > 0, 'a transfer leaves the new layers to their initialisation');
      // Every convolution of the backbone was filled.
      const convs = report.mapped.filter((m) => /(features|encoder)\.\d+\.weight$/.test(m.target)).length;
      assert.equal(convs, 13, 'the 13 convolutions of VGG16');
    } else {
      const classes = Array.from({ length: c.options.numClasses as number }, (_, i) => `class ${i}`);
      const mapping = c.explicit ? c.mapping : undefined;
      const built = await modelFromWeights(path, { classes, mapping });
      model = built.model;
      assert.equal(built.config.model.name, c.model);
      for (const [k, v] of Object.entries(c.options)) assert.deepEqual(built.config.model.options[k], v, `option ${k}`);
      assert.deepEqual(built.config.preprocess?.normalize, resolveNormalization(c.normalization));
      assert.deepEqual(built.config.classes.names, classes);
      const r = built.report;
      assert.deepEqual([r.missing.length, r.unused.length, r.mismatched.length], [0, 0, 0], `${JSON.stringify(r.missing)} ${JSON.stringify(r.unused)}`);
      // Strict loading into a model built by hand agrees.
      const again = createModelFromConfig(c.model, c.options);
      const strict = await loadWeights(again, path, { strict: true, mapping });
      assert.equal(strict.mapped.length, r.mapped.length);
      again.dispose();
    }
    try {
      const diff = maxDiff(c, outputs(model, c));
      t.diagnostic(`max |pixelwise - PyTorch| / max(1, max |PyTorch|) = ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `${c.name}: max difference ${diff}`);
    } finally {
      model.dispose();
    }
  });
}

test('the fixtures cover every mapping', async () => {
  const { MAPPINGS } = await import('../../src/weights/index.js');
  const chosen = MAPPINGS.map((m) => m.id);
  assert.deepEqual([...new Set(cases.map((c) => c.mapping))].sort(), [...chosen].sort());
});

test('large-kernel paths (partial reads, HDF5 strided rows, blocks, h5wasm or the file directly) give the same weights', async () => {
  const { CONVERSION_LIMITS } = await import('../../src/weights/layout.js');
  const { HDF5_DIRECT } = await import('../../src/io/formats/keras.js');
  const saved = { ...CONVERSION_LIMITS };
  for (const file of ['keras1_vgg16.h5', 'tfvgg_vgg19.npy', 'slim_vgg_19.index', 'slim_vgg_16.ckpt', 'keras2_vgg19_model.h5']) {
    const c = cases.find((x) => x.file === file && !x.partial)!;
    const load = async () => {
      const model = createModelFromConfig(c.model, c.options);
      await loadWeights(model, dir + file, { strict: true });
      const state = new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.data() as Float32Array)]));
      model.dispose();
      return state;
    };
    const whole = await load();
    Object.assign(CONVERSION_LIMITS, { wholeBytes: 0, blockBytes: 600 });
    try {
      assert.deepEqual(await load(), whole, file);
      // Partial reads into memory instead of the mapped file (for files that give the values' place).
      CONVERSION_LIMITS.mapFiles = false;
      assert.deepEqual(await load(), whole, `${file} read by ranges`);
      if (file.endsWith('.h5')) {
        // Through h5wasm (hyperslabs, strided rows), as chunked datasets are read, instead of straight from the file.
        HDF5_DIRECT.enabled = false;
        assert.deepEqual(await load(), whole, `${file} through h5wasm`);
        Object.assign(CONVERSION_LIMITS, saved);
        assert.deepEqual(await load(), whole, `${file} through h5wasm, read whole`);
      }
    } finally {
      Object.assign(CONVERSION_LIMITS, saved);
      HDF5_DIRECT.enabled = true;
    }
  }
});
