// The Latent view's API on a tiny autoencoder run (MNIST-like digits): the codes the server
// sends are inspect's encodeSamples of the split (what `pixelwise inspect latent` plots), a
// decode of (z1, z2) is inspect's decodePoint, thumbnails are the split's pixels, and bad
// points, image numbers or a model without a 2-D latent space get clear refusals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointModel } from '../../src/checkpoint/load-model.js';
import { openDataset } from '../../src/data/datasets/open.js';
import { asLatent2d, decodePoint, encodeSamples } from '../../src/inspect/latent.js';
import { loadSamples } from '../../src/inspect/samples.js';
import { startInspector, type Inspector } from '../../src/serve/inspector.js';
import { trainTinyRun } from '../cli/helpers.js';
import { makeMnist } from '../data/make-datasets.js';
import { raw, snapshot, splitArrays, tinyServedRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-serve-latent-'));
const mnist = join(dir, 'mnist');
let cae = '';
let unet = '';
let inspector: Inspector;
let before_: Record<string, string>;

before(async () => {
  makeMnist(mnist, { train: 12, test: 30 });
  cae = await trainTinyRun(join(dir, 'cae'), { data: { format: 'mnist', root: mnist, split: 'train' }, model: 'cae', modelOptions: { baseWidth: 4 }, valSplit: null });
  unet = (await tinyServedRun(join(dir, 'unet'))).run;
  before_ = snapshot(cae);
  inspector = await startInspector({ sources: [cae, unet], data: { format: 'mnist', root: mnist, split: 'test' } });
});
after(async () => {
  await inspector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => raw(inspector.port, `${path}${path.includes('?') ? '&' : '?'}token=${inspector.token}`);

test('info marks the cae as having a latent space, the U-Net not', async () => {
  const info = JSON.parse((await get('/api/info')).body.toString());
  assert.deepEqual(info.sources.map((s: any) => [s.model, s.latent]), [['cae', true], ['unet', false]]);
});

test("the codes sent are the encoder's outputs for every image of the split (inspect latent's numbers)", async () => {
  const r = await get('/api/runs/0/latent');
  assert.equal(r.status, 200, r.body.toString());
  const sent = JSON.parse(r.body.toString());
  const { model, config } = loadCheckpointModel(join(cae, 'checkpoints', 'last.safetensors'));
  try {
    const dataset = await openDataset({ format: 'mnist', root: mnist, split: 'test' });
    const samples = await loadSamples(dataset, Array.from({ length: dataset.length }, (_, i) => i));
    const codes = encodeSamples(asLatent2d(model, 'cae'), samples, config.preprocess);
    assert.equal(sent.count, 30);
    assert.equal(sent.points.length, 60);
    assert.deepEqual(sent.points, Array.from(codes.points));
    assert.deepEqual(sent.labels, Array.from(codes.labels));
    assert.deepEqual(sent.labels.slice(0, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.ok(new Set(sent.points).size > 2, 'the codes differ between images');
    // The decoder at a point, and at the code of image 7 (which reconstructs image 7).
    for (const z of [[-1.25, 0.5], [sent.points[14], sent.points[15]]] as [number, number][]) {
      const d = await get(`/api/runs/0/latent/decode?z=${z[0]},${z[1]}`);
      assert.equal(d.status, 200, d.body.toString());
      const { meta, bytes } = splitArrays(d.body);
      const expected = decodePoint(asLatent2d(model, 'cae'), z, config.preprocess);
      assert.deepEqual([meta.width, meta.height], [28, 28]);
      assert.deepEqual(meta.z, z);
      const grey = Array.from({ length: 28 * 28 }, (_, i) => bytes[i * 4]!);
      assert.deepEqual(grey, Array.from(expected.data));
      assert.ok(Array.from({ length: 28 * 28 }, (_, i) => bytes[i * 4 + 3]).every((a) => a === 255));
    }
    // A thumbnail is the split's pixels.
    const t = await get('/api/runs/0/latent/images/7');
    assert.equal(t.status, 200);
    const thumb = splitArrays(t.body);
    assert.equal(thumb.meta.label, 7);
    assert.deepEqual(Array.from({ length: 784 }, (_, i) => thumb.bytes[i * 4 + 1]!), Array.from(samples[7]!.image.data));
  } finally {
    model.dispose();
  }
});

test('bad points, image numbers and models without a 2-D latent space are refused', async () => {
  for (const z of ['', '1', '1,2,3', 'a,b', '1,NaN', '1e400,0', '..%2f,1']) {
    const r = await get(`/api/runs/0/latent/decode?z=${z}`);
    assert.equal(r.status, 400, `z=${z}`);
    assert.match(r.body.toString(), /is not a latent point; expected two numbers 'z1,z2'/);
  }
  assert.equal((await get('/api/runs/0/latent/images/30')).status, 404);
  assert.equal((await get('/api/runs/0/latent/images/..%2f..%2fetc')).status, 400);
  assert.equal((await get('/api/runs/0/latent/images/-1')).status, 400);
  const u = await get('/api/runs/1/latent');
  assert.equal(u.status, 404);
  assert.match(u.body.toString(), /holds a unet model; the latent view needs the convolutional autoencoder \(cae\)/);
  // Without the token, nothing.
  assert.equal((await raw(inspector.port, '/api/runs/0/latent')).status, 401);
  assert.equal((await raw(inspector.port, `/api/runs/0/latent?token=${inspector.token}`, { host: 'evil.example' })).status, 403);
});

test('the run folder is only read', () => {
  assert.deepEqual(snapshot(cae), before_);
});
