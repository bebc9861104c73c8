// Runs layers one after the other. With `eager`, each intermediate handle is disposed as soon
// as the next layer has consumed it, as Python drops a local the moment it is rebound;
// autograd still holds whatever backward needs. Without it, intermediates live until the
// enclosing tidy() closes (the idiomatic pixelwise code, and what Sequential does).
import type { Tensor } from '../../src/torch/index.js';
import type { Module } from '../../src/nn/index.js';

export function chain(layers: Iterable<Module<any, any>>, x: Tensor, eager: boolean): Tensor {
  let h = x;
  for (const layer of layers) {
    const next = layer.forward(h) as Tensor;
    if (eager && h !== x && next !== h) h.dispose();
    h = next;
  }
  return h;
}
