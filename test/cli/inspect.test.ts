// The inspect subcommands and classify, run as a user runs them (a child process), on tiny
// checkpoints trained here: one epoch on a few 32x32 synthetic images.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng, encodePng } from '../../src/image/png.js';
import { SyntheticDataset } from '../../src/data/datasets/synthetic.js';
import { writePng } from '../../src/image/files.js';
import { vgg16 } from '../../src/models/vgg.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { makeMnist } from '../data/make-datasets.js';
import { trainTinyRun } from './helpers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let dir = '';
const ckpt = { multi: '', binary: '', cae: '', run: '', vgg: '', image: '', mask: '', mnist: '', big: '' };

function cli(...args: string[]): { rc: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Width and height of a PNG file. */
function pngSize(path: string): [number, number] {
  const png = decodePng(readFileSync(path), path);
  return [png.width, png.height];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pixelwise-inspect-'));
  ckpt.run = await trainTinyRun(join(dir, 'multi'));
  ckpt.multi = join(ckpt.run, 'checkpoints', 'last.safetensors');
  ckpt.binary = join(await trainTinyRun(join(dir, 'binary'), { data: { format: 'synthetic', count: 8, size: 32, numClasses: 2 }, loss: 'bce' }), 'checkpoints', 'last.safetensors');
  ckpt.mnist = join(dir, 'mnist');
  makeMnist(ckpt.mnist, { train: 12, test: 30 });
  ckpt.cae = join(
    await trainTinyRun(join(dir, 'cae'), { data: { format: 'mnist', root: ckpt.mnist, split: 'train' }, model: 'cae', modelOptions: { baseWidth: 4 }, valSplit: null }),
    'checkpoints',
    'last.safetensors',
  );
  // An input image with its mask, as files (a binary scene: the mask holds 0/255).
  const scene = new SyntheticDataset({ format: 'synthetic', split: 'val', count: 4, size: 32, numClasses: 2 }).getSync(1);
  ckpt.image = join(dir, 'scene.png');
  ckpt.mask = join(dir, 'scene-mask.png');
  writePng(ckpt.image, { ...scene.image, channels: 3, data: scene.image.data as Uint8Array });
  writeFileSync(ckpt.mask, encodePng({ width: 32, height: 32, channels: 1, data: Uint8Array.from(scene.label!.data, (v) => v * 255) }));
  // A tiny random VGG16 under torchvision's names, and a 256x240 photo-sized input.
  const vgg = vgg16({ baseWidth: 2, fcWidth: 8 });
  ckpt.vgg = join(dir, 'vgg16-tiny.safetensors');
  saveSafetensors(ckpt.vgg, vgg.stateDict());
  vgg.dispose();
  ckpt.big = join(dir, 'big.png');
  const big = new SyntheticDataset({ format: 'synthetic', count: 1, size: 256 }).getSync(0).image;
  writePng(ckpt.big, { width: 256, height: 240, channels: 3, data: (big.data as Uint8Array).subarray(0, 256 * 240 * 3) });
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('inspect layers lists the layer names in execution order with types and parameter counts', () => {
  const r = cli('inspect', 'layers', '--checkpoint', ckpt.multi);
  assert.equal(r.rc, 0, r.err);
  const lines = r.out.split('\n');
  const first = lines.findIndex((l) => l.includes('encoder.0.conv1'));
  const head = lines.findIndex((l) => /\bhead\b/.test(l));
  assert.ok(first > 0 && head > first, r.out);
  assert.match(lines[first]!, /Conv2d\s+\[4, 3, 3, 3\]\s+112/);
  assert.match(r.out, /layers, [\d,]+ parameters/);
  const shapes = cli('inspect', 'layers', '--checkpoint', ckpt.multi, '--input-size', '32');
  assert.equal(shapes.rc, 0, shapes.err);
  assert.match(shapes.out, /head\s+Conv2d.*\(4, 32, 32\)/);
});

test('inspect filters draws the kernels of a convolution and of a transposed convolution', () => {
  for (const layer of ['encoder.0.conv1', 'decoder.0.up']) {
    const out = join(dir, `filters-${layer}.png`);
    const r = cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', layer, '--out', out);
    assert.equal(r.rc, 0, r.err);
    const [w, h] = pngSize(out);
    assert.ok(w >= 150 && h >= 100, `${layer}: ${w}x${h}`);
  }
  assert.match(cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', 'decoder.0.up', '--out', join(dir, 'f.png')).out, /kernels 8x16x2x2/);
});

test('inspect filters of a layer without kernels, or of no layer at all, fails with the valid names', () => {
  const out = join(dir, 'never.png');
  const relu = cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', 'encoder.0.relu1', '--out', out);
  assert.equal(relu.rc, 1);
  assert.match(relu.err, /layer 'encoder.0.relu1' \(ReLU\) has no convolution kernels; layers with filters: encoder.0.conv1, encoder.0.conv2/);
  const bn = cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', 'encoder.0.bn1', '--out', out);
  assert.equal(bn.rc, 1);
  assert.match(bn.err, /\(BatchNorm2d\) has no convolution kernels/);
  const bad = cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', 'encoder.9.conv1', '--out', out);
  assert.equal(bad.rc, 1);
  assert.match(bad.err, /no layer 'encoder.9.conv1' in unet; layers .*encoder.0.conv1, encoder.0.bn1, .*head/);
  assert.equal(bad.err.trim().split('\n').length, 1, 'one line');
  assert.equal(existsSync(out), false, 'no partial output');
});

test('inspect activations draws a layer for an image file with its mask, and for a dataset sample', () => {
  const out = join(dir, 'act.png');
  const r = cli('inspect', 'activations', '--checkpoint', ckpt.multi, '--layer', 'encoder.1.conv1', '--image', ckpt.image, '--out', out);
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /layer encoder.1.conv1 \(Conv2d\) output 8x16x16/);
  const [w, h] = pngSize(out);
  assert.ok(w >= 400 && h >= 300, `${w}x${h}`);
  const out2 = join(dir, 'act2.png');
  const s = cli('inspect', 'activations', '-c', ckpt.binary, '-l', 'decoder.1.concat', '--image', ckpt.image, '--mask', ckpt.mask, '--channels', '0-3', '-o', out2);
  assert.equal(s.rc, 0, s.err);
  assert.match(s.out, /output 8x32x32/);
  const out3 = join(dir, 'act3.png');
  const d = cli('inspect', 'activations', '-c', ckpt.multi, '-l', 'head', '--format', 'synthetic', '--index', '2', '-o', out3);
  assert.equal(d.rc, 0, d.err);
  assert.match(d.out, /^val-\d+: layer head \(Conv2d\) output 4x64x64/m);
});

test('inspect activations with a bad layer exits 1 listing the layers, and writes nothing', () => {
  const out = join(dir, 'none.png');
  const r = cli('inspect', 'activations', '--checkpoint', ckpt.multi, '--layer', 'conv9', '--image', ckpt.image, '--out', out);
  assert.equal(r.rc, 1);
  assert.match(r.err, /no layer 'conv9' in unet; layers \(see 'pixelwise inspect layers'\): encoder.0.conv1, /);
  assert.equal(existsSync(out), false);
});

test('inspect threshold shows image | mask | prediction with the IoU; --sweep plots IoU vs threshold', () => {
  const out = join(dir, 'th.png');
  const r = cli('inspect', 'threshold', '--checkpoint', ckpt.binary, '--image', ckpt.image, '--mask', ckpt.mask, '--threshold', '0.3', '--out', out);
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /threshold 0.30, IoU = \d+ %/);
  const [w, h] = pngSize(out);
  assert.ok(w > 3 * 192 && h > 192, `${w}x${h}`);
  const sweep = join(dir, 'sweep.png');
  const s = cli('inspect', 'threshold', '--checkpoint', ckpt.binary, '--image', ckpt.image, '--mask', ckpt.mask, '--sweep', '--out', sweep);
  assert.equal(s.rc, 0, s.err);
  assert.match(s.out, /best threshold \d\.\d\d: IoU [\d.]+%/);
  assert.equal(s.out.split('\n').filter((l) => /^\s+0\.\d\d\s+[\d.]+%$/.test(l)).length, 20);
  assert.ok(pngSize(sweep)[0] >= 400);
  assert.match(readFileSync(join(dir, 'sweep.svg'), 'utf8'), /^<svg /);
  const noMask = cli('inspect', 'threshold', '--checkpoint', ckpt.binary, '--image', ckpt.image, '--out', join(dir, 'nomask.png'));
  assert.equal(noMask.rc, 0, noMask.err);
  assert.match(noMask.out, /no mask: no IoU/);
});

test('inspect threshold refuses a multi-class model and a sweep without a mask', () => {
  const multi = cli('inspect', 'threshold', '--checkpoint', ckpt.multi, '--image', ckpt.image, '--out', join(dir, 'x.png'));
  assert.equal(multi.rc, 1);
  assert.match(multi.err, /with 4 output classes; threshold needs a binary model/);
  const sweep = cli('inspect', 'threshold', '--checkpoint', ckpt.binary, '--image', ckpt.image, '--sweep', '--out', join(dir, 'y.png'));
  assert.equal(sweep.rc, 2);
  assert.match(sweep.err, /--sweep scores each threshold against a mask/);
});

test('inspect samples draws images with masks and a legend', () => {
  const out = join(dir, 'samples.png');
  const r = cli('inspect', 'samples', '--format', 'synthetic', '--count', '3', '--out', out);
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /synthetic train: 512 samples, 4 classes/);
  const [w, h] = pngSize(out);
  assert.ok(w >= 6 * 112 && h >= 112, `${w}x${h}`);
  const digits = join(dir, 'digits.png');
  const m = cli('inspect', 'samples', '--format', 'mnist', '--data', ckpt.mnist, '--count', '5', '--random', '1', '--out', digits);
  assert.equal(m.rc, 0, m.err);
  assert.match(m.out, /mnist test: 30 samples/);
});

