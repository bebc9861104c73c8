// Tiny checkpoints and images for the prediction tests: models built by the registry with
// weights perturbed so outputs vary over the image, saved the way training saves them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad } from '../../src/torch/index.js';
import { createModelFromConfig } from '../../src/models/registry.js';
import type { ZooModel } from '../../src/models/contract.js';
import { saveCheckpoint, type CheckpointConfig } from '../../src/checkpoint/file.js';
import { createPredictor, type Predictor } from '../../src/infer/predictor.js';
import type { RawImage } from '../../src/image/types.js';

export function tempDir(t: { after: (fn: () => void) => void }, tag = 'infer'): string {
  const dir = mkdtempSync(join(tmpdir(), `pixelwise-${tag}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TinyModelSpec {
  name: 'unet' | 'fcn8s' | 'fcn32s' | 'cae';
  options: Record<string, unknown>;
  names: string[];
  preprocess?: Record<string, unknown>;
}

export const UNET: TinyModelSpec = {
  name: 'unet',
  options: { numClasses: 3, baseWidth: 4, depth: 2 },
  names: ['background', 'disc', 'bar'],
  preprocess: { normalize: 'unit' },
};
export const FCN8S: TinyModelSpec = { name: 'fcn8s', options: { numClasses: 3, baseWidth: 2 }, names: ['background', 'disc', 'bar'], preprocess: { normalize: 'imagenet' } };
export const FCN8S_SAME: TinyModelSpec = { ...FCN8S, options: { ...FCN8S.options, variant: 'same' } };
export const BINARY: TinyModelSpec = {
  name: 'unet',
  options: { numClasses: 1, inChannels: 1, baseWidth: 4, depth: 2 },
  names: ['background', 'salt'],
  preprocess: { channels: 1, normalize: 'unit' },
};
export const CAE: TinyModelSpec = { name: 'cae', options: { imageSize: 28, baseWidth: 4 }, names: [], preprocess: { normalize: 'unit' } };

/** A model of the spec with random weights large enough that predictions vary from pixel to pixel. */
export function tinyModel(spec: TinyModelSpec, seed = 0): ZooModel {
  manualSeed(seed);
  const model = createModelFromConfig(spec.name, spec.options);
  noGrad(() => {
    for (const [key, p] of model.stateDict()) {
      if (p.dtype !== 'float32' || key.includes('running_')) continue;
      if (spec.name.startsWith('fcn') ? key.includes('score') : true) p.normal_(0, 0.5);
    }
  });
  return model;
}

export function tinyConfig(spec: TinyModelSpec, model: ZooModel): CheckpointConfig {
  return {
    model: { name: spec.name, options: { ...(model.config as Record<string, unknown>) } },
    classes: { names: spec.names, ignoreIndex: null, palette: spec.names.map((_, i) => [40 * i, 255 - 40 * i, 100]) },
    preprocess: spec.preprocess ?? {},
  };
}

/** Saves a tiny model of the spec as a checkpoint at `path`. */
export function writeTinyCheckpoint(path: string, spec: TinyModelSpec, seed = 0): string {
  const model = tinyModel(spec, seed);
  saveCheckpoint(path, { config: tinyConfig(spec, model), weights: model.stateDict() });
  model.dispose();
  return path;
}

/** A predictor over a tiny model of the spec, without a file. */
export function tinyPredictor(spec: TinyModelSpec, seed = 0): Predictor {
  const model = tinyModel(spec, seed);
  return createPredictor(model, tinyConfig(spec, model));
}

/** A smooth, varied test picture (gradients and a bright disc). */
export function testImage(width: number, height: number, channels: 1 | 3 = 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const disc = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 4) ** 2;
      const base = (y * width + x) * channels;
      const v = [disc ? 230 : (x * 255) / width, disc ? 60 : (y * 255) / height, 128 + 100 * Math.sin((x + 2 * y) / 7)];
      for (let c = 0; c < channels; c++) data[base + c] = Math.round(channels === 1 ? (v[0]! + v[1]!) / 2 : v[c]!);
    }
  }
  return { width, height, channels, data };
}
