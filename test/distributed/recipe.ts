// The training recipe both sides of the data-parallel tests run: a small conv net (optionally
// with BatchNorm, optionally channels_last) on a seeded toy segmentation set, SGD with
// momentum, batches taken from a DistributedSampler. One process with the global batch and N
// ranks with a share each must follow the same loss curve.
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential, functional as F } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { manualSeed, rand, tensor, tidy, type Tensor } from '../../src/torch/index.js';
import { DistributedSampler } from '../../src/distributed/index.js';

export interface Recipe {
  /** Samples in the data set. */
  samples: number;
  /** Global batch (split evenly over the ranks). */
  batch: number;
  steps: number;
  batchNorm: boolean;
  channelsLast: boolean;
  /** Seed of the model's initial weights. */
  modelSeed: number;
}

export const RECIPE: Recipe = { samples: 160, batch: 8, steps: 20, batchNorm: false, channelsLast: false, modelSeed: 1 };

export function makeModel(r: Recipe, seed = r.modelSeed): Module {
  manualSeed(seed);
  const layers: Module<any, any>[] = [new Conv2d(3, 8, 3, { padding: 1 }), new ReLU(), new Conv2d(8, 8, 3, { padding: 1 })];
  if (r.batchNorm) layers.push(new BatchNorm2d(8));
  layers.push(new ReLU(), new Conv2d(8, 2, 1));
  const model = new Sequential(...layers);
  if (r.channelsLast) model.to({ memoryFormat: 'channelsLast' });
  return model;
}

/** Pixel is class 1 when brighter (summed over channels) than its 3x3 neighbourhood's mean. */
export function makeData(r: Recipe): { images: Tensor; labels: Tensor } {
  manualSeed(1234);
  return tidy(() => {
    const images = rand([r.samples, 3, 12, 12]);
    const gray = images.sum(1, true);
    const labels = gray.gt(F.avgPool2d(gray, 3, { stride: 1, padding: 1 })).squeeze(1).long();
    return { images, labels };
  });
}

/**
 * Runs the recipe on this rank's share (rank 0 of 1 for the single-process reference).
 * `step` does backward + gradient averaging (DDP) or just backward; returns each step's loss
 * on this rank's share.
 */
export async function train(
  r: Recipe,
  model: Module,
  rank: number,
  worldSize: number,
  backward: (loss: Tensor) => Promise<void> | void,
): Promise<number[]> {
  const { images, labels } = makeData(r);
  const sampler = new DistributedSampler(r.samples, { rank, worldSize, seed: 7 });
  const order = sampler.indices(0);
  const per = r.batch / worldSize;
  const opt = new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
  const losses: number[] = [];
  model.train();
  for (let s = 0; s < r.steps; s++) {
    const idx = tensor(order.slice(s * per, (s + 1) * per), { dtype: 'int64' });
    const loss = tidy(() => F.crossEntropy(model.forward(images.indexSelect(0, idx)), labels.indexSelect(0, idx)));
    opt.zeroGrad();
    await backward(loss);
    losses.push(loss.item());
    loss.dispose();
    idx.dispose();
    opt.step();
  }
  images.dispose();
  labels.dispose();
  return losses;
}

/** Every parameter and buffer as plain numbers, by name. */
export function snapshot(model: Module): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of model.stateDict()) out[name] = Array.from(t.data() as ArrayLike<number | bigint>, Number);
  return out;
}
