// The generic format: <root>[/<split>]/images/* and masks/* paired by file stem, with an
// optional classes.json. Masks may be class-index PNGs, palette PNGs, 0/255 binary masks or
// RGB colour masks (colours from classes.json).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binaryPalette, paletteFor } from '../../image/palette.js';
import type { Rgb } from '../../image/color.js';
import { defaultClassNames, findClassInfo, type ClassInfo } from '../classes.js';
import { DataError, throwProblems } from './errors.js';
import { FileDataset, pairByStem, requireSamples, type FileEntry } from './file-dataset.js';
import { isDir, readImageFile, readLabelFile, requireDir } from './files.js';
import { binaryLabel, colorLabel, indexLabel } from './label-map.js';
import type { DatasetProblem, FolderSpec } from './types.js';
import type { LabelArray, LabelMap } from '../../image/types.js';

export interface OpenOptions {
  /** Collect problems in dataset.problems and skip the samples concerned instead of throwing. */
  lenient?: boolean;
}

type MaskMode = 'index' | 'binary' | 'color';

// Binary masks: colours that show over gray images (see binaryPalette).
const BINARY_PALETTE: readonly Rgb[] = binaryPalette();

/** Opens a folder dataset (see FolderSpec). */
export async function openFolder(spec: FolderSpec, options: OpenOptions = {}): Promise<FileDataset> {
  if (typeof spec.root !== 'string' || spec.root === '') throw new Error(`folder dataset: spec.root is ${JSON.stringify(spec.root)}, expected the dataset folder`);
  const root = resolve(spec.root);
  requireDir(root, 'dataset');
  const base = spec.split ? join(root, spec.split) : root;
  requireDir(base, `split "${spec.split}"`);
  const imagesDir = join(base, spec.imagesDir ?? 'images');
  requireDir(imagesDir, 'images');
  const withMasks = spec.masksDir !== null;
  const masksDir = join(base, spec.masksDir ?? 'masks');
  if (withMasks) requireDir(masksDir, 'masks');

  const problems: DatasetProblem[] = [];
  const entries = pairByStem(imagesDir, withMasks ? masksDir : null, 'mask', problems);
  if (!options.lenient) throwProblems(`folder dataset ${base}`, problems);
  requireSamples(entries.length, imagesDir, 'image files (.png, .jpg, .tif, .bmp, .webp)');

  const classesCandidates = spec.classesFile ? [resolve(root, spec.classesFile)] : [join(base, 'classes.json'), join(root, 'classes.json')];
  const found = findClassInfo(classesCandidates);
  if (spec.classesFile && !found) throw new DataError('missing-file', classesCandidates[0]!, 'classes file not found');
  const classes = await decideClasses(spec, found?.info, entries, found?.path);
  const threshold = spec.threshold ?? 128;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 255) throw new Error(`folder dataset ${base}: threshold ${threshold}, expected 0..255`);
  const { mode, names, ignoreIndex, colors, palette } = classes;

  const decodeLabel = async (file: string): Promise<LabelMap<LabelArray>> => {
    if (mode === 'binary') return binaryLabel(await readImageFile(file, 1), threshold);
    const stored = await readLabelFile(file);
    if (mode === 'color') return colorLabel(stored, colors!, file);
    return indexLabel(stored, { numClasses: names.length, ignoreIndex }, file);
  };
  const filled: FolderSpec = { ...spec, root, maskMode: mode, numClasses: names.length, classNames: [...names], ignoreIndex };
  if (spec.threshold !== undefined || mode === 'binary') filled.threshold = threshold;
  return new FileDataset({ spec: filled, entries, classNames: names, ignoreIndex, palette, decodeLabel, problems });
}

interface Classes {
  mode: MaskMode;
  names: string[];
  ignoreIndex: number | null;
  colors?: readonly Rgb[];
  palette: readonly Rgb[];
}

