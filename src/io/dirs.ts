// Creating output folders one level at a time, with every step checked. Node's
// mkdirSync(path, { recursive: true }) retries forever when the file system answers ENOENT for
// a folder it will not create (under /proc it spins at 100 % CPU); this walks the path once.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** "no space left on device (ENOSPC)" for a Node file-system error; the message itself otherwise. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a folder',
    EEXIST: 'already exists',
    EISDIR: 'is a folder',
    ELOOP: 'too many levels of symbolic links (a symlink loop?)',
    ENAMETOOLONG: 'name too long',
    EFBIG: 'file too large',
    EIO: 'input/output error',
  };
  if (e && typeof e.code === 'string' && reasons[e.code]) return `${reasons[e.code]} (${e.code})`;
  return e?.message ?? String(err);
}

/** An error whose message names `path` and says what failed; keeps the errno code. */
export function fsError(action: string, path: string, err: unknown): Error {
  const out = new Error(`cannot ${action} ${path}: ${describeFsError(err)}`) as NodeJS.ErrnoException;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code) out.code = code;
  return out;
}

function kindOf(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    throw fsError('use folder', path, err);
  }
}

/**
 * Creates folder `path` and its missing parents; returns the top-most folder it created, or
 * null when `path` already existed (as mkdirSync recursive does). Every error is one line naming
 * the path: an existing file in the way, a parent that cannot be created, a refusing file system.
 * `what` names the folder in messages ('--out', 'run folder').
 */
export function makeDir(path: string, what = 'folder'): string | null {
  const target = resolve(path);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    const kind = kindOf(p);
    if (kind === 'dir') break;
    if (kind === 'other') {
      throw new Error(p === target ? `${what} ${path} exists and is not a folder` : `cannot create ${what} ${path}: ${p} exists and is not a folder`);
    }
    missing.push(p);
    if (dirname(p) === p) break; // a missing root: mkdir below says why
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // Another process may have made it meanwhile; anything else is final.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(dir) === 'dir') continue;
      throw new Error(`cannot create ${what} ${path}${dir !== target ? ` (at ${dir})` : ''}: ${describeFsError(err)}`);
    }
    // Some file systems (/proc) answer a mkdir without making anything: check it is there.
    if (kindOf(dir) !== 'dir') throw new Error(`cannot create ${what} ${path}: the file system did not create ${dir}`);
  }
  return missing.length ? missing[0]! : null;
}
