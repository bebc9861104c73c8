// Full-size VGG16 weights (138M parameters, ~528 MB) in every family of formats — torchvision .pth
// (zip and legacy), Keras .h5, Caffe .caffemodel, a TF-slim checkpoint, tensorflow-vgg .npy — read
// through modelFromWeights and run on a fixed 224x224 input: the logits must equal PyTorch's on the
// same weights (1e-4). The files are written under /tmp by bench/weights/make_files.py (Debian's
// python3-torch and python3-h5py); this test writes them when they are missing and skips without
// that Python. Opt-in: npm run test:slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad, tensor, tidy } from '../../src/torch/index.js';
import { modelFromWeights } from '../../src/weights/index.js';

const dir = process.env.PIXELWISE_WEIGHTS_DIR ?? '/tmp/pixelwise-weights-bench';
const script = fileURLToPath(new URL('../../../bench/weights/make_files.py', import.meta.url));
const FILES: [file: string, mapping: string][] = [
  ['vgg16.pth', 'torchvision'],
  ['vgg16_legacy.pth', 'torchvision'],
  ['vgg16_keras.h5', 'keras'],
  ['vgg16.caffemodel', 'caffe-vgg'],
  ['vgg16_slim.index', 'tf-slim'],
  ['vgg16_tfvgg.npy', 'tensorflow-vgg'],
];

function ready(): string | null {
  if (FILES.every(([f]) => existsSync(join(dir, f))) && existsSync(join(dir, 'reference.json'))) return null;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, h5py'], { stdio: 'ignore' });
  } catch {
    return `full-size files missing in ${dir} and no /usr/bin/python3 with torch and h5py to write them`;
  }
  execFileSync('/usr/bin/python3', [script, '--dir', dir, '--all'], { stdio: 'inherit' });
  return null;
}

const skip = ready();
const reference = skip ? null : (JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { logits: number[] });

for (const [file, mapping] of FILES) {
  test(`full-size VGG16 from ${file} (${mapping}) gives PyTorch's logits`, { skip: skip ?? false }, async (t) => {
    const { model, report, config } = await modelFromWeights(join(dir, file), { model: 'vgg16' });
    try {
      assert.equal(report.mapping, mapping);
      assert.deepEqual([report.mapped.length, report.missing.length, report.unused.length, report.mismatched.length], [32, 0, 0, 0]);
      assert.equal(config.classes.names.length, 1000, 'ImageNet names');
      const n = 3 * 224 * 224;
      const logits = tidy(() =>
        noGrad(() => model.forward(tensor(Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 50 - 1), { shape: [1, 3, 224, 224] })).data() as Float32Array),
      );
      const expected = reference!.logits;
      const scale = Math.max(1, ...expected.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - expected[i]!) / scale);
      t.diagnostic(`max |pixelwise - PyTorch| / max(1, max |PyTorch|) = ${worst.toExponential(2)} over ${expected.length} logits`);
      assert.ok(worst <= 1e-4, `max difference ${worst}`);
    } finally {
      model.dispose();
    }
  });
}
