// Each layer's ONNX form against pixelwise's own forward, in onnxruntime-node, at several input
// sizes from one exported file (the sizes are dynamic unless a test says otherwise).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Dropout2d,
  Flatten,
  Identity,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  Upsample,
} from '../../src/nn/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { buildOnnx, decodeModel, encodeModel, exportOnnx, type OnnxExportOptions } from '../../src/onnx/index.js';
import { compare, input, randomize, session } from './helpers.js';

const TOLERANCE = 1e-5;

/** Exports `model` traced at shapes[0] and checks onnxruntime against pixelwise at every shape. */
async function check(model: Module<any, any>, shapes: number[][], options: OnnxExportOptions = {}): Promise<void> {
  randomize(model, 3);
  const bytes = exportOnnx(model, { inputShape: shapes[0], dynamic: { spatial: true }, ...options });
  const s = await session(bytes);
  for (const [i, shape] of shapes.entries()) {
    const r = await compare(model, s, input(shape, 10 + i));
    assert.ok(r.maxAbsDiff <= TOLERANCE * Math.max(1, r.maxAbs), `input [${shape}]: max |difference| ${r.maxAbsDiff} (outputs up to ${r.maxAbs})`);
  }
}

const sizes = (c: number, ...hw: [number, number][]): number[][] => hw.map(([h, w]) => [1, c, h, w]);

test('Conv2d: explicit padding, non-square kernel and stride, dilation, groups, no bias', async () => {
  await check(new Sequential(new Conv2d(4, 6, [3, 5], { stride: [1, 2], padding: [1, 2], dilation: [2, 1], groups: 2, bias: false })), sizes(4, [9, 11], [16, 7]));
  await check(new Sequential(new Conv2d(3, 5, 3, { padding: 'valid' })), sizes(3, [5, 6], [12, 9]));
});

test("Conv2d 'same' (TensorFlow's: odd padding at the end) at stride 1 and 2, dynamic and fixed sizes", async () => {
  // Stride 1 with an even kernel pads asymmetrically but independently of the size.
  await check(new Sequential(new Conv2d(2, 3, 4, { padding: 'same' })), sizes(2, [7, 8], [10, 5]));
  // Stride 2: the padding depends on the size (SAME_UPPER when it is dynamic).
  await check(new Sequential(new Conv2d(2, 3, 3, { stride: 2, padding: 'same' })), sizes(2, [7, 8], [10, 5], [1, 2]));
  await check(new Sequential(new Conv2d(2, 3, 3, { stride: 2, padding: 'same', dilation: 2 })), sizes(2, [9, 12], [6, 7]));
  await check(new Sequential(new Conv2d(2, 3, 3, { stride: 2, padding: 'same' })), sizes(2, [7, 8]), { dynamic: { spatial: false } });
});

test("Conv2d 'same' with a kernel smaller than its stride (no padding at all for some sizes)", async () => {
  await check(new Sequential(new Conv2d(2, 3, 1, { stride: 2, padding: 'same' })), sizes(2, [7, 8], [4, 5]));
  await check(new Sequential(new Conv2d(2, 3, 2, { stride: 3, padding: 'same' })), sizes(2, [7, 8], [4, 5]));
});

test('ConvTranspose2d: padding with output padding, groups, dilation, valid', async () => {
  await check(new Sequential(new ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 })), sizes(4, [5, 7], [8, 3]));
  await check(new Sequential(new ConvTranspose2d(2, 3, [3, 2], { stride: [3, 2], padding: [1, 0], outputPadding: [2, 1], dilation: [1, 2] })), sizes(2, [4, 6], [7, 2]));
  await check(new Sequential(new ConvTranspose2d(2, 3, 2, { stride: 2, padding: 'valid', bias: false })), sizes(2, [3, 5], [6, 6]));
});

test("ConvTranspose2d 'same' (output = input * stride, TensorFlow's crop at the end) for kernels wider and narrower than the stride", async () => {
  for (const [k, s] of [[4, 2], [3, 2], [16, 8], [1, 2], [7, 2]] as const) {
    await check(new Sequential(new ConvTranspose2d(2, 3, k, { stride: s, padding: 'same' })), sizes(2, [3, 5], [6, 2]));
  }
});

