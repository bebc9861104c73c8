// `pixelwise predict` on libtorch: a checkpoint's model over files and folders (the run itself,
// engine-independent, is run-images.ts).
import type { Device, MemoryLayout, Precision } from '../torch/index.js';
import type { RawImage } from '../image/types.js';
import { collectImages } from './inputs.js';
import { predict, reconstruct } from './predict.js';
import { loadPredictor, type Predictor } from './predictor.js';
import { predictImageFiles, type ImagePredictor, type ImageRunOptions, type PredictRunResult } from './run-images.js';

export { OUTPUT_KINDS, PredictionStopped, type OutputKind, type ImageSummary, type PredictRunResult, type ImageRunOptions, type ImagePredictor } from './run-images.js';

/** ImageRunOptions (files already in `out` stay; a failed run puts back any it replaced) with the model and its device. */
export interface PredictRunOptions extends ImageRunOptions {
  /** A checkpoint path, or a predictor made already (e.g. from foreign weights); the run disposes it. */
  checkpoint: string | Predictor;
  device?: Device;
  /** For a checkpoint path: 'fp32' (default) or 'bf16'. */
  precision?: Precision;
  /** For a checkpoint path: 'contiguous' (default) or 'channels-last'. */
  memoryFormat?: MemoryLayout;
}

/** A libtorch predictor as the engine of a run. */
export function libtorchImagePredictor(p: Predictor): ImagePredictor {
  return {
    contract: p.contract,
    preprocess: p.preprocess,
    architecture: p.architecture,
    source: p.source,
    classes: p.classes,
    predict: async (image, options) => predict(p, image, options),
    reconstruct: async (image: RawImage<Uint8Array | Float32Array>, options) => reconstruct(p, image, options),
  };
}

/**
 * Predicts every input image with the checkpoint's model and writes the chosen outputs to
 * `out`. Everything that can be checked up front is (checkpoint, inputs, image sizes against
 * the model, options) before the folder is touched; a later failure removes what was written.
 * @example
 *   const { images, files } = await predictImages({ checkpoint: 'best.safetensors', inputs: ['photos/'], out: 'predictions' });
 */
export async function predictImages(o: PredictRunOptions): Promise<PredictRunResult> {
  try {
    collectImages(o.inputs);
  } catch (err) {
    if (typeof o.checkpoint !== 'string') o.checkpoint.dispose();
    throw err;
  }
  const predictor = typeof o.checkpoint === 'string' ? loadPredictor(o.checkpoint, { device: o.device, precision: o.precision, memoryFormat: o.memoryFormat }) : o.checkpoint;
  try {
    return await predictImageFiles(libtorchImagePredictor(predictor), o);
  } finally {
    predictor.dispose();
  }
}