test('inspect latent scatters the 2-D codes by digit and decodes a point', () => {
  const out = join(dir, 'latent.png');
  const r = cli('inspect', 'latent', '--checkpoint', ckpt.cae, '--data', ckpt.mnist, '--digits', '1,5,6', '--point=-1,0.5', '--out', out);
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /encoded 9 digits \(1: 3, 5: 3, 6: 3\)/);
  assert.match(r.out, /decoded \(-1, 0.5\) into a 28x28 \(HxW\) image/);
  assert.deepEqual(pngSize(out), [1120, 560]);
  assert.ok(existsSync(join(dir, 'latent.svg')));
  const notCae = cli('inspect', 'latent', '--checkpoint', ckpt.multi, '--data', ckpt.mnist, '--out', join(dir, 'z.png'));
  assert.equal(notCae.rc, 1);
  assert.match(notCae.err, /holds a unet model; latent needs the convolutional autoencoder/);
});

test('inspect curves redraws loss and mIoU from metrics.jsonl', () => {
  const out = join(dir, 'curves.png');
  const r = cli('inspect', 'curves', '--run', ckpt.run, '--out', out);
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /1 epoch records; last: epoch 1, train loss [\d.]+, val loss [\d.]+/);
  assert.ok(pngSize(out)[0] >= 640);
  assert.ok(existsSync(join(dir, 'curves.svg')));
  const missing = cli('inspect', 'curves', '--run', join(dir, 'nowhere'), '--out', join(dir, 'c2.png'));
  assert.equal(missing.rc, 1);
  assert.match(missing.err, /metrics.jsonl does not exist/);
});

