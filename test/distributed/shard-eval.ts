// Scoring a validation split by shards: every rank evaluates its share (the training run's
// uneven, in-order shards) and the counts are summed. The same model and data in one process
// must give the same confusion matrix, loss and binary details.
import { DataLoader, type EpochIndices } from '../../src/data/loader.js';
import { createModel } from '../../src/models/registry.js';
import { manualSeed } from '../../src/torch/index.js';
import { evaluate, type Evaluation } from '../../src/train/evaluate.js';
import { buildObjective } from '../../src/train/objective.js';

/** 13 scenes: two ranks get 7 and 6, in batches of 3 (one short batch each). */
export const SHARD_EVAL = { count: 13, size: 32, batchSize: 3 };

export async function evaluateShard(binary: boolean, indices: EpochIndices | null, combine: ((t: Float64Array) => Promise<void>) | null): Promise<Evaluation & { images: number[] }> {
  const numClasses = binary ? 2 : 4;
  const loader = new DataLoader(
    { format: 'synthetic', split: 'val', count: SHARD_EVAL.count, size: SHARD_EVAL.size, numClasses },
    { batchSize: SHARD_EVAL.batchSize, workers: 0, indices },
  );
  try {
    await loader.ready();
    // An untrained model: its predictions vary over every class.
    manualSeed(11);
    const model = createModel('unet', { numClasses: binary ? 1 : numClasses, depth: 2, baseWidth: 4, batchNorm: false });
    const objective = buildObjective({ loss: binary ? 'bce' : 'ce', outputs: binary ? 1 : numClasses, ignoreIndex: null, classWeights: null });
    const classNames = Array.from({ length: numClasses }, (_, i) => `c${i}`);
    const e = await evaluate(model, loader.epoch(0), { numClasses, classNames, ignoreIndex: null, objective, binaryDetails: binary, combine });
    model.dispose();
    return { ...e, images: loader.plan(0).flat() };
  } finally {
    await loader.close();
  }
}
