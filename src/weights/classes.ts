// Class names for converted weights: a known table by name (voc, camvid, ade20k, imagenet) or a
// file (classes.json in any form data/ reads, or a text file with one name per line).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ADE20K_CLASS_NAMES, CAMVID_CLASS_NAMES, imagenetClasses, VOC_CLASS_NAMES } from '../image/classes.js';
import { readClassInfo } from '../data/classes.js';

export interface ClassList {
  names: string[];
  ignoreIndex: number | null;
}

/** The class tables known by name; the ignore index is the dataset's. */
export const CLASS_TABLES: Readonly<Record<string, () => ClassList>> = Object.freeze({
  voc: () => ({ names: [...VOC_CLASS_NAMES], ignoreIndex: 255 }),
  camvid: () => ({ names: [...CAMVID_CLASS_NAMES], ignoreIndex: 11 }),
  ade20k: () => ({ names: [...ADE20K_CLASS_NAMES], ignoreIndex: 255 }),
  imagenet: () => ({ names: [...imagenetClasses()], ignoreIndex: null }),
});

/** A table name or a file of class names (classes.json, or .txt with one name per line). */
export function resolveClasses(spec: string | readonly string[]): ClassList {
  if (Array.isArray(spec)) return { names: [...spec], ignoreIndex: null };
  const s = spec as string;
  if (Object.hasOwn(CLASS_TABLES, s)) return CLASS_TABLES[s]!();
  if (extname(s).toLowerCase() === '.json') return readClassInfo(s);
  let text: string;
  try {
    text = readFileSync(s, 'utf8');
  } catch (err) {
    throw new Error(`classes '${s}': neither ${Object.keys(CLASS_TABLES).join(', ')} nor a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`${s}: no class names (expected one per line, or a classes.json)`);
  return { names, ignoreIndex: null };
}
