// The skip-connection layers of FCN as modules (Caffe's Crop and Eltwise SUM), so that crops and
// fusions appear in summaries and forward hooks under their own names (scorePool4c, fusePool4, ...).
import type { Tensor } from '../torch/index.js';
import { Module, type Pair } from '../nn/index.js';

/**
 * Cuts x (N, C, H, W) to the height and width of `reference`, starting at a fixed offset
 * (rows, columns): Caffe's Crop layer. The offsets come from the layers' coordinate maps.
 */
export class Crop extends Module<[x: Tensor, reference: Tensor]> {
  readonly offset: Pair;
  /** Copy the cropped view into its own (dense) memory, as a network output should be. */
  readonly contiguous: boolean;

  constructor(offset: Pair, options: { contiguous?: boolean } = {}) {
    super();
    if (!offset.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new Error(`Crop: offsets must be non-negative integers, got [${offset}]`);
    }
    this.offset = [offset[0], offset[1]];
    this.contiguous = options.contiguous ?? false;
  }

  forward(x: Tensor, reference: Tensor): Tensor {
    const [h, w] = [reference.size(-2), reference.size(-1)];
    const [top, left] = this.offset;
    if (x.ndim !== 4 || x.size(2) < top + h || x.size(3) < left + w) {
      throw new Error(`Crop: cannot cut ${h}x${w} at offset (${top}, ${left}) from ${x}`);
    }
    const channelsLast = this.contiguous && x.isContiguous('channelsLast') && !x.isContiguous();
    const rows = x.narrow(2, top, h);
    try {
      const view = rows.narrow(3, left, w);
      if (!this.contiguous) return view;
      try {
        return view.contiguous(channelsLast ? 'channelsLast' : 'contiguous');
      } finally {
        view.dispose();
      }
    } finally {
      rows.dispose();
    }
  }

  override extraRepr(): string {
    return `offset=(${this.offset[0]}, ${this.offset[1]})${this.contiguous ? ', contiguous=true' : ''}`;
  }
}

/** Elementwise sum of two maps of the same shape (Caffe's Eltwise SUM, Keras' add). */
export class Add extends Module<[a: Tensor, b: Tensor]> {
  forward(a: Tensor, b: Tensor): Tensor {
    const [sa, sb] = [a.shape, b.shape];
    if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
      throw new Error(`Add: the two maps must have the same shape, got [${sa}] and [${sb}]`);
    }
    return a.add(b);
  }
}
