// The images a prediction run reads: files given by name and the images inside folders,
// each with the output name its results are written under.
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { IMAGE_EXTENSIONS } from '../image/files.js';

export interface InputImage {
  path: string;
  /** The file name without its extension: outputs are NAME.labels.png and so on. */
  name: string;
}

const isImageName = (file: string): boolean => IMAGE_EXTENSIONS.includes(extname(file).toLowerCase());

/** stat() with one-line errors: a missing path, a symlink loop, a dangling link. */
function statOf(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    let link = false;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch {
      // not there at all
    }
    if (code === 'ELOOP') throw new Error(`${what} ${path} is a symbolic link that leads back to itself (a symlink loop)`);
    if (code === 'ENOENT') throw new Error(link ? `${what} ${path} is a symbolic link to a file that does not exist` : `${what} ${path} does not exist`);
    throw new Error(`${what} ${path}: ${(err as Error).message}`);
  }
}

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
    if (statOf(path, 'input').isDirectory()) {
      const files = readdirSync(path)
        .filter((f) => isImageName(f) && !f.startsWith('.') && statOf(join(path, f), 'input').isFile())
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
