// Upsample: fixed (non-learnable) resizing as a layer, e.g. in U-Net decoders.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import type { Pair } from '../geometry.js';
import { showPair } from './args.js';

export interface UpsampleOptions {
  size?: Pair;
  scaleFactor?: number | Pair;
  mode?: F.InterpolateMode;
  alignCorners?: boolean;
}

/** Resizes (N, C, H, W) to size or by scaleFactor (nearest by default), as F.interpolate. */
export class Upsample extends Module {
  readonly options: Readonly<UpsampleOptions>;

  constructor(options: UpsampleOptions) {
    super();
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new Error('Upsample: give exactly one of size and scaleFactor');
    }
    this.options = { ...options };
  }

  forward(x: Tensor): Tensor {
    return F.interpolate(x, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    const what = o.size ? `size=${showPair(o.size)}` : `scaleFactor=${typeof o.scaleFactor === 'number' ? o.scaleFactor : showPair(o.scaleFactor!)}`;
    return `${what}, mode=${o.mode ?? 'nearest'}${o.alignCorners ? ', alignCorners=true' : ''}`;
  }
}