test('ConvTranspose2d called with outputSize exports at a fixed size only', async () => {
  class WithOutputSize extends Module {
    readonly up = this.registerModule('up', new ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 }));
    forward(x: Tensor): Tensor {
      return this.up.forward(x, [x.size(2) * 2, x.size(3) * 2]);
    }
  }
  const m = new WithOutputSize();
  assert.throws(() => exportOnnx(m, { inputShape: [1, 2, 5, 6], dynamic: { spatial: true } }), /layer 'up' is called with an outputSize/);
  await check(m, sizes(2, [5, 6]), { dynamic: { spatial: false } });
});

test('MaxPool2d: ceil mode (a partial window at the end), padding, dilation, odd sizes', async () => {
  await check(new Sequential(new MaxPool2d(2, { stride: 2, ceilMode: true })), sizes(3, [7, 9], [8, 5], [1, 3]));
  // With padding, PyTorch drops a last window that would start in the right padding.
  await check(new Sequential(new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })), sizes(2, [6, 7], [5, 8], [2, 3]));
  await check(new Sequential(new MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true })), sizes(2, [5, 6], [4, 7]));
  await check(new Sequential(new MaxPool2d([3, 2], { stride: [1, 2], padding: [1, 0], dilation: [2, 1] })), sizes(2, [9, 8], [6, 7]));
});

test('AvgPool2d: padding counted or not, ceil mode, divisorOverride', async () => {
  await check(new Sequential(new AvgPool2d(3, { stride: 2, padding: 1 })), sizes(2, [7, 8], [5, 5]));
  await check(new Sequential(new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })), sizes(2, [7, 8], [5, 5]));
  await check(new Sequential(new AvgPool2d(2, { stride: 2, ceilMode: true })), sizes(2, [7, 9], [4, 5]));
  await check(new Sequential(new AvgPool2d(2, { divisorOverride: 3 })), sizes(2, [6, 8], [4, 2]));
  assert.throws(
    () => exportOnnx(new Sequential(new AvgPool2d(2, { padding: 1, divisorOverride: 3 })), { inputShape: [1, 1, 4, 4] }),
    /layer '0' \(AvgPool2d\) with divisorOverride, padding or ceilMode has no ONNX form/,
  );
});

test('AdaptiveAvgPool2d: global pooling at any size; other sizes only when the input size is fixed and divides evenly', async () => {
  await check(new Sequential(new AdaptiveAvgPool2d(1)), sizes(3, [5, 7], [9, 2]));
  await check(new Sequential(new AdaptiveAvgPool2d([2, 3])), sizes(3, [8, 9]), { dynamic: { spatial: false } });
  const pool = new Sequential(new AdaptiveAvgPool2d(7));
  assert.throws(() => exportOnnx(pool, { inputShape: [1, 2, 14, 14], dynamic: { spatial: true } }), /layer '0' pools adaptively to 7x7.*fixed height and width/);
  assert.throws(() => exportOnnx(pool, { inputShape: [1, 2, 10, 10] }), /pools 10x10 to 7x7: uneven windows have no ONNX form/);
  assert.equal(buildOnnx(pool, { inputShape: [1, 2, 14, 14] }).fixedSize, true, "'auto' fixes the size");
});

test('BatchNorm2d in inference form (running statistics), with and without affine parameters', async () => {
  await check(new Sequential(new BatchNorm2d(4)), sizes(4, [3, 5], [6, 2]));
  await check(new Sequential(new BatchNorm2d(4, { affine: false, eps: 1e-3 })), sizes(4, [3, 5]));
  assert.throws(
    () => exportOnnx(new Sequential(new BatchNorm2d(4, { trackRunningStats: false })), { inputShape: [1, 4, 2, 2] }),
    /layer '0' \(BatchNorm2d\) has no running statistics/,
  );
});

test('activations, softmax over classes, dropout and identity (dropped)', async () => {
  const conv = (): Conv2d => new Conv2d(3, 3, 1);
  for (const act of [new ReLU(), new LeakyReLU(0.2), new Sigmoid(), new Tanh(), new Softmax(1), new LogSoftmax(1), new Dropout(0.5), new Dropout2d(0.3), new Identity()]) {
    await check(new Sequential(conv(), act), sizes(3, [4, 5], [2, 7]));
  }
  const decoded = decodeModel(exportOnnx(new Sequential(conv(), new Dropout(), new Identity(), new Dropout2d()), { inputShape: [1, 3, 4, 4] }));
  assert.deepEqual(decoded.graph.node.map((n) => n.op_type), ['Conv']);
});

