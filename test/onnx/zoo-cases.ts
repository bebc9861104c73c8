// The zoo models the ONNX tests export: small widths, and the input sizes to run each at (an
// awkward one where the model takes any size, its minimum / input multiples where it does not).
import { createModel, createModelFromConfig, type ZooModel } from '../../src/models/index.js';
import type { Dim } from '../../src/onnx/index.js';

export const small = { baseWidth: 4, fcWidth: 16 };

export interface Case {
  name: string;
  model: () => ZooModel;
  /** Input shapes to run the one exported file at (the export traces at the zoo's example size). */
  shapes: number[][];
  input: Dim[];
  output: Dim[];
}

const fcn = (name: string, options: Record<string, unknown>, shapes: number[][] = [[1, 3, 37, 53], [2, 3, 64, 48]]): Case => ({
  name,
  model: () => createModelFromConfig(name.split(' ')[0]!, { ...small, numClasses: 5, ...options }),
  shapes,
  input: ['N', 3, 'H', 'W'],
  output: ['N', 5, 'H', 'W'],
});

export const CASES: Case[] = [
  fcn('fcn32s vgg16', { backbone: 'vgg16' }),
  fcn('fcn16s vgg16', { backbone: 'vgg16' }),
  fcn('fcn8s vgg16', { backbone: 'vgg16' }),
  fcn('fcn32s vgg19', { backbone: 'vgg19' }),
  fcn('fcn16s vgg19', { backbone: 'vgg19' }),
  fcn('fcn8s vgg19', { backbone: 'vgg19' }),
  fcn('fcn8s vgg16 batchNorm', { batchNorm: true }, [[1, 3, 37, 53], [1, 3, 1, 2]]),
  fcn("fcn8s variant 'same'", { variant: 'same', dropout: 0.5 }, [[1, 3, 32, 32], [2, 3, 64, 96]]),
  {
    name: 'unet transpose, BatchNorm',
    model: () => createModel('unet', { depth: 3, baseWidth: 4, numClasses: 3 }),
    shapes: [[1, 3, 8, 8], [2, 3, 40, 56]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 3, 'H', 'W'],
  },
  {
    name: 'unet bilinear, BatchNorm',
    model: () => createModel('unet', { depth: 3, baseWidth: 4, numClasses: 3, upMode: 'bilinear' }),
    shapes: [[1, 3, 8, 8], [1, 3, 40, 56]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 3, 'H', 'W'],
  },
  {
    name: "unet variant 'tgs' (1 channel, sigmoid, dropout)",
    model: () => createModel('unet', { variant: 'tgs', baseWidth: 4 }),
    shapes: [[1, 1, 16, 16], [2, 1, 128, 112]],
    input: ['N', 1, 'H', 'W'],
    output: ['N', 1, 'H', 'W'],
  },
  {
    name: 'unet without BatchNorm, dropout, bilinear',
    model: () => createModel('unet', { depth: 2, baseWidth: 4, numClasses: 4, batchNorm: false, dropout: 0.3, upMode: 'bilinear' }),
    shapes: [[1, 3, 4, 4], [1, 3, 36, 52]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 4, 'H', 'W'],
  },
  {
    name: 'unet with a VGG16 encoder',
    model: () => createModel('unet', { encoder: 'vgg16', baseWidth: 4, numClasses: 3 }),
    shapes: [[1, 3, 32, 32], [2, 3, 64, 96]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 3, 'H', 'W'],
  },
  {
    name: 'unet with a VGG19 encoder, bilinear, dropout',
    model: () => createModel('unet', { encoder: 'vgg19', baseWidth: 4, numClasses: 2, upMode: 'bilinear', dropout: 0.2 }),
    shapes: [[1, 3, 32, 32], [1, 3, 96, 64]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 2, 'H', 'W'],
  },
  {
    name: 'vgg16 classifier (fixed 224x224)',
    model: () => createModel('vgg16', { ...small, numClasses: 10 }),
    shapes: [[1, 3, 224, 224], [2, 3, 224, 224]],
    input: ['N', 3, 224, 224],
    output: ['N', 10],
  },
  {
    name: 'vgg19 classifier, BatchNorm (fixed 224x224)',
    model: () => createModel('vgg19', { ...small, numClasses: 10, batchNorm: true }),
    shapes: [[1, 3, 224, 224], [3, 3, 224, 224]],
    input: ['N', 3, 224, 224],
    output: ['N', 10],
  },
  {
    name: "vgg16 fully convolutional (fc6 'valid')",
    model: () => createModel('vgg16', { ...small, numClasses: 10, fullyConvolutional: true }),
    shapes: [[1, 3, 224, 224], [1, 3, 261, 300]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 10, null, null],
  },
  {
    name: "vgg16 fully convolutional (fc6 'same')",
    model: () => createModel('vgg16', { ...small, numClasses: 10, fullyConvolutional: true, fc6Padding: 'same' }),
    shapes: [[1, 3, 32, 32], [2, 3, 37, 53], [1, 3, 100, 70]],
    input: ['N', 3, 'H', 'W'],
    output: ['N', 10, null, null],
  },
];

