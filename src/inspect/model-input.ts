// One image made ready for a trained model the way its training prepared validation images
// (the checkpoint's preprocess spec), padded to a size the model accepts; and the model's
// output mapped back onto the image's own pixels.
import { tensor, tidy, type Tensor } from '../torch/index.js';
import { interpolate } from '../nn/functional.js';
import type { SampleImage } from '../data/datasets/types.js';
import { finish, prepare } from '../data/transforms/pipeline.js';
import { padImage, paddingFor } from '../data/transforms/pad.js';
import { validatePreprocess, type PreprocessSpec } from '../data/transforms/spec.js';
import { ConvAutoencoder } from '../models/autoencoder.js';
import { inputMultiple, minInputSize, type ZooModel } from '../models/registry.js';
import { padToMultiple } from '../models/unet.js';
import { modelInChannels } from './checkpoint-model.js';

/** Where the image lies inside the model input. */
export interface InputGeometry {
  /** The image's region in the input tensor (after any resize and padding). */
  top: number;
  left: number;
  height: number;
  width: number;
  /** The image's own size. */
  sourceHeight: number;
  sourceWidth: number;
}

export interface ModelInput {
  /** (1, C, H, W) float32; the caller disposes it. */
  tensor: Tensor;
  geometry: InputGeometry;
}

/**
 * `image` preprocessed as `preprocess` says (channels, resize, pad, normalisation; never
 * augmentation), converted to the model's input channels, resized to the autoencoder's fixed
 * size, and zero-padded (bottom/right split as numpy does) up to the multiple the model needs.
 */
export function prepareModelInput(image: SampleImage, model: ZooModel, preprocess: PreprocessSpec | Record<string, unknown> = {}): ModelInput {
  const { augment: _augment, ...spec } = validatePreprocess(preprocess) as PreprocessSpec;
  const channels = spec.channels ?? modelInChannels(model);
  if (channels !== 1 && channels !== 3) throw new Error(`model ${model.architecture} takes ${channels}-channel inputs; images can be converted to 1 or 3 channels`);
  spec.channels = channels;
  if (model instanceof ConvAutoencoder) {
    const [height, width] = model.config.imageSize;
    if (image.height !== height || image.width !== width) spec.resize = { height, width, mode: 'area' };
  }
  const prepared = prepare({ name: 'input', image }, spec, { ignoreIndex: null });
  const processed = finish(prepared, spec, { ignoreIndex: null });
  const resized = spec.resize ? { width: spec.resize.width, height: spec.resize.height } : { width: image.width, height: image.height };
  const pad = spec.pad ? paddingFor(spec.pad, resized.width, resized.height) : { top: 0, left: 0, bottom: 0, right: 0 };
  let planar = { width: processed.width, height: processed.height, channels: processed.channels, data: processed.image };
  const m = inputMultiple(model);
  const extra = padToMultiple(planar.height, planar.width, m);
  if (extra.height !== planar.height || extra.width !== planar.width) {
    planar = padImage(planar, { top: extra.top, bottom: extra.bottom, left: extra.left, right: extra.right }, 'constant', 0) as typeof planar;
  }
  const min = minInputSize(model);
  if (planar.height < min || planar.width < min) {
    throw new Error(`model ${model.architecture} needs inputs of at least ${min}x${min} pixels, the prepared image is ${planar.height}x${planar.width}`);
  }
  return {
    tensor: tensor(planar.data, { shape: [1, planar.channels, planar.height, planar.width] }),
    geometry: {
      top: pad.top + extra.top,
      left: pad.left + extra.left,
      height: resized.height,
      width: resized.width,
      sourceHeight: image.height,
      sourceWidth: image.width,
    },
  };
}

/**
 * The part of a model output (N, C, H, W) that covers the image, resized (bilinear) back to the
 * image's own size when preprocessing resized it. Outputs at another scale than the input
 * (a coarse score map) are scaled to the input first.
 */
export function toSourceGeometry(output: Tensor, g: InputGeometry, inputHeight: number, inputWidth: number): Tensor {
  return tidy(() => {
    let out = output;
    if (out.size(2) !== inputHeight || out.size(3) !== inputWidth) {
      out = interpolate(out, { size: [inputHeight, inputWidth], mode: 'bilinear' });
    }
    out = out.narrow(2, g.top, g.height).narrow(3, g.left, g.width);
    if (g.height !== g.sourceHeight || g.width !== g.sourceWidth) {
      out = interpolate(out.contiguous(), { size: [g.sourceHeight, g.sourceWidth], mode: 'bilinear' });
    }
    return out.contiguous();
  });
}
