// The engine benchmark's VGG-style net: 3 blocks of two 3x3 convs + ReLU + 2x2 max pool,
// 1x1 class scores, 8x learnable upsampling (FCN-32s-like). Mirror: reference/nets.py vgg_small.
import { Conv2d, ConvTranspose2d, MaxPool2d, Module, ReLU, Sequential } from '../../src/nn/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { chain } from './chain.js';

export interface NetOptions {
  inplace: boolean;
  /** Dispose intermediates inside forward (see chain.ts). */
  eager: boolean;
}

export class VggSmall extends Module {
  readonly layers: Sequential;
  readonly #eager: boolean;

  constructor(inChannels: number, classes: number, options: NetOptions) {
    super();
    const layers: Module<any, any>[] = [];
    let c = inChannels;
    for (const width of [32, 64, 128]) {
      for (let i = 0; i < 2; i++) {
        layers.push(new Conv2d(c, width, 3, { padding: 1 }), new ReLU({ inplace: options.inplace }));
        c = width;
      }
      layers.push(new MaxPool2d(2));
    }
    layers.push(new Conv2d(c, classes, 1));
    layers.push(new ConvTranspose2d(classes, classes, 16, { stride: 8, padding: 4, bias: false }));
    this.layers = this.registerModule('layers', new Sequential(...layers));
    this.#eager = options.eager;
  }

  forward(x: Tensor): Tensor {
    return chain(this.layers, x, this.#eager);
  }
}
