// Opt-in slow check (`npm run test:slow`): a training loop that never yields to the event loop
// keeps its resident memory flat. Before handles stopped needing N-API finalizers (which Node
// 20 runs only when the event loop turns, see native/handles.cc), RSS grew by ~12 KB per step
// here: 16,000 steps took it from ~230 MB to ~430 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, memory, randint, randn, setNumThreads, tidy } from '../../src/torch/index.js';
import { Conv2d, ReLU, Sequential } from '../../src/nn/index.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/optim/index.js';

const STEPS = 16000;
const WARMUP = 2000;

test(`${STEPS} synchronous Adam steps keep RSS flat within 10% after warm-up`, () => {
  setNumThreads(1);
  manualSeed(0);
  const model = new Sequential(new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new Conv2d(8, 2, 3, { padding: 1 }));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([2, 1, 16, 16]).keep();
  const y = randint(0, 2, [2, 16, 16]).keep();
  let warm = 0;
  let warmMemory: ReturnType<typeof memory> | undefined;
  const samples: number[] = [];
  let first = NaN;
  let last = NaN;
  for (let step = 1; step <= STEPS; step++) {
    last = tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    if (step === 1) first = last;
    if (step === WARMUP) {
      warm = process.memoryUsage().rss;
      warmMemory = memory();
    }
    if (step > WARMUP && step % 1000 === 0) samples.push(process.memoryUsage().rss);
  }
  const worst = Math.max(...samples);
  const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
  assert.ok(worst <= warm * 1.1, `RSS grew from ${mb(warm)} MB after ${WARMUP} steps to ${mb(worst)} MB (samples: ${samples.map(mb).join(', ')})`);
  assert.deepEqual(memory(), warmMemory, 'live tensors, native bytes and handle slots unchanged after warm-up');
  assert.ok(last < first, `the model trained (loss ${first} -> ${last})`);
  x.dispose();
  y.dispose();
});
