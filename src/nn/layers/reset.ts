// PyTorch 1.13's default initialisation of Conv*, ConvTranspose* and Linear layers, drawing
// in the same order (weight, then bias) so a given seed yields PyTorch's exact weights.
import type { Tensor } from '../../torch/index.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';

/** weight ~ kaiming_uniform(a = sqrt(5)), i.e. U(±1/sqrt(fanIn)); bias ~ U(±1/sqrt(fanIn)). */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias === null) return;
  const { fanIn } = calculateFanInAndFanOut(weight);
  if (fanIn !== 0) {
    const bound = 1 / Math.sqrt(fanIn);
    uniform_(bias, -bound, bound);
  }
}
