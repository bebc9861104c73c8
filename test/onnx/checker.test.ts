// ONNX's own checker (Debian's python3-onnx, full check with strict shape inference) on the
// exported zoo, the --pipeline graphs and the graphs the layer emitters build. Skipped where /usr/bin/python3 has
// no onnx module (CI has no Python); scripts/check-onnx.py is what it runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvAutoencoder } from '../../src/models/index.js';
import { AvgPool2d, Conv2d, ConvTranspose2d, Flatten, Linear, MaxPool2d, Sequential, Softmax, Upsample } from '../../src/nn/index.js';
import { buildPipelineOnnx, DataType, encodeModel, GraphBuilder, writeOnnx, writeZooOnnx } from '../../src/onnx/index.js';
import type { PreprocessSpec } from '../../src/data/transforms/spec.js';
import { CASES } from './zoo-cases.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../scripts/check-onnx.py', import.meta.url));
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

test('onnx.checker (full check, opset 17) accepts every exported zoo model, pipeline and layer graph', { skip: hasOnnx ? false : `${PYTHON} with python3-onnx is not installed` }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-onnx-check-'));
  try {
    const files: string[] = [];
    for (const [i, c] of CASES.entries()) {
      for (const w of writeZooOnnx(join(dir, `zoo${i}.onnx`), c.model(), { metadata: { 'pixelwise.task': 'test' } })) files.push(w.path);
    }
    for (const w of writeZooOnnx(join(dir, 'cae.onnx'), new ConvAutoencoder({ baseWidth: 4 }))) files.push(w.path);
    // The --pipeline form of every segmentation model, with each padding mode, BGR and gray inputs, a training pad.
    const pads = ['reflect', 'symmetric', 'edge', 'wrap', 'constant'] as const;
    for (const [i, c] of CASES.filter((c) => c.output.length === 4 && /^(fcn|unet)/.test(c.name)).entries()) {
      const path = join(dir, `pipeline${i}.onnx`);
      const preprocess: PreprocessSpec = { normalize: i % 2 ? 'caffe' : 'imagenet', ...(i === 0 ? { pad: { height: 64, width: 64, mode: 'constant' as const, value: 3 } } : {}) };
      const model = c.model();
      writeFileSync(path, encodeModel(buildPipelineOnnx(model, { preprocess: model.contract.inChannels === 1 ? { normalize: 'unit' } : preprocess, padMode: pads[i % pads.length] }).model));
      files.push(path);
    }
    const layers: [Sequential, number[], boolean][] = [
      [new Sequential(new Conv2d(2, 3, 3, { stride: 2, padding: 'same', dilation: 2 })), [1, 2, 9, 9], true],
      [new Sequential(new ConvTranspose2d(2, 3, 1, { stride: 2, padding: 'same' }), new ConvTranspose2d(3, 2, 7, { stride: 2, padding: 'same' })), [1, 2, 3, 5], true],
      [new Sequential(new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), new AvgPool2d(2, { divisorOverride: 3 })), [1, 2, 9, 9], true],
      [new Sequential(new Upsample({ size: [7, 9], mode: 'bilinear' }), new Upsample({ scaleFactor: 2 }), new Softmax(1)), [1, 2, 3, 4], true],
      [new Sequential(new Flatten(2), new Linear(12, 5)), [1, 2, 3, 4], false],
    ];
    for (const [i, [m, shape, dynamic]] of layers.entries()) {
      const path = join(dir, `layers${i}.onnx`);
      writeOnnx(path, m, { inputShape: shape, dynamic: { spatial: dynamic } });
      files.push(path);
    }
    const run = spawnSync(PYTHON, [SCRIPT, ...files], { encoding: 'utf8' });
    for (const line of run.stdout.replaceAll(dir + '/', '').trim().split('\n')) t.diagnostic(line);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`${files.length} of ${files.length} files pass`));

    // The check can fail: a graph with an operator ONNX does not have, and one with a bad attribute.
    const broken = [
      ['unknown-op.onnx', 'NoSuchOp', {}],
      ['bad-attribute.onnx', 'Relu', { alpha: { f: 0.1 } }],
    ] as const;
    for (const [file, op, attributes] of broken) {
      const g = new GraphBuilder();
      g.output(g.op(op, [g.input('x', DataType.FLOAT, [1, 2])], 'y', attributes), 'y');
      writeFileSync(join(dir, file), encodeModel(g.build()));
    }
    const bad = spawnSync(PYTHON, [SCRIPT, ...broken.map(([file]) => join(dir, file))], { encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /FAIL .*unknown-op\.onnx: .*NoSuchOp/);
    assert.match(bad.stdout, /FAIL .*bad-attribute\.onnx: .*alpha/);
    assert.match(bad.stdout, /0 of 2 files pass/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
