// Models the benchmark can train or run, by the names both sides use (reference/worker.py
// MODELS holds the PyTorch twins). Adding a model is one entry here, one there, and a line
// in cases.ts.
import type { Module } from '../src/nn/index.js';
import { VggSmall, type NetOptions } from './nets/vgg-small.js';
import { UNet } from './nets/unet.js';

export type ModelBuilder = (inChannels: number, classes: number, options: NetOptions) => Promise<Module>;

export const MODELS: Record<string, ModelBuilder> = {
  'vgg-small': async (c, k, o) => new VggSmall(c, k, o),
  'unet-small': async (c, k, o) => new UNet(c, k, { ...o, base: 32, depth: 3, batchNorm: true }),
  // The model zoo, loaded lazily. Their ReLUs are in place by design (case option inplace: true
  // gives PyTorch the same); twins in reference/zoo.py.
  fcn8s: async (c, k) => (await import('../src/models/fcn.js')).fcn8s({ inChannels: c, numClasses: k }),
  unet: async (c, k) => new (await import('../src/models/unet.js')).UNet({ inChannels: c, numClasses: k, baseWidth: 64, depth: 4 }),
  // The real-data recipes' U-Net (bench/realdata).
  unet16: async (c, k) => new (await import('../src/models/unet.js')).UNet({ inChannels: c, numClasses: k, baseWidth: 16, depth: 4 }),
};
