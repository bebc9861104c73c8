import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import { makeFolder } from '../data/make-datasets.js';
import { assertOneLineError, cli, cliAll, finished, spawnCli, tempDir } from './helpers.js';

const tiny = ['--model', 'unet', '--base-width', '4', '--depth', '2', '--batch-size', '4', '--threads', '1', '--workers', '0', '-q'];

test('train bad inputs: one-line errors, exit 2 for usage and 1 for the rest, no run folder left', async (t) => {
  const dir = tempDir(t, 'train');
  const data = join(dir, 'data');
  // 6 wide, 4 high: not a multiple of 2^2 across.
  makeFolder(data, { split: 'train', count: 2, width: 6, height: 4, numClasses: 3, classesJson: { names: ['a', 'b', 'c'] } });
  const cases: { args: string[]; code: number; message: RegExp }[] = [
    { args: ['--format', 'folder', '--data', join(dir, 'nowhere'), ...tiny], code: 1, message: /nowhere.*not found/ },
    { args: ['--format', 'pascal', '--data', data, ...tiny], code: 2, message: /--format expects one of .*got 'pascal'/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--model', 'segnet'], code: 2, message: /--model expects one of .*unet.*got 'segnet'/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--lr', 'abc'], code: 2, message: /--lr expects a number.*got 'abc'/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--epochs', '1.5'], code: 2, message: /--epochs expects an integer/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--size', 'big'], code: 2, message: /--size expects HEIGHTxWIDTH/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--class-weights', 'median'], code: 2, message: /--class-weights expects one number per class .* or median-frequency, got 'median'/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--fit-budget'], code: 2, message: /--fit-budget fits the epochs to a --time-budget/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--epochs', '1'], code: 1, message: /multiples of 4.* 4x6 .*--size 4x8/ },
    { args: ['--format', 'folder', '--data', data, ...tiny, '--model', 'vgg16'], code: 1, message: /vgg16 is an image classifier/ },
  ];
  const results = await cliAll(cases.map((c, i) => ['train', ...c.args, '--out', join(dir, `run-${i}`)]));
  cases.forEach((c, i) => {
    const line = assertOneLineError(results[i]!, c.code, 'train');
    assert.match(line, c.message);
    assert.equal(existsSync(join(dir, `run-${i}`)), false, `no run folder left behind by: ${c.args.join(' ')}`);
  });
  // --resume takes the run's settings from its checkpoint: others are refused, not ignored.
  assert.match(assertOneLineError(await cli(['train', '--resume', join(dir, 'run-0'), '--lr', '0.1']), 2, 'train'), /accepts only --epochs.*got --lr/);
  assert.match(assertOneLineError(await cli(['train', '--resume', join(dir, 'run-0'), '--epochs', '2', '--iterations', '9']), 2, 'train'), /--epochs or --iterations, not both/);
  // Without --out: a usage error too.
  assertOneLineError(await cli(['train', '--format', 'synthetic', ...tiny]), 2, 'train');
});

for (const workers of ['0', '1']) {
  test(`Ctrl-C stops after the step, saves a valid checkpoint, exits 130; --resume completes (--workers ${workers})`, async (t) => {
    await interruptAndResume(join(tempDir(t, 'train'), 'run'), workers);
  });
}

async function interruptAndResume(run: string, workers: string): Promise<void> {
  const args = [...tiny, '--workers', workers]; // the last --workers wins
  const child = spawnCli(['train', '--format', 'synthetic', '--count', '16', ...args, '--epochs', '100', '--out', run]);
  const done = finished(child);
  let sent = false;
  child.stderr!.on('data', (s: string) => {
    if (!sent && /^epoch 1\b/m.test(s)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const r = await done;
  assert.ok(sent, `no epoch line seen:\n${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupt/);
  assert.match(r.stderr, /continue with: node \S*main\.js train --resume /, 'a hint that runs as printed');
  assert.ok(!existsSync(join(run, '.pixelwise.lock')), 'the run folder is unlocked again');

  const last = join(run, 'checkpoints', 'last.safetensors');
  const checkpoint = loadTrainingCheckpoint(last);
  const state = checkpoint.trainState!;
  const config = checkpoint.config;
  disposeCheckpoint(checkpoint);
  assert.equal(config.model.name, 'unet');
  assert.ok(state.epoch >= 1 && state.epoch < 100, `epoch ${state.epoch}`);
  assert.ok(state.step >= 4, `step ${state.step}`);

  const target = state.epoch + 1;
  const resumed = await cli(['train', '--resume', run, '--epochs', String(target), '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = loadTrainingCheckpoint(last);
  const finalState = after.trainState!;
  disposeCheckpoint(after);
  assert.equal(finalState.epoch, target);
  assert.equal(finalState.extra?.batchInEpoch, 0, 'ended on a whole epoch');
  assert.equal(finalState.step, target * 4, '16 images in batches of 4: 4 steps an epoch');
  const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; complete: boolean });
  assert.equal(records.at(-1)!.epoch, target);
  assert.equal(records.at(-1)!.complete, true);
}
