// Where each output pixel of a layer sits in input coordinates, as an affine map
// (Caffe's coord_map idea). Composing the maps of a network's layers gives the crop
// offsets FCN needs to align skip connections and to cut the output back to the input
// size, for any input size, without typing magic numbers.

/** top = scale * bottom + offset, along one spatial axis. */
export interface CoordMap {
  scale: number;
  offset: number;
}

export const IDENTITY: CoordMap = { scale: 1, offset: 0 };

export interface WindowGeometry {
  kernel: number;
  stride?: number;
  padding?: number;
  dilation?: number;
}

/** A convolution or pooling window: output pixel i is centred on input (i*stride - pad + extent/2). */
export function convMap(g: WindowGeometry): CoordMap {
  const stride = g.stride ?? 1;
  const extent = (g.dilation ?? 1) * (g.kernel - 1);
  return { scale: 1 / stride, offset: ((g.padding ?? 0) - extent / 2) / stride };
}

/** A transposed convolution: the inverse placement of convMap. */
export function deconvMap(g: WindowGeometry): CoordMap {
  const stride = g.stride ?? 1;
  const extent = (g.dilation ?? 1) * (g.kernel - 1);
  return { scale: stride, offset: extent / 2 - (g.padding ?? 0) };
}

/** The map of `next` applied after `first`. */
export function compose(first: CoordMap, next: CoordMap): CoordMap {
  return { scale: next.scale * first.scale, offset: next.scale * first.offset + next.offset };
}

export function composeAll(maps: readonly CoordMap[]): CoordMap {
  return maps.reduce(compose, IDENTITY);
}

/**
 * The offset at which `larger` must be cropped so its pixels line up with `reference`
 * (both maps from the same input). Throws if the two grids do not align.
 */
export function cropOffset(larger: CoordMap, reference: CoordMap): number {
  if (Math.abs(larger.scale - reference.scale) > 1e-9) {
    throw new Error(`cannot align feature maps of scales ${larger.scale} and ${reference.scale}`);
  }
  const offset = larger.offset - reference.offset;
  if (Math.abs(offset - Math.round(offset)) > 1e-9 || offset < -1e-9) {
    throw new Error(`feature maps are misaligned by ${offset} pixels (expected a non-negative integer)`);
  }
  return Math.round(offset);
}
