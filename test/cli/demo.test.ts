import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../../src/image/png.js';
import { disposeCheckpoint, loadCheckpoint } from '../../src/checkpoint/file.js';
import { assertOneLineError, cli, tempDir } from './helpers.js';

// The main job, cut to a 2-second training budget: everything it promises is written and
// readable (the 90% mean IoU needs the full two minutes; the README's demo run shows it).
test('demo generates data beside the run folder, trains, evaluates and writes a complete run folder; a non-empty --out is refused', async (t) => {
  const out = join(tempDir(t, 'demo'), 'run');
  const r = await cli(['demo', '--seconds', '2', '--threads', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const score = /mean IoU on the validation split: (\d+\.\d\d)% \(goal >= 90%\): (reached|NOT reached)/.exec(r.stdout);
  assert.ok(score, r.stdout);
  assert.equal(score[2], Number(score[1]) >= 90 ? 'reached' : 'NOT reached');

  // The generated data sits beside the run folder, which holds the run and nothing else.
  assert.equal(readdirSync(join(`${out}-data`, 'train', 'images')).length, 1024);
  assert.equal(readdirSync(join(`${out}-data`, 'val', 'masks')).length, 128);
  assert.deepEqual(readdirSync(out).sort(), ['checkpoints', 'config.json', 'curves.png', 'curves.svg', 'metrics.jsonl', 'samples']);
  // The hints at the end run as printed (this repository: node dist/src/cli/main.js ...).
  assert.match(r.stdout, /^ {2}node \S*main\.js predict --checkpoint /m);
  assert.match(r.stdout, /^ {2}node \S*main\.js serve \S+$/m);
  const best = loadCheckpoint(join(out, 'checkpoints', 'best.safetensors'));
  assert.equal(best.config.model.name, 'unet');
  disposeCheckpoint(best);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.length >= 1 && 'meanIoU' in JSON.parse(lines.at(-1)!));
  assert.ok(existsSync(join(out, 'curves.svg')));
  const samples = readdirSync(join(out, 'samples'));
  assert.equal(samples.length, 6);
  for (const png of [join(out, 'curves.png'), join(out, 'samples', samples[0]!)]) assert.ok(decodePng(readFileSync(png)).width > 64);

  const before = readdirSync(out).sort();
  assertOneLineError(await cli(['demo', '--seconds', '2', '--out', out]), 2, 'demo');
  assert.deepEqual(readdirSync(out).sort(), before, 'nothing changed');
});
