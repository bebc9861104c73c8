// SyncBatchNorm: BatchNorm2d whose training statistics cover the global batch (every rank's
// share), for batches too small per rank for good statistics. Built from ordinary ops and one
// differentiable SUM all-reduce (its gradient is the all-reduce of the gradients), so autograd
// derives the backward that PyTorch's SyncBatchNorm writes by hand: two all-reduces forward
// (sums and counts, then squared deviations) and their two adjoints backward.
import { BatchNorm2d, type Module } from '../nn/index.js';
import { cat, full, noGrad, Tensor } from '../torch/index.js';
import { distAddon } from './addon.js';
import type { ProcessGroup } from './group.js';

function allReduceSum(group: ProcessGroup, x: Tensor): Tensor {
  return new Tensor(distAddon().allReduceSumDifferentiable(group.handle, x.handle));
}

/** The forward of a BatchNorm2d in training mode with statistics over all ranks. */
export function syncBatchNorm2d(bn: BatchNorm2d, x: Tensor, group: ProcessGroup): Tensor {
  if (x.ndim !== 4) throw new Error(`SyncBatchNorm: expected a 4-d input (N, C, H, W), got ${x}`);
  const c = bn.numFeatures;
  if (x.size(1) !== c) throw new Error(`SyncBatchNorm: expected ${c} channels, got ${x}`);
  const shape = [1, c, 1, 1];
  const localCount = x.numel / c;
  const sums = allReduceSum(group, cat([x.sum([0, 2, 3]), full([1], localCount, { dtype: x.dtype })]));
  const count = sums.narrow(0, c, 1).item();
  if (count <= 1) throw new Error(`SyncBatchNorm: expected more than 1 value per channel over all ranks when training, got ${count}`);
  const mean = sums.narrow(0, 0, c).div(count);
  const centred = x.sub(mean.view(shape));
  const variance = allReduceSum(group, centred.square().sum([0, 2, 3])).div(count);
  let scale = variance.add(bn.eps).rsqrt();
  if (bn.weight) scale = scale.mul(bn.weight);
  let y = centred.mul(scale.view(shape));
  if (bn.bias) y = y.add(bn.bias.view(shape));
  if (bn.trackRunningStats) {
    noGrad(() => {
      bn.numBatchesTracked!.add_(1);
      const m = bn.momentum ?? 1 / bn.numBatchesTracked!.item();
      bn.runningMean!.mul_(1 - m).add_(mean, m);
      // The running variance is unbiased, as in BatchNorm2d.
      bn.runningVar!.mul_(1 - m).add_(variance.mul(count / (count - 1)), m);
    });
  }
  return y;
}

/**
 * Makes every BatchNorm2d in the tree synchronise its training statistics over the group
 * (eval mode is unchanged: running statistics). Returns a function that undoes it. Convert
 * before registering forward hooks on those layers.
 */
export function convertSyncBatchNorm(module: Module<any, any>, group: ProcessGroup): () => void {
  const patched: BatchNorm2d[] = [];
  for (const [, m] of module.namedModules()) {
    if (!(m instanceof BatchNorm2d) || Object.prototype.hasOwnProperty.call(m, 'forward')) continue;
    const plain = m.forward;
    const forward = (x: Tensor): Tensor => (m.training && group.worldSize > 1 ? syncBatchNorm2d(m, x, group) : plain.call(m, x));
    Object.defineProperty(m, 'forward', { value: forward, configurable: true, writable: true });
    patched.push(m);
  }
  return () => {
    for (const m of patched) delete (m as { forward?: unknown }).forward;
  };
}
