// pixelwise/data: datasets (folder, CamVid, VOC, ADE20K, npy, MNIST, synthetic), the
// preprocessing spec and pipeline, a seeded, prefetching loader, the on-disk cache, and
// dataset checks. Images and label maps themselves are pixelwise/image's.
//
//   const train = await openDataset({ format: 'camvid', root: 'CamVid', split: 'train' });
//   const loader = new DataLoader(train, { batchSize: 4, shuffle: true, preprocess: { resize: { width: 480, height: 352 }, normalize: 'imagenet' } });
//   for await (const batch of loader.epoch(0)) { ... batch.images, batch.labels ... }
export type {
  Sample,
  Dataset,
  DatasetSpec,
  DatasetFormat,
  DatasetProblem,
  ProblemKind,
  BaseDatasetSpec,
  FolderSpec,
  CamvidSpec,
  VocSpec,
  Ade20kSpec,
  NpySpec,
  MnistSpec,
  SyntheticSpec,
} from './datasets/types.js';
export { DataError } from './datasets/errors.js';
export { openDataset, datasetSplits, DATASET_FORMATS, type OpenOptions } from './datasets/open.js';
export { SyntheticDataset, syntheticDefaults } from './datasets/synthetic.js';
export { SHAPES, renderScene, type SceneOptions, type ShapeKind } from './datasets/synthetic-scene.js';
export { FileDataset } from './datasets/file-dataset.js';
export { NpyDataset } from './datasets/npy-arrays.js';
export { MnistDataset } from './datasets/mnist.js';
export { readClassInfo, parseClassInfo, type ClassInfo } from './classes.js';
export { readNpy, writeNpy, encodeNpy, type NpyArray, type NpyData, type NpyDType } from './npy.js';
export { readIdx, decodeIdx, type IdxArray, type IdxData } from './idx.js';
export { validatePreprocess, evalSpec, type PreprocessSpec, type ResizeSpec, type PadSpec, type PadMode, type AugmentSpec } from './transforms/spec.js';
export { preprocess, type ProcessedSample, type PipelineContext } from './transforms/pipeline.js';
export { padImage, padLabel, centerPadding, paddingFor, type Padding } from './transforms/pad.js';
export { cropImage, cropLabel, flipImageH, flipImageV, flipLabelH, flipLabelV } from './transforms/geometry.js';
export { Rng, permutation } from './transforms/random.js';
export { DataLoader, type Batch, type EpochIndices, type LoaderOptions } from './loader.js';
export { SampleCache, defaultCacheDir, type CacheStats } from './cache.js';
export { checkDataset, formatReport, type CheckOptions, type DataReport, type SplitReport, type CheckProblem, type SizeCount } from './check.js';
export { writeFolderDataset } from './export.js';