test('inspect checks --out before any work', () => {
  const r = cli('inspect', 'filters', '--checkpoint', ckpt.multi, '--layer', 'head', '--out', join(dir, 'f.jpg'));
  assert.equal(r.rc, 2);
  assert.match(r.err, /--out must name a .png file/);
  const u = cli('inspect', 'nothing');
  assert.equal(u.rc, 2);
  assert.match(u.err, /unknown subcommand 'nothing', expected one of layers, filters, activations, threshold, samples, latent, curves/);
});

test('classify prints the top 5 ImageNet classes of a tiny random VGG16 and draws its coarse map', () => {
  const r = cli('classify', ckpt.image, '--weights', ckpt.vgg, '--base-width', '2');
  assert.equal(r.rc, 0, r.err);
  const rows = r.out.split('\n').filter((l) => l.startsWith('Probability '));
  assert.equal(rows.length, 5);
  const probs = rows.map((l) => Number(/^Probability (\d\.\d\d) => \[.+\]$/.exec(l)![1]));
  assert.ok(probs.reduce((a, b) => a + b, 0) <= 1.0001 + 0.03, `sum ${probs}`);
  assert.ok(probs.every((p, i) => i === 0 || p <= probs[i - 1]!), 'best first');
  assert.match(r.out, /vgg16 \(base width 2\)/);

  const out = join(dir, 'seg.png');
  const s = cli('classify', ckpt.big, '--weights', ckpt.vgg, '--segment', '--upsample', '--out', out);
  assert.equal(s.rc, 0, s.err);
  // fc6 'same' with --upsample: a 240x256 (HxW) image gives a 7x8 map, x32 gives 224x256.
  assert.match(s.out, /segmentation: 7x8 \(HxW\) score map \(fc6 padding same\), \d+ classes:/);
  assert.match(s.out, /upsampled x32: 224x256 \(HxW\)/);
  const [w, h] = pngSize(out);
  assert.ok(w >= 256 && h >= 7 * 32, `${w}x${h}`);
  assert.ok(existsSync(join(dir, 'seg-x32.png')));

  const valid = cli('classify', ckpt.big, '--weights', ckpt.vgg, '--segment', '--out', join(dir, 'seg-valid.png'));
  assert.equal(valid.rc, 0, valid.err);
  assert.match(valid.out, /segmentation: 1x2 \(HxW\) score map \(fc6 padding valid\)/);
  const small = cli('classify', ckpt.image, '--weights', ckpt.vgg, '--segment', '--out', join(dir, 'never.png'));
  assert.equal(small.rc, 1);
  assert.match(small.err, /is 32x32 \(HxW\); fc6 padding 'valid' needs at least 224x224 \(use --fc6-padding same/);
  assert.equal(existsSync(join(dir, 'never.png')), false);
});

test('classify refuses weights that are not a VGG, or of another shape than asked', () => {
  const wrong = cli('classify', ckpt.image, '--weights', ckpt.multi);
  assert.equal(wrong.rc, 1);
  assert.match(wrong.err, /holds unet weights; classify needs a VGG classifier/);
  const width = cli('classify', ckpt.image, '--weights', ckpt.vgg, '--base-width', '64');
  assert.equal(width.rc, 1);
  assert.match(width.err, /has base width 2 \(conv1_1\), not --base-width 64/);
  const model = cli('classify', ckpt.image, '--weights', ckpt.vgg, '--model', 'vgg19');
  assert.equal(model.rc, 1);
  assert.match(model.err, /hold a VGG16 \(13 convolutions\), not vgg19/);
});
