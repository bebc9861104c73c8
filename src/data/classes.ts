// classes.json: names, colours and the ignore index of a folder dataset, written by hand or
// by a labelling tool. (The class tables of known datasets live in image/classes.ts.)
import { existsSync, readFileSync } from 'node:fs';
import { parseColor, type Rgb } from '../image/color.js';

/** What a classes.json holds. */
export interface ClassInfo {
  names: string[];
  /** One colour per class, when the file gives them (needed for RGB colour masks). */
  colors?: Rgb[];
  ignoreIndex: number | null;
}

/**
 * Parses classes.json. Accepted forms:
 * `{"names": [...], "colors"?: [[r,g,b] | "#rrggbb", ...], "ignoreIndex"?: n}`,
 * `{"classes": [{"name": ..., "color"?: ...}, ...], "ignoreIndex"?: n}`, or a bare list of names.
 */
export function parseClassInfo(json: unknown, file = 'classes.json'): ClassInfo {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  let names: unknown[];
  let colors: unknown[] | undefined;
  let ignore: unknown = null;
  if (Array.isArray(json)) {
    names = json;
  } else if (json !== null && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    ignore = o.ignoreIndex ?? o.ignore_index ?? null;
    if (Array.isArray(o.classes)) {
      const entries = o.classes as unknown[];
      names = entries.map((c, i) => (c !== null && typeof c === 'object' ? (c as Record<string, unknown>).name : fail(`classes[${i}] is ${JSON.stringify(c)}, expected {"name": ..., "color"?: ...}`)));
      const cs = entries.map((c) => (c as Record<string, unknown>).color);
      if (cs.some((c) => c !== undefined)) colors = cs;
    } else if (Array.isArray(o.names)) {
      names = o.names;
      if (o.colors !== undefined) colors = Array.isArray(o.colors) ? o.colors : fail(`"colors" is ${JSON.stringify(o.colors)}, expected a list`);
    } else {
      return fail('expected {"names": [...]} or {"classes": [{"name": ...}]} or a list of class names');
    }
  } else {
    return fail(`holds ${JSON.stringify(json)}, expected an object or a list of class names`);
  }
  if (names.length === 0) fail('lists no classes');
  names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length === 0) fail(`class ${i} name is ${JSON.stringify(n)}, expected a non-empty string`);
  });
  if (ignore !== null && (!Number.isInteger(ignore) || (ignore as number) < 0)) {
    fail(`ignoreIndex is ${JSON.stringify(ignore)}, expected a non-negative integer or null`);
  }
  const info: ClassInfo = { names: names as string[], ignoreIndex: ignore as number | null };
  if (colors) {
    if (colors.length !== names.length) fail(`${colors.length} colours for ${names.length} classes, expected one per class`);
    info.colors = colors.map((c, i) => {
      try {
        if (Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return [c[0], c[1], c[2]] as Rgb;
        if (typeof c === 'string') {
          const [r, g, b] = parseColor(c);
          return [r, g, b] as Rgb;
        }
      } catch {
        // fall through to the error below
      }
      return fail(`class ${i} (${String(names[i])}) colour is ${JSON.stringify(c)}, expected [r, g, b] in 0..255 or "#rrggbb"`);
    });
  }
  return info;
}

/** Reads a classes.json file (see parseClassInfo for the forms accepted). */
export function readClassInfo(path: string): ClassInfo {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read classes file (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseClassInfo(json, path);
}

/** The first of the candidate paths that exists, read as classes.json; undefined when none does. */
export function findClassInfo(candidates: readonly string[]): { path: string; info: ClassInfo } | undefined {
  for (const path of candidates) if (existsSync(path)) return { path, info: readClassInfo(path) };
  return undefined;
}

/** Default names "class 0", "class 1", ... */
export function defaultClassNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `class ${i}`);
}
