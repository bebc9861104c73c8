// The zoo side of a mapping: where a model holds each logical layer (layers.ts). The VGG
// backbone is found wherever the model keeps one (VGG and FCN: `features`, the VGG-encoder U-Net:
// `encoder`), the classifier and FCN heads by the module names this table lists.
import type { Module } from '../nn/module.js';
import { BatchNorm2d, Conv2d, ConvTranspose2d, Linear } from '../nn/index.js';
import { LinearConv2d, VggFeatures, type VggDepth } from '../models/vgg.js';
import { vggConvs, type HeadLayer, type Role } from './layers.js';

/** Where each head layer lives in the zoo's models: the first module name a model has wins. */
const HEAD_MODULES: Readonly<Record<HeadLayer, readonly string[]>> = {
  fc6: ['classifier.0', 'fc6'],
  fc7: ['classifier.3', 'fc7'],
  fc8: ['classifier.6'],
  score_fr: ['scoreFr'],
  upscore2: ['upscore2'],
  score_pool4: ['scorePool4'],
  upscore_pool4: ['upscorePool4'],
  score_pool3: ['scorePool3'],
  upscore8: ['upscore8'],
  upscore16: ['upscore16'],
  upscore: ['upscore'],
};

export interface TargetLayer {
  /** The logical name (conv1_1, fc6, score_fr, ...). */
  name: string;
  /** Its module's dotted name in the model. */
  module: string;
  /** 'linear': a Linear whose weight is also a k x k convolution (VGG's classifier). */
  kind: 'conv' | 'transposed' | 'linear';
  /** The weight as a convolution kernel: (out, in, kh, kw); transposed convolutions as stored, (in, out, kh, kw). */
  kernel: [number, number, number, number];
  /** State-dict key of each role the layer has. */
  params: Partial<Record<Role, string>>;
}

export interface ZooTargets {
  layers: Map<string, TargetLayer>;
  /** The VGG backbone's depth and BatchNorm, when the model has one. */
  backbone: { prefix: string; depth: VggDepth; batchNorm: boolean } | null;
}

function kernelOf(m: Module<any, any>): { kind: TargetLayer['kind']; kernel: TargetLayer['kernel'] } | null {
  if (m instanceof ConvTranspose2d) return { kind: 'transposed', kernel: m.weight.shape as TargetLayer['kernel'] };
  if (m instanceof Conv2d) return { kind: 'conv', kernel: m.weight.shape as TargetLayer['kernel'] };
  if (m instanceof LinearConv2d) return { kind: 'linear', kernel: [m.outFeatures, m.inChannels, m.kernelSize, m.kernelSize] };
  if (m instanceof Linear) return { kind: 'linear', kernel: [m.outFeatures, m.inFeatures, 1, 1] };
  return null;
}

function paramsOf(prefix: string, m: Module<any, any>, bn?: { prefix: string; module: Module<any, any> }): Partial<Record<Role, string>> {
  const own = new Set([...m.namedParameters('', false)].map(([n]) => n));
  const params: Partial<Record<Role, string>> = {};
  if (own.has('weight')) params.weight = `${prefix}.weight`;
  if (own.has('bias')) params.bias = `${prefix}.bias`;
  if (bn) {
    const names = new Set([...[...bn.module.namedParameters('', false)].map(([n]) => n), ...[...bn.module.namedBuffers('', false, true)].map(([n]) => n)]);
    for (const r of ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const) if (names.has(r)) params[`bn.${r}`] = `${bn.prefix}.${r}`;
  }
  return params;
}

/** The logical layers of a zoo model (or any module built of the zoo's layers) and their parameter names. */
export function zooTargets(model: Module<any, any>): ZooTargets {
  const modules = new Map(model.namedModules());
  const layers = new Map<string, TargetLayer>();
  let backbone: ZooTargets['backbone'] = null;
  for (const [prefix, m] of modules) {
    if (!(m instanceof VggFeatures) || backbone) continue;
    const children = m.children();
    const batchNorm = children.some((c) => c instanceof BatchNorm2d);
    backbone = { prefix, depth: m.depth, batchNorm };
    for (const conv of vggConvs(m.depth, batchNorm)) {
      const layer = children[conv.featuresIndex]!;
      const at = (i: number) => (prefix ? `${prefix}.${i}` : String(i));
      const bn = batchNorm ? { prefix: at(conv.featuresIndex + 1), module: children[conv.featuresIndex + 1]! } : undefined;
      layers.set(conv.name, { name: conv.name, module: at(conv.featuresIndex), ...kernelOf(layer)!, params: paramsOf(at(conv.featuresIndex), layer, bn) });
    }
  }
  for (const [name, candidates] of Object.entries(HEAD_MODULES)) {
    const path = candidates.find((c) => modules.has(c));
    if (path === undefined) continue;
    const m = modules.get(path)!;
    const k = kernelOf(m);
    if (k) layers.set(name, { name, module: path, ...k, params: paramsOf(path, m) });
  }
  return { layers, backbone };
}
