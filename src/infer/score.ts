// Scores at full resolution: each image predicted as `pixelwise predict` does (whatever size,
// output back at the image's size) and compared with its label map as stored — not with the
// label map resized to the training size, as scoring the preprocessed batches does.
import { tensor, tidy, type Tensor } from '../torch/index.js';
import type { Dataset } from '../data/datasets/types.js';
import { SplitScores, type BinaryDetails } from '../metrics/split-scores.js';
import type { Summary } from '../metrics/scores.js';
import type { ProgressReporter } from '../io/progress.js';
import { predict } from './predict.js';
import type { Predictor } from './predictor.js';

export interface FullResolutionOptions {
  ignoreIndex: number | null;
  /** Foreground threshold of a one-output model (default 0.5). */
  threshold?: number;
  /** One-output models: also the threshold sweep and the TGS score. */
  binaryDetails?: boolean;
  /** Advanced by one for every image scored. */
  progress?: ProgressReporter;
}

/** An (1, H, W) int32 tensor of a label map's values. */
function labelTensor(data: ArrayLike<number>, width: number, height: number): Tensor {
  return tensor(Int32Array.from(data), { shape: [1, height, width] });
}

/** The score.py summary (and binary details) of a predictor over every image of a labelled dataset. */
export async function scoreFullResolution(
  predictor: Predictor,
  dataset: Dataset,
  o: FullResolutionOptions,
): Promise<{ summary: Summary; binary: BinaryDetails | null }> {
  const scores = new SplitScores({
    numClasses: dataset.numClasses,
    classNames: dataset.classNames,
    ignoreIndex: o.ignoreIndex,
    threshold: o.threshold,
    binaryDetails: o.binaryDetails,
  });
  for (let i = 0; i < dataset.length; i++) {
    const { name, image, label } = await dataset.get(i);
    if (!label) throw new Error(`${name}: no label map to score against`);
    if (label.width !== image.width || label.height !== image.height) {
      throw new Error(`${name}: label map is ${label.height}x${label.width}, expected the image's ${image.height}x${image.width} (HxW)`);
    }
    const p = predict(predictor, image, { threshold: scores.threshold, name });
    tidy(() => {
      const foreground = o.binaryDetails ? tensor(p.probabilities, { shape: [1, p.height, p.width] }) : undefined;
      scores.add(labelTensor(p.labels, p.width, p.height), labelTensor(label.data, label.width, label.height), foreground);
    });
    o.progress?.advance(1);
  }
  return scores.result();
}
