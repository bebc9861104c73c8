// The kernels of one layer as a picture (the TGS salt tutorial's print_filter): convolution and
// transposed-convolution weights, and the VGG classifier's fc layers viewed as convolutions.
import { tidy } from '../torch/index.js';
import { Conv2d, ConvTranspose2d } from '../nn/layers/conv.js';
import { LinearConv2d } from '../models/vgg.js';
import type { ZooModel } from '../models/contract.js';
import type { RawImage } from '../image/types.js';
import { filterGrid, type FilterGridOptions } from '../viz/grid.js';
import { findLayer, listLayers } from './layers.js';

export interface LayerKernels {
  layer: string;
  type: string;
  /** (out, in, kh, kw), row-major; transposed convolutions are swapped into this order. */
  shape: [number, number, number, number];
  data: Float32Array;
}

/** Whether a layer holds convolution kernels filterGrid can draw. */
export function hasKernels(model: ZooModel, name: string): boolean {
  const m = model.getSubmodule(name);
  return m instanceof Conv2d || m instanceof ConvTranspose2d || m instanceof LinearConv2d;
}

/**
 * A layer's kernels as (out, in, kh, kw); other layers are an error that names the ones with kernels.
 * @example
 *   writePng('filters.png', filterImage(layerKernels(model, 'encoder.0.conv1')));
 */
export function layerKernels(model: ZooModel, name: string): LayerKernels {
  const m = findLayer(model, name);
  const data = tidy(() => {
    if (m instanceof Conv2d) return m.weight.float().contiguous();
    if (m instanceof ConvTranspose2d) return m.weight.float().transpose(0, 1).contiguous();
    if (m instanceof LinearConv2d) return m.convWeight().float().contiguous();
    return null;
  });
  if (!data) {
    const withKernels = listLayers(model).filter((l) => hasKernels(model, l.name)).map((l) => l.name);
    throw new Error(`layer '${name}' (${m.typeName}) has no convolution kernels; layers with filters: ${withKernels.join(', ')}`);
  }
  try {
    const shape = data.shape as [number, number, number, number];
    return { layer: name, type: m.typeName, shape, data: data.data() as Float32Array };
  } finally {
    data.dispose();
  }
}

/**
 * The filter grid of a layer, titled with its name, type and kernel shape. By default about 256
 * tiles: the first 64 output channels with as many input channels as fit (at least one).
 */
export function filterImage(kernels: LayerKernels, options: FilterGridOptions = {}): RawImage {
  const [o, i, kh, kw] = kernels.shape;
  const outs = options.outChannels?.length ?? Math.min(o, 64);
  const inChannels = options.inChannels ?? Array.from({ length: Math.min(i, 64, Math.max(1, Math.floor(256 / outs))) }, (_, k) => k);
  // One output channel would make a single long row: wrap its inputs into a square instead.
  const cols = outs === 1 ? Math.ceil(Math.sqrt(inChannels.length)) : undefined;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return filterGrid(kernels.data, kernels.shape, { title: `${kernels.layer} (${kernels.type}) ${o}x${i}x${kh}x${kw}`, inChannels, ...(cols ? { cols } : {}), ...given });
}
