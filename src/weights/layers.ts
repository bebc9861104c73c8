// The vocabulary both sides of a mapping share: VGG's layers by their paper names (conv1_1 ...
// conv5_4, fc6, fc7, fc8) and the FCN reference nets' head layers (score_fr, upscore2, ...).
// A foreign file names these layers its own way (mappings.ts); a zoo model holds them under its
// own parameter names (targets.ts).
import { VGG_BLOCKS, type VggDepth } from '../models/vgg.js';

/** The FCN reference nets' layers after fc7 (Caffe names, also pytorch-fcn's). */
export const FCN_HEADS = ['score_fr', 'upscore2', 'score_pool4', 'upscore_pool4', 'score_pool3', 'upscore8', 'upscore16', 'upscore'] as const;
export type FcnHead = (typeof FCN_HEADS)[number];

/** VGG's classifier layers, as convolutions in FCNs (fc6 7x7, fc7 1x1) or linear layers in VGG. */
export const FC_LAYERS = ['fc6', 'fc7', 'fc8'] as const;
export type FcLayer = (typeof FC_LAYERS)[number];

export type HeadLayer = FcLayer | FcnHead;

/** What a logical layer holds: weight and bias, plus BatchNorm statistics after a convolution (torchvision's *_bn). */
export const ROLES = ['weight', 'bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'] as const;
export type Role = (typeof ROLES)[number];

/** One of VGG's convolutions in its block: conv{block}_{index}, and where torchvision's `features` holds it. */
export interface VggConv {
  name: string;
  block: number;
  index: number;
  /** Index in torchvision's features (conv, [bn,] relu per layer, a pool after each block). */
  featuresIndex: number;
}

/** The convolutions of a VGG of this depth, in order (torchvision indices with or without BatchNorm). */
export function vggConvs(depth: VggDepth, batchNorm = false): VggConv[] {
  const out: VggConv[] = [];
  let at = 0;
  VGG_BLOCKS[depth].forEach((count, b) => {
    for (let i = 1; i <= count; i++) {
      out.push({ name: `conv${b + 1}_${i}`, block: b + 1, index: i, featuresIndex: at });
      at += batchNorm ? 3 : 2;
    }
    at += 1; // the block's pool
  });
  return out;
}

/** VGG depths a file is tried as, deepest first. */
export const VGG_DEPTHS: readonly VggDepth[] = [19, 16, 13, 11];