// Spec fields win over classes.json; 'auto' looks at the first mask.
async function decideClasses(spec: FolderSpec, info: ClassInfo | undefined, entries: FileEntry[], infoPath?: string): Promise<Classes> {
  let mode: MaskMode | 'auto' = spec.maskMode ?? 'auto';
  if (!['auto', 'index', 'binary', 'color'].includes(mode)) throw new Error(`folder dataset ${spec.root}: maskMode "${mode}", expected auto, index, binary or color`);
  let names = spec.classNames ?? info?.names;
  let count = spec.numClasses ?? names?.length;
  if (spec.numClasses !== undefined && names && names.length !== spec.numClasses) {
    throw new Error(`folder dataset ${spec.root}: numClasses ${spec.numClasses} but ${names.length} class names${infoPath && !spec.classNames ? ` in ${infoPath}` : ''}`);
  }
  const ignoreIndex = spec.ignoreIndex !== undefined ? spec.ignoreIndex : (info?.ignoreIndex ?? null);
  let palette: readonly Rgb[] | undefined = info?.colors;
  const first = entries.find((e) => e.label)?.label;
  if (mode === 'auto' && first) {
    const stored = await readLabelFile(first);
    if (stored.channels === 3) mode = 'color';
    else if (stored.palette) {
      mode = 'index';
      // A palette PNG brings its own colours: use them for visualisation.
      palette ??= paletteColors(stored.palette);
    } else if (count !== undefined) mode = 'index';
    else {
      const seen = new Set<number>();
      for (const v of stored.data) seen.add(v);
      const only = (a: number, b: number): boolean => [...seen].every((v) => v === a || v === b);
      if (only(0, 255)) mode = 'binary';
      else if (only(0, 1)) {
        // Already class indices: a 0/1 mask through the 0/255 threshold would be all background.
        mode = 'index';
        names = ['background', 'foreground'];
        count = names.length;
        palette ??= BINARY_PALETTE;
      } else {
        const values = [...seen].sort((a, b) => a - b);
        throw new DataError(
          'bad-spec',
          first,
          `mask holds values {${values.slice(0, 12).join(', ')}${values.length > 12 ? ', ...' : ''}} and the class count is unknown; ` +
            `write a classes.json ({"names": [...]}) or give numClasses / maskMode in the dataset spec`,
        );
      }
    }
  }
  if (mode === 'auto') mode = 'index';
  if (mode === 'binary') {
    names ??= ['background', 'foreground'];
    count = names.length;
    if (count !== 2) throw new Error(`folder dataset ${spec.root}: binary masks give 2 classes, but ${count} class names are given`);
    palette ??= BINARY_PALETTE;
  }
  if (mode === 'color' && !info?.colors) {
    throw new DataError('bad-spec', first ?? spec.root, 'masks are RGB colour images; a classes.json with one colour per class ("colors") is needed to map them to classes');
  }
  if (count === undefined) throw new Error(`folder dataset ${spec.root}: the class count is unknown; write a classes.json or give numClasses`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`folder dataset ${spec.root}: numClasses ${count}, expected a positive integer`);
  names ??= defaultClassNames(count);
  palette = palette && palette.length >= count ? palette.slice(0, count) : paletteFor(count, 'voc');
  return { mode, names: [...names], ignoreIndex, palette, ...(info?.colors ? { colors: info.colors } : {}) };
}

function paletteColors(flat: Uint8Array): Rgb[] {
  const out: Rgb[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) out.push([flat[i]!, flat[i + 1]!, flat[i + 2]!]);
  return out;
}

/** Split sub-folders of a folder dataset root (those holding an images/ folder), or [''] when root holds images/ itself. */
export function folderSplits(root: string, imagesDir = 'images'): string[] {
  if (isDir(join(root, imagesDir))) return [''];
  if (!isDir(root)) return [];
  return readdirSync(root)
    .filter((s) => !s.startsWith('.') && isDir(join(root, s, imagesDir)))
    .sort();
}
