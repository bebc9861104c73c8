// Finding and reading a dataset's files, with errors that name the file and say what was expected.
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { IMAGE_EXTENSIONS, readImage, readLabelImage, readLabelImageAsync } from '../../image/files.js';
import { ImageTooLargeError } from '../../image/limits.js';
import type { RawImage, StoredLabels } from '../../image/types.js';
import { DataError } from './errors.js';
import type { DatasetProblem } from './types.js';

/** Throws a missing-folder DataError unless path is a directory. */
export function requireDir(path: string, what: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // missing
  }
  if (!isDir) throw new DataError('missing-folder', path, `${what} folder not found`);
}

/** Throws a missing-file DataError unless path is a file. */
export function requireFile(path: string, what: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // missing
  }
  if (!isFile) throw new DataError('missing-file', path, `${what} not found`);
}

/** Whether path is a directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A file name without its extension. */
export function stemOf(file: string): string {
  const ext = extname(file);
  return ext ? file.slice(0, -ext.length) : file;
}

/**
 * Image files of a folder by stem (sorted by stem). Two files sharing a stem (a.png, a.jpg)
 * are a problem: the one whose extension comes first in `extensions` (PNG first) is kept.
 */
export function filesByStem(dir: string, problems: DatasetProblem[], extensions = IMAGE_EXTENSIONS): Map<string, string> {
  const rank = (f: string) => extensions.indexOf(extname(f).toLowerCase());
  const files = readdirSync(dir)
    .filter((f) => !f.startsWith('.') && rank(f) >= 0)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const byStem = new Map<string, string>();
  for (const f of files) {
    const stem = stemOf(f);
    const seen = byStem.get(stem);
    if (seen !== undefined) {
      problems.push({ kind: 'bad-spec', file: join(dir, f), message: `${join(dir, f)}: shares the stem "${stem}" with ${seen}; keeping ${seen}` });
      continue;
    }
    byStem.set(stem, f);
  }
  return new Map([...byStem].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Reads an image file, wrapping decode failures as 'unreadable' DataErrors. */
export async function readImageFile(path: string, channels?: RawImage['channels']): Promise<RawImage> {
  try {
    return await readImage(path, channels ? { channels } : {});
  } catch (e) {
    throw asUnreadable(e, path);
  }
}

/** Reads a label map file exactly as stored (PNG synchronously, others through sharp). */
export async function readLabelFile(path: string): Promise<StoredLabels> {
  try {
    return extname(path).toLowerCase() === '.png' ? readLabelImage(path) : await readLabelImageAsync(path);
  } catch (e) {
    throw asUnreadable(e, path);
  }
}

function asUnreadable(e: unknown, path: string): DataError {
  if (e instanceof DataError) return e;
  const message = (e as Error).message ?? String(e);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError('missing-file', path, 'file not found');
  if (code === 'ELOOP') return new DataError('unreadable', path, 'a symbolic link that leads back to itself (a symlink loop)');
  if (code === 'EISDIR') return new DataError('unreadable', path, 'is a folder, expected an image file');
  if (e instanceof ImageTooLargeError) return new DataError('too-large', path, message.startsWith(path + ': ') ? message.slice(path.length + 2) : message);
  return new DataError('unreadable', path, message.startsWith(path + ': ') ? message.slice(path.length + 2) : message);
}

/** Throws a size-mismatch DataError when an image and its label map differ in size. */
export function checkSameSize(image: { width: number; height: number }, label: { width: number; height: number }, imageFile: string, labelFile: string): void {
  if (image.width !== label.width || image.height !== label.height) {
    throw new DataError(
      'size-mismatch',
      labelFile,
      `label map is ${label.height}x${label.width} but its image ${imageFile} is ${image.height}x${image.width} (HxW); they must match pixel for pixel`,
    );
  }
}
