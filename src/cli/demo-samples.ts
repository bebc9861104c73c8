// The demo's sample figures: image | ground truth | prediction with a class-name legend.
import { join } from 'node:path';
import { writePng } from '../image/files.js';
import type { Dataset } from '../data/datasets/types.js';
import type { RawImage } from '../image/types.js';
import { createPredictor } from '../infer/predictor.js';
import { predict } from '../infer/predict.js';
import type { ZooModel } from '../models/contract.js';
import type { CheckpointConfig } from '../checkpoint/file.js';
import { segmentationPanel } from '../viz/legend.js';
import { makeDir } from '../io/dirs.js';
import type { MemoryLayout, Precision } from '../torch/index.js';

/** Predicts the first `count` samples of `dataset` and writes one panel PNG each; returns how many. */
export async function writeSamplePanels(model: ZooModel, dataset: Dataset, config: CheckpointConfig, dir: string, count: number, precision: Precision = 'fp32', memoryFormat: MemoryLayout = 'contiguous'): Promise<number> {
  makeDir(dir, 'samples folder');
  const predictor = createPredictor(model, config, { precision, memoryFormat });
  const n = Math.min(count, dataset.length);
  for (let i = 0; i < n; i++) {
    const sample = await dataset.get(i);
    const image = sample.image as RawImage;
    const prediction = predict(predictor, image);
    const truth = { width: sample.label!.width, height: sample.label!.height, data: sample.label!.data };
    const panel = segmentationPanel(image, truth, { width: prediction.width, height: prediction.height, data: prediction.labels }, {
      names: config.classes.names,
      palette: config.classes.palette,
      title: sample.name,
    });
    writePng(join(dir, `${sample.name}.png`), panel);
  }
  return n;
}
