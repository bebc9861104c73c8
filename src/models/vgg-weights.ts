// Loading ImageNet VGG weights saved as safetensors under torchvision's names (for any format and
// any model of the zoo, weights/ has loadWeights).
import { loadSafetensors } from '../io/safetensors.js';
import type { VGG } from './vgg.js';

export interface LoadVggWeightsOptions {
  /** Also load the 1000-class fc8 (classifier.6); false keeps the model's own head, e.g. for fine-tuning. */
  head?: boolean;
}

/**
 * Copies the VGG weights in a safetensors file into `model` (every key must match). Returns the keys loaded.
 * @example
 *   const vgg = vgg16();
 *   loadVggWeights(vgg, 'vgg16.safetensors'); // e.g. written by pixelwise convert vgg16-397923af.pth
 */
export function loadVggWeights(model: VGG, path: string, options: LoadVggWeightsOptions = {}): string[] {
  const { tensors } = loadSafetensors(path);
  try {
    const head = options.head ?? true;
    if (!head) {
      for (const key of ['classifier.6.weight', 'classifier.6.bias']) {
        tensors.get(key)?.dispose();
        tensors.delete(key);
      }
    }
    const { depth, batchNorm } = model.config;
    const what = `VGG${depth}${batchNorm ? '-BN' : ''} weights under torchvision's names (pixelwise convert FILE --model vgg${depth} writes them from any format)`;
    const own = [...model.stateDict().keys()].filter((k) => head || !k.startsWith('classifier.6.'));
    // torchvision's *_bn weights predate BatchNorm's step counter; PyTorch loads them with it at 0, so do we.
    const missing = own.filter((k) => !tensors.has(k) && !k.endsWith('.num_batches_tracked'));
    const unexpected = [...tensors.keys()].filter((k) => !own.includes(k));
    if (missing.length || unexpected.length) {
      const list = (keys: string[]): string => (keys.length > 6 ? `${keys.slice(0, 6).join(', ')}, ... (${keys.length} in all)` : keys.join(', '));
      const parts = [missing.length ? `missing ${list(missing)}` : '', unexpected.length ? `unexpected ${list(unexpected)}` : ''];
      throw new Error(`${path}: expected ${what}; ${parts.filter(Boolean).join('; ')}`);
    }
    try {
      model.loadStateDict(tensors, { strict: false });
    } catch (err) {
      throw new Error(`${path}: expected ${what}: ${(err as Error).message}`);
    }
    return [...tensors.keys()];
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
