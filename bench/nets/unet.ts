// U-Net with 'same' 3x3 convs (optionally BatchNorm), 2x2 max pools, 2x2 transposed-conv
// upsampling and skips by concatenation. Mirror: reference/nets.py UNet (same creation order).
import { BatchNorm2d, Conv2d, ConvTranspose2d, Module, ModuleList, ReLU, Sequential } from '../../src/nn/index.js';
import * as F from '../../src/nn/functional.js';
import { cat, type Tensor } from '../../src/torch/index.js';
import { chain } from './chain.js';
import type { NetOptions } from './vgg-small.js';

export interface UNetOptions extends NetOptions {
  base: number;
  depth: number;
  batchNorm: boolean;
}

function doubleConv(cin: number, cout: number, o: UNetOptions): Sequential {
  const layers: Module<any, any>[] = [];
  for (const c of [cin, cout]) {
    layers.push(new Conv2d(c, cout, 3, { padding: 1, bias: !o.batchNorm }));
    if (o.batchNorm) layers.push(new BatchNorm2d(cout));
    layers.push(new ReLU({ inplace: o.inplace }));
  }
  return new Sequential(...layers);
}

export class UNet extends Module {
  readonly down: ModuleList;
  readonly up: ModuleList;
  readonly dec: ModuleList;
  readonly head: Conv2d;
  readonly #eager: boolean;

  constructor(inChannels: number, classes: number, o: UNetOptions) {
    super();
    const widths = Array.from({ length: o.depth + 1 }, (_, i) => o.base * 2 ** i);
    this.down = this.registerModule('down', new ModuleList());
    let c = inChannels;
    for (const w of widths) {
      this.down.append(doubleConv(c, w, o));
      c = w;
    }
    this.up = this.registerModule('up', new ModuleList());
    this.dec = this.registerModule('dec', new ModuleList());
    for (const w of widths.slice(0, -1).reverse()) {
      this.up.append(new ConvTranspose2d(c, w, 2, { stride: 2 }));
      this.dec.append(doubleConv(2 * w, w, o));
      c = w;
    }
    this.head = this.registerModule('head', new Conv2d(c, classes, 1));
    this.#eager = o.eager;
  }

  forward(x: Tensor): Tensor {
    const eager = this.#eager;
    const drop = (t: Tensor): void => {
      if (eager && t !== x) t.dispose();
    };
    const skips: Tensor[] = [];
    let h = x;
    const blocks = [...this.down] as Sequential[];
    blocks.forEach((block, i) => {
      const input = h;
      h = chain(block, h, eager);
      drop(input);
      if (i < blocks.length - 1) {
        skips.push(h);
        h = F.maxPool2d(h, 2);
      }
    });
    const ups = [...this.up] as ConvTranspose2d[];
    const decs = [...this.dec] as Sequential[];
    for (let i = 0; i < ups.length; i++) {
      const u = ups[i]!.forward(h);
      drop(h);
      const skip = skips.pop()!;
      const joined = cat([u, skip], 1);
      drop(u);
      drop(skip);
      h = chain(decs[i]!, joined, eager);
      drop(joined);
    }
    const out = this.head.forward(h);
    drop(h);
    return out;
  }
}
