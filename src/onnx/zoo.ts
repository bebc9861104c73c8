// How each zoo model is exported: which module becomes which file, the example input, which
// axes stay dynamic, and the graph's input and output names. The sizes come from what the
// model's contract (input multiple, minimum size, fixed-size layers, task).
import type { Module } from '../nn/index.js';
import { asAutoencoder, isModelName, type ZooModel } from '../models/index.js';
import type { OnnxExportOptions } from './export.js';

export interface OnnxPart {
  /** '' for the model's one file, 'encoder' / 'decoder' for the autoencoder's two. */
  part: '' | 'encoder' | 'decoder';
  module: Module<any, any>;
  options: OnnxExportOptions & Required<Pick<OnnxExportOptions, 'inputShape' | 'inputName' | 'outputName' | 'dynamic'>>;
}

/** The smallest input side the model accepts that is also a multiple of what it needs. */
function exampleSide(model: ZooModel): number {
  const { inputMultiple, minInputSize } = model.contract;
  return Math.ceil(minInputSize / inputMultiple) * inputMultiple;
}

/**
 * The files a zoo model exports to. Segmentation models: `input` [N, C, H, W] -> `logits`
 * [N, K, H, W], N, H and W dynamic. VGG: the classifier at its fixed 224x224 (its adaptive
 * pooling has no dynamic form), the fully convolutional form with dynamic size. The autoencoder:
 * an encoder (`input` -> `latent`) and a decoder (`latent` -> `image`), at its image size.
 */
export function zooOnnxParts(model: ZooModel, options: Pick<OnnxExportOptions, 'opset' | 'metadata' | 'docString'> = {}): OnnxPart[] {
  const autoencoder = asAutoencoder(model);
  if (autoencoder) {
    const c = autoencoder.config;
    return [
      {
        part: 'encoder',
        module: autoencoder.encoder,
        options: { ...options, inputShape: [1, c.inChannels, ...c.imageSize], inputName: 'input', outputName: 'latent', dynamic: { spatial: false } },
      },
      {
        part: 'decoder',
        module: autoencoder.decoder,
        options: { ...options, inputShape: [1, c.latentDim, 1, 1], inputName: 'latent', outputName: 'image', dynamic: { spatial: false } },
      },
    ];
  }
  const contract = model.contract;
  const channels = contract.inChannels;
  // Layers tied to one input size (VGG's adaptive pooling before its classifier) fix the export at 224x224.
  const fixed = contract.fixedSizeLayers.length > 0;
  const side = fixed ? 224 : exampleSide(model);
  // Segmentation models give logits at the input's size for every size they accept.
  const outputDims = contract.task === 'segmentation' ? ['N', contract.numClasses, 'H', 'W'] : undefined;
  return [
    {
      part: '',
      module: model,
      options: { ...options, inputShape: [1, channels, side, side], inputName: 'input', outputName: 'logits', dynamic: { spatial: !fixed }, outputDims },
    },
  ];
}

/** Where a part goes: model.onnx -> model.encoder.onnx for the autoencoder's parts. */
export function partPath(out: string, part: OnnxPart['part']): string {
  if (part === '') return out;
  return out.endsWith('.onnx') ? `${out.slice(0, -'.onnx'.length)}.${part}.onnx` : `${out}.${part}.onnx`;
}

/** Export options for a zoo model as one file (the autoencoder: image -> reconstruction), or null for other modules. */
export function zooDefaults(model: Module<any, any>): OnnxPart['options'] | null {
  if (!isModelName(String((model as { architecture?: unknown }).architecture))) return null;
  const zoo = model as ZooModel;
  const parts = zooOnnxParts(zoo);
  if (parts.length === 1) return parts[0]!.options;
  const encoder = parts[0]!.options;
  return { ...encoder, outputName: 'image' };
}
