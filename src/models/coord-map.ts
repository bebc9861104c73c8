// Where each output pixel of a layer sits in input coordinates, as an affine map
// (Caffe's coord_map idea). Composing the maps of a network's layers gives the crop
// offsets FCN needs to align skip connections and to cut the output back to the input
// size, for any input size, without typing magic numbers.
import { Conv2d, ConvTranspose2d, MaxPool2d, Sequential, type Module, type Pair } from '../nn/index.js';

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

// Layers that keep every pixel where it is (Caffe's pass-through layers).
const PASS_THROUGH = new Set(['ReLU', 'LeakyReLU', 'Sigmoid', 'Tanh', 'BatchNorm2d', 'Dropout', 'Dropout2d', 'Identity']);

/** Explicit padding along one axis; 'same' only where it is symmetric (stride 1, odd extent). */
function axisPadding(layer: string, padding: Pair | 'same' | 'valid', kernel: number, stride: number, dilation: number, axis: 0 | 1): number {
  if (padding === 'valid') return 0;
  if (padding === 'same') {
    const extent = dilation * (kernel - 1);
    if (stride !== 1 || extent % 2 !== 0) {
      throw new Error(`coordinate map of ${layer}: 'same' padding with stride ${stride} and kernel ${kernel} depends on the input size`);
    }
    return extent / 2;
  }
  return padding[axis];
}

/** The coordinate map of one layer along axis 0 (height) or 1 (width). */
export function layerCoordMap(m: Module<any, any>, axis: 0 | 1 = 0): CoordMap {
  if (m instanceof Conv2d || m instanceof MaxPool2d) {
    const name = m.typeName;
    const [k, s, d] = [m.kernelSize[axis], m.stride[axis], m.dilation[axis]];
    return convMap({ kernel: k, stride: s, dilation: d, padding: axisPadding(name, m.padding, k, s, d, axis) });
  }
  if (m instanceof ConvTranspose2d) {
    if (m.padding === 'same') throw new Error("coordinate map of ConvTranspose2d: 'same' padding crops by the input size; use explicit padding");
    const [k, s, d] = [m.kernelSize[axis], m.stride[axis], m.dilation[axis]];
    return deconvMap({ kernel: k, stride: s, dilation: d, padding: axisPadding(m.typeName, m.padding, k, s, d, axis) });
  }
  if (PASS_THROUGH.has(m.typeName)) return IDENTITY;
  if (m instanceof Sequential) return sequenceCoordMap(m.children(), axis);
  throw new Error(`coordinate map: no rule for layer type ${m.typeName}`);
}

/** The map of layers applied one after the other. */
export function sequenceCoordMap(layers: Iterable<Module<any, any>>, axis: 0 | 1 = 0): CoordMap {
  return composeAll([...layers].map((m) => layerCoordMap(m, axis)));
}
