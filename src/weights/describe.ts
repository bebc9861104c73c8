// What a weight file says about the model it fits, read from its tensor shapes: the VGG depth,
// widths, BatchNorm, the classes of its output layer, which FCN it is; so a model can be built
// to take the file without the user repeating what the file already says.
import type { VggDepth } from '../models/vgg.js';
import { vggConvs } from './layers.js';
import { plainShapes } from './layout.js';
import { fcnStride, type ResolvedMapping } from './match.js';

export interface WeightsDescription {
  /** The model name the file holds when it says so: a pixelwise checkpoint's, an FCN's stride, a VGG classifier's depth. */
  modelName: string | null;
  family: 'vgg' | 'fcn';
  depth: VggDepth | null;
  batchNorm: boolean;
  inChannels: number | null;
  baseWidth: number | null;
  fcWidth: number | null;
  /** Outputs of the classifier (fc8) or of an FCN's score layer, when the file has one. */
  outputs: number | null;
}

/** (out, in) of a layer's weight in the file, whatever its layout. */
function outIn(r: ResolvedMapping, layer: string): [number, number] | null {
  const t = r.layers.get(layer)?.tensors.weight;
  if (!t) return null;
  const shapes = plainShapes(t.shape, 'weight');
  // Caffe's legacy InnerProduct blobs are (1, 1, out, in); convolutions are (out, in, kh, kw) even with one output.
  const s = shapes.length > 1 && r.layers.get(layer)?.name.startsWith('fc') ? shapes[1]! : shapes[0]!;
  if (r.mapping.layout === 'torch') return s.length >= 2 ? [s[0]!, s[1]!] : null;
  // TF: kernels (kh, kw, in, out), dense (in, out).
  return s.length >= 2 ? [s[s.length - 1]!, s[s.length - 2]!] : null;
}

export function describeWeights(r: ResolvedMapping): WeightsDescription {
  const first = outIn(r, 'conv1_1');
  const fc6 = outIn(r, 'fc6');
  const head = outIn(r, 'score_fr') ?? outIn(r, 'fc8');
  const stride = fcnStride(r);
  let modelName: string | null = r.model?.name ?? null;
  if (!modelName && stride) modelName = `fcn${stride}s`;
  if (!modelName && r.mapping.family === 'vgg' && r.depth && r.layers.has('fc8')) modelName = `vgg${r.depth}`;
  return {
    modelName,
    family: stride ? 'fcn' : r.mapping.family,
    depth: r.depth,
    batchNorm: r.batchNorm,
    inChannels: first?.[1] ?? null,
    baseWidth: first?.[0] ?? null,
    fcWidth: fc6?.[0] ?? null,
    outputs: head?.[0] ?? null,
  };
}

/**
 * createModel options that make `modelName` take the file: the backbone (FCN), encoder (U-Net)
 * or depth (VGG) and the widths it has; the number of classes of its output layer where the
 * model has that layer. Options the user gave win (a mismatch then shows in the report).
 */
export function modelOptionsFor(modelName: string, d: WeightsDescription, given: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const vgg = d.depth ? (`vgg${d.depth}` as const) : null;
  const widths = (): void => {
    if (d.baseWidth) o.baseWidth = d.baseWidth;
    if (d.inChannels) o.inChannels = d.inChannels;
  };
  if (modelName === 'vgg16' || modelName === 'vgg19') {
    if (vgg && vgg !== modelName) throw new Error(`the weights hold a VGG${d.depth} (${vggConvs(d.depth!).length} convolutions), not ${modelName}`);
    widths();
    if (d.fcWidth) o.fcWidth = d.fcWidth;
    if (d.outputs && d.family === 'vgg') o.numClasses = d.outputs;
    if (d.batchNorm) o.batchNorm = true;
  } else if (/^fcn(8|16|32)s$/.test(modelName)) {
    if (vgg) o.backbone = vgg;
    widths();
    if (d.fcWidth) o.fcWidth = d.fcWidth;
    if (d.outputs && d.family === 'fcn') o.numClasses = d.outputs;
    if (d.batchNorm) o.batchNorm = true;
  } else if (modelName === 'unet') {
    if (vgg && (vgg === 'vgg16' || vgg === 'vgg19') && given.variant === undefined && given.depth === undefined) {
      o.encoder = vgg;
      widths();
    }
  }
  return { ...o, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}
