// PASCAL VOC 2012 segmentation: ImageSets/Segmentation/<split>.txt lists ids, JPEGImages/<id>.jpg
// the photos, SegmentationClass/<id>.png palette PNGs of indices 0..20 with 255 on object
// boundaries (ignored).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { vocPalette } from '../../image/palette.js';
import { VOC_CLASS_NAMES } from '../../image/classes.js';
import { DataError, throwProblems } from './errors.js';
import { FileDataset, requireSamples, type FileEntry } from './file-dataset.js';
import { isDir, readLabelFile, requireDir, requireFile, stemOf } from './files.js';
import { indexLabel } from './label-map.js';
import type { OpenOptions } from './folder.js';
import type { DatasetProblem, VocSpec } from './types.js';

const IGNORE = 255;

/** The VOC2012 folder itself, found from VOCdevkit, VOCdevkit/VOC2012 or its parent. */
export function vocYearDir(root: string): string {
  for (const dir of [root, join(root, 'VOC2012'), join(root, 'VOCdevkit', 'VOC2012')]) {
    if (isDir(join(dir, 'ImageSets', 'Segmentation'))) return dir;
  }
  throw new DataError('missing-folder', join(root, 'ImageSets', 'Segmentation'), 'not a PASCAL VOC folder: ImageSets/Segmentation not found here, in VOC2012/ or in VOCdevkit/VOC2012/');
}

/** Opens one split (train, val, trainval) of PASCAL VOC 2012 segmentation. */
export async function openVoc(spec: VocSpec, options: OpenOptions = {}): Promise<FileDataset> {
  if (typeof spec.root !== 'string') throw new Error(`voc dataset: spec.root is ${JSON.stringify(spec.root)}, expected the VOC folder`);
  if (!spec.split) {
    requireDir(resolve(spec.root), 'VOC');
    throw new DataError('missing-folder', resolve(spec.root), 'no VOC split here: expected JPEGImages/, SegmentationClass/ and ImageSets/Segmentation/{train,val}.txt; is it another --format?');
  }
  const root = resolve(spec.root);
  requireDir(root, 'VOC');
  const dir = vocYearDir(root);
  const listFile = join(dir, 'ImageSets', 'Segmentation', `${spec.split}.txt`);
  requireFile(listFile, `VOC split list "${spec.split}"`);
  const imagesDir = join(dir, 'JPEGImages');
  const labelsDir = join(dir, 'SegmentationClass');
  requireDir(imagesDir, 'VOC JPEGImages');
  requireDir(labelsDir, 'VOC SegmentationClass');
  const ids = readFileSync(listFile, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((l) => l.length > 0);
  const images = new Map(readdirSync(imagesDir).map((f) => [stemOf(f), f]));
  const labels = new Set(readdirSync(labelsDir));
  const problems: DatasetProblem[] = [];
  const entries: FileEntry[] = [];
  for (const id of ids) {
    const image = images.get(id);
    if (image === undefined) {
      const path = join(imagesDir, `${id}.jpg`);
      problems.push({ kind: 'missing-image', file: path, message: `${path}: listed in ${listFile} but not found` });
      continue;
    }
    if (!labels.has(`${id}.png`)) {
      const path = join(labelsDir, `${id}.png`);
      problems.push({ kind: 'missing-mask', file: path, message: `${path}: label map of ${id} (listed in ${listFile}) not found` });
      continue;
    }
    entries.push({ name: id, image: join(imagesDir, image), label: join(labelsDir, `${id}.png`) });
  }
  if (!options.lenient) throwProblems(`voc dataset ${dir} split ${spec.split}`, problems);
  requireSamples(entries.length, listFile, 'image ids');
  const rule = { numClasses: VOC_CLASS_NAMES.length, ignoreIndex: IGNORE };
  return new FileDataset({
    spec: { format: 'voc', root, split: spec.split },
    entries,
    classNames: VOC_CLASS_NAMES,
    ignoreIndex: IGNORE,
    palette: vocPalette(VOC_CLASS_NAMES.length),
    imageChannels: 3,
    decodeLabel: async (file) => indexLabel(await readLabelFile(file), rule, file),
    problems,
  });
}

/** The VOC split lists present (train, val, trainval, ...). */
export function vocSplits(root: string): string[] {
  let dir: string;
  try {
    dir = vocYearDir(root);
  } catch {
    return [];
  }
  return readdirSync(join(dir, 'ImageSets', 'Segmentation'))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
}
