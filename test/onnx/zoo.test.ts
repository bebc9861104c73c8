// Every zoo model (small widths, random weights) exported once and run by onnxruntime-node at
// two or more input sizes: outputs equal pixelwise's to 1e-4, and the graph's declared input and
// output shapes say which axes are dynamic.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvAutoencoder, createModel, createModelFromConfig, UNet } from '../../src/models/index.js';
import { buildOnnx, decodeModel, encodeModel, writeZooOnnx, zooOnnxParts } from '../../src/onnx/index.js';
import { noGrad, type Tensor } from '../../src/torch/index.js';
import { compare, input, randomize, runOrt, session } from './helpers.js';
import { CASES, small } from './zoo-cases.js';

const TOLERANCE = 1e-4;
for (const c of CASES) {
  test(`${c.name}: onnxruntime equals pixelwise at ${c.shapes.map((s) => `${s[0]}x${s[2]}x${s[3]}`).join(', ')}`, async (t) => {
    const model = c.model();
    randomize(model, 7);
    const built = buildOnnx(model);
    assert.deepEqual(built.input.dims, c.input, 'declared input shape');
    assert.deepEqual(built.output.dims, c.output, 'declared output shape');
    const bytes = encodeModel(built.model);
    const s = await session(bytes);
    const results: string[] = [];
    for (const [i, shape] of c.shapes.entries()) {
      const r = await compare(model, s, input(shape, 20 + i));
      results.push(`[${shape}] -> [${r.shape}]: max |diff| ${r.maxAbsDiff.toExponential(2)} (max |out| ${r.maxAbs.toFixed(2)})`);
      assert.ok(r.maxAbsDiff <= TOLERANCE, `input [${shape}]: max |difference| ${r.maxAbsDiff} > ${TOLERANCE}`);
    }
    t.diagnostic(`${c.name}: ${bytes.length} bytes; ${results.join('; ')}`);
    model.dispose();
  });
}

test('U-Net: a size that is not a multiple of 2^depth fails in onnxruntime as in pixelwise (the graph does not hide it)', async () => {
  const model = new UNet({ depth: 2, baseWidth: 2, numClasses: 2 });
  const s = await session(encodeModel(buildOnnx(model).model));
  const x = input([1, 3, 6, 6]);
  assert.throws(() => noGrad(() => model.forward(x)), /multiples of 4/);
  await assert.rejects(runOrt(s, x));
});

test('autoencoder: encoder (input -> latent) and decoder (latent -> image) files, at 28x28 and 16x24', async (t) => {
  for (const imageSize of [28, [16, 24]] as const) {
    const model = new ConvAutoencoder({ baseWidth: 4, imageSize: imageSize as number });
    randomize(model, 5);
    const dir = mkdtempSync(join(tmpdir(), 'pixelwise-onnx-'));
    try {
      const written = writeZooOnnx(join(dir, 'cae.onnx'), model);
      assert.deepEqual(written.map((w) => w.path), [join(dir, 'cae.encoder.onnx'), join(dir, 'cae.decoder.onnx')]);
      const [h, w] = model.config.imageSize;
      const [encoder, decoder] = written.map((x) => x.export);
      assert.deepEqual([encoder!.input, encoder!.output], [{ name: 'input', dims: ['N', 1, h, w] }, { name: 'latent', dims: ['N', 2, 1, 1] }]);
      assert.deepEqual([decoder!.input, decoder!.output], [{ name: 'latent', dims: ['N', 2, 1, 1] }, { name: 'image', dims: ['N', 1, h, w] }]);
      const [es, ds] = await Promise.all(written.map((x) => session(readFileSync(x.path))));
      const x = input([3, 1, h, w]);
      const e = await compare(model.encoder, es!, x);
      const z = noGrad(() => model.encode(x)) as Tensor;
      const d = await compare(model.decoder, ds!, z);
      const sizes = written.map((x) => statSync(x.path).size);
      t.diagnostic(`cae ${h}x${w}: encoder ${sizes[0]} bytes, max |diff| ${e.maxAbsDiff.toExponential(2)}; decoder ${sizes[1]} bytes, max |diff| ${d.maxAbsDiff.toExponential(2)}`);
      assert.ok(e.maxAbsDiff <= TOLERANCE && d.maxAbsDiff <= TOLERANCE, `encoder ${e.maxAbsDiff}, decoder ${d.maxAbsDiff}`);
      z.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('zoo export plans: one file per model, two for the autoencoder; names from the graph', () => {
  const parts = zooOnnxParts(createModel('fcn8s', { ...small }));
  assert.deepEqual(parts.map((p) => [p.part, p.options.inputName, p.options.outputName]), [['', 'input', 'logits']]);
  const decoded = decodeModel(encodeModel(buildOnnx(createModel('fcn32s', { ...small, numClasses: 3 })).model));
  const ops = new Set(decoded.graph.node.map((n) => n.op_type));
  assert.deepEqual([...ops].sort(), ['Add', 'Conv', 'ConvTranspose', 'MaxPool', 'Relu', 'Shape', 'Slice']);
  assert.ok(decoded.graph.initializer.some((i) => i.name === 'features.0.weight'), 'weights keep their state-dict names');
});

test('declared output shapes: a name only where every layer keeps the size, or where outputDims (the contract) says so and the trace agrees', () => {
  const infer = [null, null, null, null];
  const dimsOf = (name: string, options: Record<string, unknown>): unknown => buildOnnx(createModelFromConfig(name, { ...options }), { outputDims: infer }).output.dims;
  assert.deepEqual(dimsOf('fcn8s', { ...small, numClasses: 3 }), ['N', 3, 'H', 'W'], "FCN's last crop takes the input's size");
  assert.deepEqual(dimsOf('unet', { depth: 2, baseWidth: 2 }), ['N', 2, 'H', 'W'], "U-Net's first skip carries the input's size to the head");
  assert.deepEqual(dimsOf('fcn8s', { ...small, numClasses: 3, variant: 'same' }), ['N', 3, null, null], 'pooled and upsampled again: not provable');
  assert.deepEqual(buildOnnx(createModel('fcn8s', { ...small, numClasses: 3, variant: 'same' })).output.dims, ['N', 3, 'H', 'W'], 'the zoo says so');
  const fcn = createModel('fcn32s', { ...small, numClasses: 3 });
  const at = (outputDims: (string | number | null)[]): unknown => buildOnnx(fcn, { inputShape: [1, 3, 37, 53], outputDims });
  assert.throws(() => at(['N', 3, 'W', 'H']), /outputDims \[N,3,W,H\] says axis 2 has the size of input axis 3 \(input \[1,3,37,53\] gave output \[1,3,37,53\]\)/);
  assert.throws(() => at(['N', 4, 'H', 'W']), /says 4 for axis 1/);
  assert.throws(() => at(['N', 3, 'Q', 'W']), /names 'Q', which is no input axis \(N, H, W\)/);
  assert.throws(() => at(['N', 3, 'H']), /has the wrong rank/);
  assert.deepEqual((at(['N', 3, 'H', 'W']) as { output: { dims: unknown } }).output.dims, ['N', 3, 'H', 'W']);
});
