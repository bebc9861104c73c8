// CamVid in SegNet's layout: <split>/ holds the RGB frames, <split>annot/ the label maps of
// class indices 0..10 under the same file names, 11 = void (ignored).
import { join, resolve } from 'node:path';
import { camvidPalette } from '../../image/palette.js';
import { CAMVID_CLASS_NAMES } from '../../image/classes.js';
import { DataError, throwProblems } from './errors.js';
import { FileDataset, pairByStem, requireSamples } from './file-dataset.js';
import { isDir, readLabelFile, requireDir } from './files.js';
import { indexLabel } from './label-map.js';
import type { OpenOptions } from './folder.js';
import type { CamvidSpec, DatasetProblem } from './types.js';

const VOID = 11;

/** Opens one split of CamVid (SegNet layout). */
export async function openCamvid(spec: CamvidSpec, options: OpenOptions = {}): Promise<FileDataset> {
  if (typeof spec.root !== 'string') throw new Error(`camvid dataset: spec.root is ${JSON.stringify(spec.root)}, expected the CamVid folder`);
  if (!spec.split) {
    requireDir(resolve(spec.root), 'CamVid');
    throw new DataError('missing-folder', resolve(spec.root), 'no CamVid split here: expected train/ + trainannot/, val/ + valannot/ or test/ + testannot/ (SegNet layout); is it another --format?');
  }
  const root = resolve(spec.root);
  requireDir(root, 'CamVid');
  const imagesDir = join(root, spec.split);
  const labelsDir = join(root, `${spec.split}annot`);
  requireDir(imagesDir, `CamVid split "${spec.split}"`);
  requireDir(labelsDir, `CamVid labels for split "${spec.split}"`);
  const problems: DatasetProblem[] = [];
  const entries = pairByStem(imagesDir, labelsDir, 'label map', problems);
  if (!options.lenient) throwProblems(`camvid dataset ${root} split ${spec.split}`, problems);
  requireSamples(entries.length, imagesDir, 'images');
  const rule = { numClasses: CAMVID_CLASS_NAMES.length, ignoreIndex: VOID };
  return new FileDataset({
    spec: { format: 'camvid', root, split: spec.split },
    entries,
    classNames: CAMVID_CLASS_NAMES,
    ignoreIndex: VOID,
    palette: camvidPalette(11),
    imageChannels: 3,
    decodeLabel: async (file) => indexLabel(await readLabelFile(file), rule, file),
    problems,
  });
}

/** The CamVid splits present under root. */
export function camvidSplits(root: string): string[] {
  return ['train', 'val', 'test'].filter((s) => isDir(join(root, s)) && isDir(join(root, `${s}annot`)));
}
