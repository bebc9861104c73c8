// Every fixture in test/fixtures/weights/ was written by a real writer (torch.save, h5py,
// protoc, numpy) or by a script that writes the format from its definition; its
// `.expected.json` holds what each tensor must read back as. Each is read through the one
// entry point (format detected from the content) and compared value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWeights } from '../../../src/io/formats/index.js';
import { zeros, type DType } from '../../../src/torch/index.js';
import { weightsDir } from './fixtures.js';

interface Expected {
  generator: string;
  /** The file (or TF prefix) to open when it is not the JSON's own stem. */
  open?: string;
  format: string;
  tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
  layers?: { name: string; type?: string; tensors: string[] }[];
  metadata?: Record<string, unknown>;
}

const fixtures = readdirSync(weightsDir)
  .filter((f) => f.endsWith('.expected.json'))
  .sort();

test('there are weight fixtures for every reader', () => {
  const formats = new Set(fixtures.map((f) => (JSON.parse(readFileSync(join(weightsDir, f), 'utf8')) as Expected).format));
  for (const f of ['pytorch-zip', 'pytorch-legacy', 'keras-h5', 'caffe', 'tf-bundle', 'tf-v1', 'npy', 'npy-pickle', 'npz', 'safetensors']) {
    assert.ok(formats.has(f), `no fixture of format ${f}`);
  }
});

for (const json of fixtures) {
  const expected = JSON.parse(readFileSync(join(weightsDir, json), 'utf8')) as Expected;
  const file = expected.open ?? json.slice(0, -'.expected.json'.length);
  test(`${file} (${expected.format}) reads back what ${expected.generator} wrote`, async () => {
    const w = await openWeights(join(weightsDir, file));
    try {
      assert.equal(w.format, expected.format);
      assert.deepEqual([...w.tensors.keys()].sort(), Object.keys(expected.tensors).sort());
      for (const [name, e] of Object.entries(expected.tensors)) {
        const t = w.tensors.get(name)!;
        assert.deepEqual([...t.shape], e.shape, `${name} shape`);
        assert.equal(t.dtype, e.dtype, `${name} dtype`);
        const data = t.read();
        assert.equal(data.length, e.data.length, `${name} length`);
        const got = Array.from(data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
        const want = e.data.map((v) => (e.dtype === 'float32' ? Math.fround(v) : v));
        for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) assert.fail(`${name}[${i}]: got ${got[i]}, expected ${want[i]}`);
        // The same values copied into a tensor (a model's parameter), streamed in 8-byte chunks.
        const target = zeros(e.shape, { dtype: (e.dtype === 'bool' ? 'uint8' : e.dtype) as DType });
        t.readInto(target, { chunkBytes: 8 });
        const copied = Array.from(target.data() as ArrayLike<number | bigint>, Number);
        target.dispose();
        for (let i = 0; i < got.length; i++) if (copied[i] !== Number(want[i])) assert.fail(`${name}[${i}] via readInto: got ${copied[i]}, expected ${want[i]}`);
      }
      if (expected.layers) {
        assert.deepEqual(
          w.layers?.map((l) => ({ name: l.name, ...(l.type !== undefined ? { type: l.type } : {}), tensors: l.tensors })),
          expected.layers,
        );
      }
      for (const [k, v] of Object.entries(expected.metadata ?? {})) assert.deepEqual(w.metadata[k], v, `metadata ${k}`);
    } finally {
      w.close();
    }
  });
}
