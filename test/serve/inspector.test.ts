// The inspector's server over real HTTP: who gets in (token, Host header), what no path can
// reach, that it listens on loopback only, and that its API gives what the CLI gives (the
// scores of `eval --json`, the labels of `predict`) without writing the run folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInspector, type Inspector } from '../../src/serve/inspector.js';
import { allowedHosts, isLoopback } from '../../src/serve/access.js';
import { readLabelImage } from '../../src/image/files.js';
import { openDataset } from '../../src/data/datasets/open.js';
import { modelInput } from '../../src/infer/predict.js';
import { loadPredictor } from '../../src/infer/predictor.js';
import { layerActivation } from '../../src/inspect/activations.js';
import { layerKernels } from '../../src/inspect/filters.js';
import { cli } from '../cli/helpers.js';
import { raw, snapshot, splitArrays, tinyServedRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-serve-'));
let run = '';
let data = '';
let inspector: Inspector;
let before_: Record<string, string>;

before(async () => {
  ({ run, data } = await tinyServedRun(dir));
  before_ = snapshot(run);
  inspector = await startInspector({ sources: [run], pollMs: 50 });
});
after(async () => {
  await inspector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (path: string): string => `${path}${path.includes('?') ? '&' : '?'}token=${inspector.token}`;

test('no token: 401; a wrong token: 403; the token in the query or in the cookie the page gets: 200', async () => {
  assert.equal((await raw(inspector.port, '/api/info')).status, 401);
  assert.equal((await raw(inspector.port, '/')).status, 401);
  assert.equal((await raw(inspector.port, '/api/info?token=nope')).status, 403);
  // One character off (not 'x' blindly: a token ending in 'x' would stay right, 1 time in 64).
  const last = inspector.token.slice(-1) === 'x' ? 'y' : 'x';
  assert.equal((await raw(inspector.port, `/api/info?token=${inspector.token.slice(0, -1)}${last}`)).status, 403);
  const page = await raw(inspector.port, q('/'));
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  assert.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  assert.equal((await raw(inspector.port, '/api/info', { headers: { Cookie: cookie } })).status, 200);
  assert.equal((await raw(inspector.port, '/api/info', { headers: { Cookie: `pixelwise-${inspector.port}=wrong` } })).status, 403);
  assert.match(inspector.url, new RegExp(`^http://127\\.0\\.0\\.1:${inspector.port}/\\?token=[A-Za-z0-9_-]{32}$`));
});

test('a Host header other than the loopback name it bound is refused (DNS rebinding)', async () => {
  for (const host of ['evil.example', `evil.example:${inspector.port}`, `127.0.0.1:${inspector.port + 1}`, `192.168.1.5:${inspector.port}`]) {
    const r = await raw(inspector.port, q('/api/info'), { host });
    assert.equal(r.status, 403, `Host ${JSON.stringify(host)}`);
    assert.match(r.body.toString(), /is not this server/);
  }
  for (const host of [`127.0.0.1:${inspector.port}`, `localhost:${inspector.port}`]) assert.equal((await raw(inspector.port, q('/api/info'), { host })).status, 200, host);
  assert.deepEqual(allowedHosts('0.0.0.0', 80), null);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('[::1]') && !isLoopback('0.0.0.0') && !isLoopback('10.0.0.1'));
});

test("'..' in any path or parameter gets 400 or 404, and nothing from outside", async () => {
  const secret = readFileSync(join(run, 'config.json'), 'utf8').slice(0, 20);
  const paths = [
    '/../config.json',
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '/api/runs/../metrics',
    '/api/runs/0/../../config.json',
    '/api/runs/..%2F..%2Fconfig.json/metrics',
    '/api/runs/0/samples/..%2f..%2fconfig.json',
    '/api/runs/0/samples/-1',
    '/api/runs/0/samples/1e3',
    '/api/runs/0/samples/99999',
    '/api/runs/7/metrics',
    '/api/runs/0/cell?truth=../0&predicted=0',
    '/api/nothing',
    '/config.json',
    '/checkpoints/best.safetensors',
    '/..\\..\\etc\\passwd',
    '//etc/passwd',
  ];
  for (const p of paths) {
    const r = await raw(inspector.port, q(p));
    assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`);
    assert.ok(!r.body.toString().includes(secret) && !r.body.toString().includes('root:'), p);
  }
});

test('the socket listens on loopback only', async (t) => {
  const address = inspector.server.address();
  assert.ok(address && typeof address === 'object');
  assert.equal(address.address, '127.0.0.1');
  const external = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
  if (external.length === 0) t.diagnostic('no non-loopback IPv4 address on this machine: only the bound address is checked');
  for (const address of external) {
    const refused = await new Promise<string>((resolve) => {
      const s = connect({ host: address, port: inspector.port });
      s.on('connect', () => (s.destroy(), resolve('connected')));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.equal(refused, 'ECONNREFUSED', `${address}:${inspector.port}`);
  }
});

test('scores equal eval --json at the training size; cells list their images; per-image mIoU for each image', async () => {
  const info = JSON.parse((await raw(inspector.port, q('/api/info'))).body.toString());
  assert.equal(info.sources[0].label, 'run');
  await raw(inspector.port, q('/api/runs/0/scores?start=1'));
  let scores;
  for (let i = 0; i < 200; i++) {
    scores = JSON.parse((await raw(inspector.port, q('/api/runs/0/scores'))).body.toString());
    if (scores.summary) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(scores.summary, 'scoring finished');
  const checkpoint = join(run, 'checkpoints', 'best.safetensors');
  const ev = await cli(['eval', '--checkpoint', checkpoint, '--data', data, '--format', 'folder', '--split', 'val', '--json', '-q']);
  assert.equal(ev.code, 0, ev.stderr);
  const expected = JSON.parse(ev.stdout);
  assert.deepEqual(scores.summary.confusionMatrix, expected.confusionMatrix);
  for (const k of ['pixelAccuracy', 'meanIoU', 'perClassIoU', 'perClassAccuracy', 'classPixels', 'numImages']) assert.deepEqual(scores.summary[k], expected[k], k);
  assert.equal(scores.images.length, 6);
  // Each cell's images add up to the cell's count.
  const m: number[][] = expected.confusionMatrix;
  for (let t = 0; t < m.length; t++) {
    for (let p = 0; p < m.length; p++) {
      const cell = JSON.parse((await raw(inspector.port, q(`/api/runs/0/cell?truth=${t}&predicted=${p}`))).body.toString()) as { pixels: number }[];
      assert.equal(cell.reduce((s, c) => s + c.pixels, 0), m[t]![p], `cell ${t},${p}`);
    }
  }
});

test('a sample: image, prediction and truth at the training size; an upload predicts as pixelwise predict', async () => {
  const r = await raw(inspector.port, q('/api/runs/0/samples/2'));
  assert.equal(r.status, 200);
  const { meta, bytes } = splitArrays(r.body);
  assert.deepEqual([meta.width, meta.height, meta.hasTruth, meta.hasProbability], [32, 32, true, false]);
  assert.equal(bytes.length, 32 * 32 * (4 + 1 + 1));
  const truth = bytes.subarray(32 * 32 * 5);
  const stored = readLabelImage(join(data, 'val', 'masks', `${meta.name}.png`));
  assert.deepEqual(Array.from(truth), Array.from(stored.data));

  const image = join(data, 'val', 'images', `${meta.name}.png`);
  const up = await raw(inspector.port, q('/api/runs/0/predict'), { method: 'POST', body: readFileSync(image) });
  assert.equal(up.status, 200, up.body.toString());
  const out = join(dir, 'predicted');
  const pr = await cli(['predict', '--checkpoint', join(run, 'checkpoints', 'best.safetensors'), image, '--out', out, '--save', 'labels', '-q']);
  assert.equal(pr.code, 0, pr.stderr);
  const labels = readLabelImage(join(out, `${meta.name}.labels.png`));
  const got = splitArrays(up.body);
  assert.deepEqual(Array.from(got.bytes.subarray(got.meta.width * got.meta.height * 4)), Array.from(labels.data));
  const bad = await raw(inspector.port, q('/api/runs/0/predict'), { method: 'POST', body: Buffer.from('not an image') });
  assert.equal(bad.status, 400);
  assert.match(bad.body.toString(), /uploaded file/);
});

// The page's scaling of a tile: round(255 (v - min) / (max - min)), 0 for a constant tile.
function bytesOf(values: ArrayLike<number>): number[] {
  const a = Array.from(values);
  const lo = Math.min(...a), hi = Math.max(...a);
  return a.map((v) => (hi > lo ? Math.round((255 * (v - lo)) / (hi - lo)) : 0));
}

test("a layer's activations on image j and its kernels are what src/inspect captures for `inspect activations/filters`", async () => {
  const layers = JSON.parse((await raw(inspector.port, q('/api/runs/0/layers'))).body.toString()).layers as { name: string; type: string; hasKernels: boolean }[];
  const predictor = loadPredictor(join(run, 'checkpoints', 'best.safetensors'));
  try {
    assert.deepEqual(layers.map((l) => l.name), predictor.model.layerNames);
    const dataset = await openDataset({ format: 'folder', root: data, split: 'val' });
    const j = 3;
    // The input `inspect activations --data --index j` gives the model (32x32 is the training size).
    const x = modelInput(predictor, (await dataset.get(j)).image, { fit: true });
    const convs = layers.map((l, i) => [l, i] as const).filter(([l]) => l.hasKernels);
    assert.ok(convs.length >= 3);
    const picks = [convs[0]![1], convs[Math.floor(convs.length / 2)]![1], layers.findIndex((l) => /relu/i.test(l.type))];
    for (const i of picks) {
      assert.ok(i >= 0);
      const r = await raw(inspector.port, q(`/api/runs/0/layers/${i}/activations/${j}`));
      assert.equal(r.status, 200, r.body.toString());
      const { meta, bytes } = splitArrays(r.body);
      const ref = layerActivation(predictor.model, x, layers[i]!.name);
      assert.deepEqual(meta.shape, ref.shape);
      const [c, h, w] = ref.shape;
      assert.equal(meta.channels, Math.min(c, 64));
      assert.equal(bytes.length, meta.channels * h * w);
      for (let k = 0; k < meta.channels; k++) {
        const ch = ref.data.subarray(k * h * w, (k + 1) * h * w);
        assert.deepEqual(Array.from(bytes.subarray(k * h * w, (k + 1) * h * w)), bytesOf(ch), `layer ${layers[i]!.name} channel ${k}`);
        assert.deepEqual(meta.ranges[k], [Math.min(...ch), Math.max(...ch)]);
      }
    }
    x.dispose();
    // Kernels: the first convolution's as RGB tiles, a later one's as grey (out, in) tiles.
    for (const [l, i] of [convs[0]!, convs[1]!]) {
      const r = await raw(inspector.port, q(`/api/runs/0/layers/${i}/filters`));
      assert.equal(r.status, 200, r.body.toString());
      const { meta, bytes } = splitArrays(r.body);
      const k = layerKernels(predictor.model, l.name);
      const [o, ci, kh, kw] = k.shape;
      const size = kh * kw;
      assert.deepEqual(meta.shape, k.shape);
      assert.equal(meta.rgb, ci === 3);
      if (ci === 3) {
        for (let f = 0; f < meta.outs; f++) {
          const expected = bytesOf(k.data.subarray(f * 3 * size, (f + 1) * 3 * size)); // planes c, then pixels
          const got = Array.from({ length: 3 * size }, (_, n) => bytes[(f * size + (n % size)) * 3 + Math.floor(n / size)]!);
          assert.deepEqual(got, expected, `filter ${f}`);
        }
      } else {
        assert.equal(meta.outs, Math.min(o, 64));
        for (let f = 0; f < meta.outs; f++) {
          for (let c = 0; c < meta.ins; c++) {
            const at = (f * ci + c) * size;
            assert.deepEqual(Array.from(bytes.subarray((f * meta.ins + c) * size, (f * meta.ins + c + 1) * size)), bytesOf(k.data.subarray(at, at + size)), `kernel ${f},${c}`);
          }
        }
      }
    }
    const relu = layers.findIndex((l) => !l.hasKernels);
    assert.equal((await raw(inspector.port, q(`/api/runs/0/layers/${relu}/filters`))).status, 404);
    assert.equal((await raw(inspector.port, q(`/api/runs/0/layers/${layers.length}/filters`))).status, 404);
    assert.equal((await raw(inspector.port, q('/api/runs/0/layers/0/activations/..%2f1'))).status, 400);
    assert.equal((await raw(inspector.port, q('/api/runs/0/layers/0/activations/6'))).status, 404);
  } finally {
    predictor.dispose();
  }
});

test('metrics: all records, then each appended line as a server-sent event', async () => {
  const records = JSON.parse((await raw(inspector.port, q('/api/runs/0/metrics'))).body.toString());
  assert.equal(records.length, 1);
  const events: string[] = [];
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: inspector.port, path: q('/api/runs/0/events'), headers: { Host: `127.0.0.1:${inspector.port}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.setEncoding('utf8');
  const got = (n: number) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (events.length >= n) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
  res.on('data', (s: string) => events.push(...s.split('\n\n').filter((e) => e.startsWith('event: record'))));
  await got(1);
  appendFileSync(join(run, 'metrics.jsonl'), JSON.stringify({ ...records[0], epoch: 2, trainLoss: 0.5 }) + '\n');
  await got(2);
  assert.match(events[1]!, /"epoch":2/);
  res.destroy();
  // The run as training wrote it again (the check below leaves this file out: the test wrote it).
  writeFileSync(join(run, 'metrics.jsonl'), readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n')[0] + '\n');
});

test('the run folder is never written: the same files, sizes and times after every request above', () => {
  const without = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([p]) => p !== join(run, 'metrics.jsonl')));
  assert.deepEqual(without(snapshot(run)), without(before_));
  assert.ok(Object.keys(before_).length >= 4, 'config, metrics, two checkpoints');
});

