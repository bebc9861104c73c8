// One entry point for every format: openDataset(spec) and the splits a dataset root holds.
import { resolve } from 'node:path';
import { ade20kSplits, openAde20k } from './ade20k.js';
import { camvidSplits, openCamvid } from './camvid.js';
import { folderSplits, openFolder, type OpenOptions } from './folder.js';
import { MnistDataset, mnistSplits } from './mnist.js';
import { NpyDataset } from './npy-arrays.js';
import { SyntheticDataset } from './synthetic.js';
import type { Dataset, DatasetFormat, DatasetSpec } from './types.js';
import { vocSplits, openVoc } from './voc.js';

export type { OpenOptions } from './folder.js';

/** The formats openDataset understands, with a line each for help texts. */
export const DATASET_FORMATS: Readonly<Record<DatasetFormat, string>> = {
  folder: 'images/ + masks/ matched by file stem (index, palette, 0/255 or colour masks), optional classes.json',
  camvid: 'CamVid, SegNet layout: train/ trainannot/ val/ valannot/ test/ testannot/; 11 classes, 11 = void',
  voc: 'PASCAL VOC 2012: JPEGImages, SegmentationClass, ImageSets/Segmentation/<split>.txt; 21 classes, 255 ignored',
  ade20k: 'ADE20K Scene Parsing: images/ + annotations/ {training,validation}; 150 classes, 0 ignored',
  npy: 'NumPy arrays: images (N,H,W[,C]) + labels one-hot (N,H,W,K), indices (N,H,W) or 0/255 masks',
  mnist: 'MNIST IDX files (gzip or raw): images only, digits as classIndex',
  synthetic: 'generated shapes over textured backgrounds (seeded): count, size, numClasses, noise, difficulty',
};

/**
 * Opens a dataset from its serialisable spec; a strict open throws on the first structural problems.
 * @example
 *   const camvid = await openDataset({ format: 'camvid', root: 'CamVid', split: 'val' });
 *   const { name, image, label } = await camvid.get(0); // RawImage, LabelMap of class indices
 */
export async function openDataset(spec: DatasetSpec, options: OpenOptions = {}): Promise<Dataset> {
  if (spec === null || typeof spec !== 'object' || typeof spec.format !== 'string') {
    throw new Error(`openDataset: spec ${JSON.stringify(spec)} has no format; expected {format: ${Object.keys(DATASET_FORMATS).join(' | ')}, root, split, ...}`);
  }
  switch (spec.format) {
    case 'folder':
      return openFolder(spec, options);
    case 'camvid':
      return openCamvid(spec, options);
    case 'voc':
      return openVoc(spec, options);
    case 'ade20k':
      return openAde20k(spec, options);
    case 'npy':
      return NpyDataset.open(spec);
    case 'mnist':
      return MnistDataset.open(spec);
    case 'synthetic':
      return new SyntheticDataset(spec);
    default:
      throw new Error(`openDataset: unknown format "${(spec as { format: string }).format}", expected one of ${Object.keys(DATASET_FORMATS).join(', ')}`);
  }
}

/**
 * The splits present for a spec's format and root (for `data check` without a split): e.g.
 * ['train', 'val'] for CamVid, [''] for a folder dataset whose root holds images/ itself.
 */
export function datasetSplits(spec: DatasetSpec): string[] {
  const root = resolve(spec.root ?? '.');
  switch (spec.format) {
    case 'folder':
      return folderSplits(root, spec.imagesDir);
    case 'camvid':
      return camvidSplits(root);
    case 'voc':
      return vocSplits(root);
    case 'ade20k':
      return ade20kSplits(root);
    case 'npy':
      return spec.split && spec.split !== 'all' ? ['train', 'val'] : ['all'];
    case 'mnist':
      return mnistSplits(root);
    case 'synthetic':
      return ['train', 'val'];
    default:
      return [];
  }
}
