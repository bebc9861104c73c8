// An output folder that can take back what one run wrote and nothing else: each file is
// written atomically; a file that was already there (an earlier run's) is first kept under a
// hidden name, so rollback() puts it back, while commit() lets the kept copies go. Folders the
// run created are removed on rollback only when they are empty again.
import { copyFileSync, existsSync, linkSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { makeDir } from '../io/dirs.js';

export class OutputDir {
  readonly dir: string;
  /** The top-most folder this run created (removed on rollback when empty), or null. */
  readonly created: string | null;
  readonly #written: string[] = [];
  /** Earlier files this run replaced: [path, the hidden copy that holds the earlier content]. */
  readonly #kept: [string, string][] = [];

  /** Opens `dir`, creating it (and missing parents) when needed. */
  constructor(dir: string) {
    this.dir = resolve(dir);
    this.created = makeDir(this.dir, 'output folder');
  }

  /** Paths written so far, in order. */
  get written(): readonly string[] {
    return this.#written;
  }

  /** Writes `fileName` inside the folder atomically and remembers it; returns its path. */
  write(fileName: string, data: Uint8Array | string): string {
    const path = join(this.dir, fileName);
    if (!this.#written.includes(path) && existsSync(path)) {
      // A hard link keeps the earlier file's content whatever the rename below does to `path`.
      const copy = join(dirname(path), `.${basename(path)}.${process.pid}.before`);
      rmSync(copy, { force: true });
      try {
        linkSync(path, copy);
      } catch {
        copyFileSync(path, copy); // a file system without hard links
      }
      this.#kept.push([path, copy]);
    }
    writeFileAtomicSync(path, data);
    if (!this.#written.includes(path)) this.#written.push(path);
    return path;
  }

  /** The run succeeded: drops the copies of the files it replaced. */
  commit(): void {
    for (const [, copy] of this.#kept.splice(0)) rmSync(copy, { force: true });
  }

  /** Removes every file written through this object, puts back the files it replaced, and removes the folders it created if empty. */
  rollback(): void {
    const kept = new Map(this.#kept.splice(0));
    for (const path of this.#written.splice(0)) {
      const copy = kept.get(path);
      if (copy) renameSync(copy, path);
      else rmSync(path, { force: true });
    }
    if (!this.created) return;
    for (let d = this.dir; ; d = dirname(d)) {
      if (!existsSync(d) || readdirSync(d).length > 0) break;
      rmdirSync(d);
      if (d === this.created) break;
    }
  }
}