test('an in-place ReLU overwrites its input: later readers of that tensor see the rectified values', async () => {
  class Residual extends Module {
    readonly conv = this.registerModule('conv', new Conv2d(2, 2, 3, { padding: 1 }));
    readonly relu = this.registerModule('relu', new ReLU({ inplace: true }));
    readonly out = this.registerModule('out', new Conv2d(2, 2, 1));
    forward(x: Tensor): Tensor {
      const a = this.conv.forward(x);
      const b = this.relu.forward(a); // a now holds relu(a) too
      const c = this.out.forward(a);
      const sum = c.add(0); // not a layer: must be refused
      return sum;
    }
  }
  assert.throws(() => exportOnnx(new Residual(), { inputShape: [1, 2, 4, 4] }), /the output of Residual\.forward is computed outside any layer \(after layer 'out' \(Conv2d\)\)/);
  class InPlace extends Module {
    readonly conv = this.registerModule('conv', new Conv2d(2, 2, 3, { padding: 1 }));
    readonly relu = this.registerModule('relu', new ReLU({ inplace: true }));
    readonly out = this.registerModule('out', new Conv2d(2, 2, 1));
    forward(x: Tensor): Tensor {
      const a = this.conv.forward(x);
      this.relu.forward(a).dispose();
      return this.out.forward(a);
    }
  }
  await check(new InPlace(), sizes(2, [4, 5], [3, 3]));
});

test('Linear (Gemm on 2-d inputs, MatMul otherwise) and Flatten over any dims', async () => {
  await check(new Sequential(new Flatten(), new Linear(2 * 3 * 4, 5)), [[1, 2, 3, 4], [3, 2, 3, 4]]);
  await check(new Sequential(new Flatten(2), new Linear(12, 5, { bias: false })), [[1, 2, 3, 4], [2, 2, 3, 4]], { dynamic: { spatial: false } });
  await check(new Sequential(new Flatten(2, 3), new Linear(12, 5)), [[1, 2, 3, 4]], { dynamic: { spatial: false } });
  await check(new Sequential(new Flatten(0, 1)), [[1, 2, 3, 4], [3, 2, 5, 1]]);
  await check(new Sequential(new Flatten(0)), [[2, 2, 3, 4]], { dynamic: { batch: false, spatial: false } });
});

test('Upsample: nearest and bilinear (corners aligned or not), by scale or to a size', async () => {
  await check(new Sequential(new Upsample({ scaleFactor: 2 })), sizes(2, [3, 4], [5, 2]));
  await check(new Sequential(new Upsample({ scaleFactor: [2, 3], mode: 'bilinear' })), sizes(2, [3, 4], [5, 2]));
  await check(new Sequential(new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true })), sizes(2, [3, 4], [5, 2]));
  await check(new Sequential(new Upsample({ size: [7, 9], mode: 'bilinear' })), sizes(2, [3, 4], [5, 2]));
  await check(new Sequential(new Upsample({ size: [7, 9] })), sizes(2, [3, 4], [14, 20]));
  assert.throws(() => exportOnnx(new Sequential(new Upsample({ scaleFactor: 0.5, mode: 'area' })), { inputShape: [1, 1, 4, 4] }), /layer '0' \(Upsample\) uses mode 'area'/);
});

test('a layer without an emitter, or fed by a tensor no layer made, is named in the error', () => {
  class Doubler extends Module {
    forward(x: Tensor): Tensor {
      return x.mul(2);
    }
  }
  assert.throws(
    () => exportOnnx(new Sequential(new Conv2d(1, 1, 1), new Doubler()), { inputShape: [1, 1, 2, 2] }),
    /layer '1' \(Doubler\) has no ONNX emitter; layers that export: .*Conv2d/,
  );
  class Glue extends Module {
    readonly conv = this.registerModule('conv', new Conv2d(1, 1, 1));
    readonly head = this.registerModule('head', new Conv2d(1, 1, 1));
    forward(x: Tensor): Tensor {
      const h = this.conv.forward(x);
      const scaled = h.mul(2);
      return this.head.forward(scaled);
    }
  }
  assert.throws(() => exportOnnx(new Glue(), { inputShape: [1, 1, 2, 2] }), /layer 'head' \(Conv2d\) consumes a tensor .* that no layer produced/);
  assert.throws(() => exportOnnx(new Sequential(new MaxPool2d(2, { returnIndices: true })), { inputShape: [1, 1, 2, 2] }), /layer '0' \(MaxPool2d\) returns Object {values, indices}; only layers returning one tensor export/);
});

