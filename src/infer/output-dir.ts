// An output folder that can take back everything one run wrote: each file is written
// atomically, and rollback() removes the files (and the folder, if this run created it), so
// a failed run leaves nothing half-done behind.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';

export class OutputDir {
  readonly dir: string;
  /** The top-most folder this run created (removed on rollback), or null. */
  readonly created: string | null;
  readonly #written: string[] = [];

  /** Opens `dir`, creating it (and missing parents) when needed. */
  constructor(dir: string) {
    this.dir = resolve(dir);
    if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) throw new Error(`--out ${dir} exists and is not a folder`);
    this.created = mkdirSync(this.dir, { recursive: true }) ?? null;
  }

  /** Paths written so far, in order. */
  get written(): readonly string[] {
    return this.#written;
  }

  /** Writes `fileName` inside the folder atomically and remembers it; returns its path. */
  write(fileName: string, data: Uint8Array | string): string {
    const path = join(this.dir, fileName);
    writeFileAtomicSync(path, data);
    this.#written.push(path);
    return path;
  }

  /** Removes every file written through this object, and the folder if it was created here. */
  rollback(): void {
    for (const path of this.#written.splice(0)) rmSync(path, { force: true });
    if (this.created) rmSync(this.created, { recursive: true, force: true });
  }
}
