// Loads the golden cases of scripts/fixtures/models_fcn.py (an independent PyTorch implementation).
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { arange, tidy, type Tensor } from '../../src/torch/index.js';
import type { Module } from '../../src/nn/index.js';
import { VGG, type VggDepth } from '../../src/models/vgg.js';
import { fcn16s, fcn32s, fcn8s } from '../../src/models/fcn.js';

export const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/models-fcn/', import.meta.url));

export interface GoldenCase {
  name: string;
  architecture: string;
  options: Record<string, unknown>;
  inputs: Record<string, number[]>;
  grads: string[];
}

export interface Counts {
  total: number;
  nonTrainable: number;
}

export const golden = JSON.parse(readFileSync(fixtureDir + 'cases.json', 'utf8')) as {
  cases: GoldenCase[];
  parameterCounts: Record<string, Counts>;
};

export function goldenCase(name: string): GoldenCase {
  const c = golden.cases.find((k) => k.name === name);
  if (!c) throw new Error(`no golden case ${name}`);
  return c;
}

/** The fixtures' input: sin(0.731 * i) over the flat index, in float64, rounded to float32. */
export function formulaInput(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tidy(() => arange(0, n, 1, { dtype: 'float64' }).mul(0.731).sin().float().reshape(shape));
}

/** Builds the case's model and loads its weights strictly. */
export function buildGolden(c: GoldenCase): Module<[Tensor], Tensor> {
  const arch = c.architecture;
  const model: Module<[Tensor], Tensor> = arch.startsWith('vgg')
    ? new VGG({ ...c.options, depth: Number(arch.slice(3)) as VggDepth })
    : arch === 'fcn32s'
      ? fcn32s(c.options)
      : arch === 'fcn16s'
        ? fcn16s(c.options)
        : fcn8s(c.options);
  const { tensors } = loadSafetensors(fixtureDir + c.name + '.safetensors');
  model.loadStateDict(tensors);
  for (const t of tensors.values()) t.dispose();
  return model.eval();
}

/** The case's expected outputs and gradients (the caller disposes them). */
export function expected(c: GoldenCase): Map<string, Tensor> {
  return loadSafetensors(fixtureDir + c.name + '.expected.safetensors').tensors;
}