test('a layer used twice stores its weights once; the trace leaves training mode and BatchNorm statistics alone', () => {
  const conv = new Conv2d(2, 2, 3, { padding: 1 });
  const bn = new BatchNorm2d(2);
  const model = new Sequential(conv, bn, conv);
  model.train();
  const before = bn.runningMean!.data().slice();
  const decoded = decodeModel(exportOnnx(model, { inputShape: [2, 2, 4, 4] }));
  assert.deepEqual(decoded.graph.node.map((n) => n.op_type), ['Conv', 'BatchNormalization', 'Conv']);
  assert.deepEqual(decoded.graph.initializer.map((t) => t.name).sort(), ['0.bias', '0.weight', '1.bias', '1.running_mean', '1.running_var', '1.weight']);
  assert.equal(model.training, true);
  assert.equal(bn.training, true);
  assert.deepEqual(bn.runningMean!.data(), before);
});

test('options: opset 13 to 17, metadata, names; bad options are one-line errors', async () => {
  const model = new Sequential(new Conv2d(2, 3, 3, { padding: 1 }), new Softmax(1));
  randomize(model);
  const bytes = exportOnnx(model, { inputShape: [1, 2, 5, 5], opset: 13, metadata: { 'pixelwise.task': 'segmentation' }, inputName: 'x', outputName: 'probs' });
  const decoded = decodeModel(bytes);
  assert.deepEqual(decoded.opset_import, [{ domain: '', version: 13 }]);
  assert.equal(decoded.ir_version, 8);
  assert.deepEqual(decoded.metadata_props, [{ key: 'pixelwise.task', value: 'segmentation' }]);
  assert.deepEqual(decoded.graph.input.map((v) => v.name), ['x']);
  assert.deepEqual(decoded.graph.output.map((v) => v.name), ['probs']);
  const s = await session(bytes);
  const r = await compare(model, s, input([2, 2, 6, 4]));
  assert.ok(r.maxAbsDiff <= 1e-6, String(r.maxAbsDiff));
  assert.throws(() => exportOnnx(model, { inputShape: [1, 2, 5, 5], opset: 11 }), /opset must be an integer in \[13, 17\], got 11/);
  assert.throws(() => exportOnnx(model, { inputShape: [1, 2, 0, 5] }), /inputShape must list positive integer sizes \[N, C, H, W\], got \[1,2,0,5\]/);
  assert.throws(() => exportOnnx(model), /inputShape must list positive integer sizes/);
  assert.throws(() => exportOnnx(model.to('float64'), { inputShape: [1, 2, 5, 5] }), /'0.weight' is float64; the exporter writes float32 models/);
});

test("a layer called like the output ('logits') does not take the output's name", async () => {
  const model = new Sequential({ logits: new Conv2d(2, 2, 1), relu: new ReLU() });
  const decoded = decodeModel(exportOnnx(model, { inputShape: [1, 2, 3, 3] }));
  assert.deepEqual(decoded.graph.node.map((n) => [n.op_type, n.output]), [['Conv', ['logits_1']], ['Relu', ['logits']]]);
  assert.throws(() => exportOnnx(model, { inputShape: [1, 2, 3, 3], inputName: 'x', outputName: 'x' }), /input and output need different names, both are 'x'/);
  await check(model, sizes(2, [3, 3], [4, 1]));
});

test('a model that returns its input exports as an Identity node; encodeModel checks the schema', async () => {
  const decoded = decodeModel(exportOnnx(new Sequential(new Identity()), { inputShape: [1, 1, 2, 2] }));
  assert.deepEqual(decoded.graph.node.map((n) => [n.op_type, n.input, n.output]), [['Identity', ['input'], ['logits']]]);
  assert.throws(() => encodeModel({ ...decoded, ir_version: 'eight' as unknown as number }), /does not fit the schema: .*ir_version/);
});
