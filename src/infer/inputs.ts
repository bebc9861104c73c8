// The images a prediction run reads: files given by name and the images inside folders,
// each with the output name its results are written under.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { IMAGE_EXTENSIONS } from '../image/files.js';

export interface InputImage {
  path: string;
  /** The file name without its extension: outputs are NAME.labels.png and so on. */
  name: string;
}

const isImageName = (file: string): boolean => IMAGE_EXTENSIONS.includes(extname(file).toLowerCase());

/**
 * Expands files and folders (their images, not sub-folders, sorted by name) into the list of
 * images to predict. Throws on a missing path, a file that is not an image, a folder without
 * images, or two images that would write the same output names.
 */
export function collectImages(paths: readonly string[]): InputImage[] {
  if (paths.length === 0) throw new Error('no input images given');
  const out: InputImage[] = [];
  const extensions = IMAGE_EXTENSIONS.join(', ');
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`input ${path} does not exist`);
    if (statSync(path).isDirectory()) {
      const files = readdirSync(path)
        .filter((f) => isImageName(f) && !f.startsWith('.') && statSync(join(path, f)).isFile())
        .sort();
      if (files.length === 0) throw new Error(`folder ${path} holds no images (expected files ending in ${extensions})`);
      for (const f of files) out.push({ path: join(path, f), name: basename(f, extname(f)) });
    } else {
      if (!isImageName(path)) throw new Error(`input ${path} is not an image file (expected ${extensions})`);
      out.push({ path, name: basename(path, extname(path)) });
    }
  }
  const seen = new Map<string, string>();
  for (const { path, name } of out) {
    const other = seen.get(name);
    if (other !== undefined) {
      throw new Error(`inputs ${other} and ${path} would both write ${name}.*; rename one or predict them into different --out folders`);
    }
    seen.set(name, path);
  }
  return out;
}
