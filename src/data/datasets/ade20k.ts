// MIT Scene Parsing (ADEChallengeData2016): images/{training,validation}/*.jpg and
// annotations/{training,validation}/*.png. Stored label 0 is "other" (ignored) and label k is
// class k - 1 of the 150, so labels shift down by one with 0 → ignore. A few images are gray:
// they are converted to RGB.
import { join, resolve } from 'node:path';
import { paletteFor } from '../../image/palette.js';
import { ADE20K_CLASS_NAMES } from '../../image/classes.js';
import { DataError, throwProblems } from './errors.js';
import { FileDataset, pairByStem, requireSamples } from './file-dataset.js';
import { isDir, readLabelFile, requireDir } from './files.js';
import { indexLabel } from './label-map.js';
import type { OpenOptions } from './folder.js';
import type { Ade20kSpec, DatasetProblem } from './types.js';

const IGNORE = 255;
const SPLIT_DIRS: Record<string, string> = { train: 'training', training: 'training', val: 'validation', validation: 'validation' };

/** Opens one split of ADE20K Scene Parsing. */
export async function openAde20k(spec: Ade20kSpec, options: OpenOptions = {}): Promise<FileDataset> {
  if (typeof spec.root !== 'string') throw new Error(`ade20k dataset: spec.root is ${JSON.stringify(spec.root)}, expected the ADEChallengeData2016 folder`);
  if (!spec.split) {
    requireDir(resolve(spec.root), 'ADE20K');
    throw new DataError('missing-folder', resolve(spec.root), 'no ADE20K split here: expected images/{training,validation}/ and annotations/{training,validation}/; is it another --format?');
  }
  const sub = SPLIT_DIRS[spec.split];
  if (!sub) throw new Error(`ade20k dataset: split "${spec.split}", expected train, training, val or validation`);
  const root = resolve(spec.root);
  requireDir(root, 'ADE20K');
  const imagesDir = join(root, 'images', sub);
  const labelsDir = join(root, 'annotations', sub);
  requireDir(imagesDir, 'ADE20K images');
  requireDir(labelsDir, 'ADE20K annotations');
  const problems: DatasetProblem[] = [];
  const entries = pairByStem(imagesDir, labelsDir, 'annotation', problems);
  if (!options.lenient) throwProblems(`ade20k dataset ${root} split ${spec.split}`, problems);
  requireSamples(entries.length, imagesDir, 'images');
  const rule = { numClasses: ADE20K_CLASS_NAMES.length, ignoreIndex: IGNORE, shiftDown: true };
  return new FileDataset({
    spec: { format: 'ade20k', root, split: sub === 'training' ? 'train' : 'val' },
    entries,
    classNames: ADE20K_CLASS_NAMES,
    ignoreIndex: IGNORE,
    palette: paletteFor(ADE20K_CLASS_NAMES.length, 'voc'),
    imageChannels: 3,
    decodeLabel: async (file) => indexLabel(await readLabelFile(file), rule, file),
    problems,
  });
}

/** The ADE20K splits present ('train', 'val'). */
export function ade20kSplits(root: string): string[] {
  return (['train', 'val'] as const).filter((s) => isDir(join(root, 'images', SPLIT_DIRS[s]!)));
}
