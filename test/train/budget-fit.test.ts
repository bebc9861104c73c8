// --fit-budget: the run's length in epochs follows its time budget, and the lr schedule is
// stretched over it. The arithmetic, the schedules' setLength, and a tiny run end to end on a
// clock of the test's own (so nothing depends on the machine's speed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeros } from '../../src/torch/index.js';
import { CosineAnnealingLR, LinearWarmup, PolyLR, SGD, type LRScheduler } from '../../src/optim/index.js';
import { epochsInBudget } from '../../src/train/budget-fit.js';
import { prepareResume, prepareRun, type TrainRunOptions } from '../../src/train/run.js';
import { loadTrainingCheckpoint } from '../../src/train/training-state.js';
import { disposeCheckpoint } from '../../src/checkpoint/file.js';
import type { ProgressEvent } from '../../src/io/progress.js';
import { TINY_RUN } from '../cli/helpers.js';

test('epochsInBudget: the epochs done plus the whole ones that fit in the rest, rounded, at most the cap', () => {
  // 3 epochs in 30 s of a 100 s budget: 7 more fit.
  assert.equal(epochsInBudget({ done: 3, sessionEpochs: 3, elapsed: 30, budget: 100, cap: 50 }), 10);
  // 6.6 more -> 7 (the budget cuts the last one a little short); 6.4 -> 6.
  assert.equal(epochsInBudget({ done: 1, sessionEpochs: 1, elapsed: 10, budget: 76, cap: 50 }), 8);
  assert.equal(epochsInBudget({ done: 1, sessionEpochs: 1, elapsed: 10, budget: 74, cap: 50 }), 7);
  assert.equal(epochsInBudget({ done: 3, sessionEpochs: 3, elapsed: 30, budget: 100, cap: 8 }), 8);
  // Over budget already: no more epochs. A resumed run counts its earlier epochs but times this session's.
  assert.equal(epochsInBudget({ done: 4, sessionEpochs: 4, elapsed: 120, budget: 100, cap: 50 }), 4);
  assert.equal(epochsInBudget({ done: 12, sessionEpochs: 2, elapsed: 20, budget: 100, cap: 50 }), 20);
});

for (const [name, make] of [
  ['PolyLR', (opt: SGD, n: number) => new PolyLR(opt, { maxIters: n })],
  ['CosineAnnealingLR', (opt: SGD, n: number) => new CosineAnnealingLR(opt, { tMax: n })],
  ['LinearWarmup(PolyLR)', (opt: SGD, n: number) => new LinearWarmup(new PolyLR(opt, { maxIters: n }), { warmupIters: 5 })],
] as [string, (opt: SGD, n: number) => LRScheduler][]) {
  test(`${name}.setLength: from then on, the lrs of a schedule made with that length`, () => {
    const run = (first: number, then: number | null) => {
      const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 });
      const s = make(opt, first);
      const lrs: number[] = [];
      for (let i = 0; i < 30; i++) {
        if (i === 3 && then !== null) s.setLength(then);
        lrs.push(opt.paramGroups[0]!.lr);
        s.step();
      }
      return lrs.slice(3);
    };
    assert.deepEqual(run(100, 40), run(40, null));
    assert.notDeepEqual(run(100, null), run(40, null));
  });
}

test('a run with fitBudget plans its epochs by the budget, ends its schedule with it, and a resume keeps the plan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-fit-budget-'));
  const lines: string[] = [];
  // A clock of the test's own: each training step takes one second (2 steps per epoch), so
  // the plan is the same on any machine: after epoch 1, 2 s per epoch -> 9 more fit in 20 s.
  let clock = 0;
  const options = {
    ...TINY_RUN,
    lr: 0.01,
    schedule: 'poly',
    epochs: 1000,
    timeBudget: 20,
    fitBudget: true,
    out: join(dir, 'run'),
    log: (l: string) => lines.push(l),
    onProgress: (e: ProgressEvent) => {
      if (e.task.startsWith('epoch') && e.done > 0 && !e.finished) clock += 1000;
    },
  } as TrainRunOptions;
  try {
    const run = await prepareRun(options);
    run.trainer.o.now = () => clock;
    let result;
    try {
      result = await run.trainer.run();
    } finally {
      await run.close();
    }
    assert.deepEqual(
      lines.filter((l) => l.startsWith('fitting')),
      ['fitting the 20 s budget: 10 epoch(s) in all at 2 s per epoch so far'],
    );
    assert.equal(result.stoppedBy, 'epochs');
    assert.deepEqual(result.history.map((r) => r.epoch), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // poly over 10 epochs of 2 steps: it ends at 0 with the last step.
    assert.equal(result.history.at(-1)!.lr, 0);
    const c = loadTrainingCheckpoint(join(dir, 'run', 'checkpoints', 'last.safetensors'));
    try {
      assert.equal(c.config.training!.fittedEpochs, 10);
      assert.equal(c.config.training!.epochs, 1000, 'the cap stays what was asked');
    } finally {
      disposeCheckpoint(c);
    }
    const resumed = await prepareResume(join(dir, 'run'), { log: () => undefined });
    try {
      assert.equal(resumed.summary.epochs, 10);
      assert.equal(resumed.complete, true);
    } finally {
      await resumed.close();
    }
    await assert.rejects(prepareRun({ ...options, timeBudget: null, out: join(dir, 'other') }), /needs a timeBudget/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
