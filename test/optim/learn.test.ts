import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, memory, noGrad, rand, tidy, type Tensor } from '../../src/torch/index.js';
import { Conv2d, ReLU, Sequential, functional as F } from '../../src/nn/index.js';
import { Adam, PolyLR, SGD } from '../../src/optim/index.js';

/** The toy task: a pixel is class 1 when brighter than the mean of its 3x3 neighbourhood (zero padded). */
function batch(n: number): { x: Tensor; y: Tensor } {
  return tidy(() => {
    const x = rand([n, 1, 16, 16]);
    const mean = F.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: true });
    return { x, y: x.gt(mean).squeeze(1).long() };
  });
}

function pixelAccuracy(net: Sequential, x: Tensor, y: Tensor): number {
  return noGrad(() => tidy(() => net.forward(x).argmax(1).eq(y).float().mean().item()));
}

// Seeds 0-3 give a 23-28x lower loss and 0.998-0.999 accuracy here; the bounds leave room for other builds.
test('a tiny conv net learns a toy segmentation task end to end', () => {
  manualSeed(0);
  const net = new Sequential(new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new Conv2d(8, 2, 1));
  const steps = 300;
  const opt = new Adam(net.parameters(), { lr: 0.05 });
  const schedule = new PolyLR(opt, { maxIters: steps, power: 0.9 });
  const test = batch(64);
  const lossOf = (x: Tensor, y: Tensor) => noGrad(() => tidy(() => F.crossEntropy(net.forward(x), y).item()));
  const initialLoss = lossOf(test.x, test.y);
  const live = memory().liveTensors;
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      const { x, y } = batch(16);
      opt.zeroGrad();
      F.crossEntropy(net.forward(x), y).backward();
      opt.step();
      schedule.step();
    });
    if (i === 0) assert.ok(memory().liveTensors > live, 'Adam state exists after the first step');
    if (i === 1) assert.equal(memory().liveTensors, live + 3 * net.parameters().length, 'three state tensors per parameter');
  }
  const finalLoss = lossOf(test.x, test.y);
  const accuracy = pixelAccuracy(net, test.x, test.y);
  assert.ok(finalLoss * 10 <= initialLoss, `loss fell from ${initialLoss} to ${finalLoss}, expected >= 10x`);
  assert.ok(accuracy > 0.95, `pixel accuracy ${accuracy}, expected > 0.95`);
  assert.equal(opt.paramGroups[0]!.lr, 0, 'the poly schedule ends at 0');
  opt.dispose();
  net.dispose();
  test.x.dispose();
  test.y.dispose();
});

test('frozen parameters in a single parameter group stay unchanged', () => {
  manualSeed(1);
  const net = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new Conv2d(4, 2, 1));
  const first = net.at(0) as Conv2d;
  first.requiresGrad_(false); // freeze the first layer; the optimizer still lists its tensors
  const opt = new SGD(net.parameters(), { lr: 0.5, momentum: 0.9, weightDecay: 1e-3 });
  const frozenBefore = first.parameters().map((p) => p.clone());
  const trainable = (net.at(2) as Conv2d).parameters();
  const trainableBefore = trainable.map((p) => p.clone());
  for (let i = 0; i < 5; i++) {
    tidy(() => {
      const { x, y } = batch(4);
      opt.zeroGrad();
      F.crossEntropy(net.forward(x), y).backward();
      opt.step();
    });
  }
  first.parameters().forEach((p, i) => assert.ok(p.allclose(frozenBefore[i]!, 0, 0), `frozen ${i} unchanged`));
  trainable.forEach((p, i) => assert.ok(!p.allclose(trainableBefore[i]!, 0, 0), `trainable ${i} changed`));
  assert.equal(opt.stateDict().tensors.size, trainable.length, 'momentum only for trained parameters');
  for (const t of [...frozenBefore, ...trainableBefore]) t.dispose();
  opt.dispose();
  net.dispose();
});
