// Atomic file replacement: write a temporary file beside the target, fsync it, rename it
// over the target, fsync the directory. A crash or an exception mid-write leaves either the
// old file or the new one at `path`, never a partial file.
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fsError } from './dirs.js';

/** Produces a file's content by calling write(chunk) any number of times. */
export type ChunkWriter = (write: (chunk: Uint8Array) => void) => void;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

// Makes the rename itself durable; some platforms cannot open directories, which is harmless.
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const MAX_WRITE = 1 << 30;

export interface AtomicWriteOptions {
  /** false: fail (leaving nothing behind) when path exists, even if it appears while writing. Default true. */
  overwrite?: boolean;
}

/** Publishes the finished temp file at path; without overwrite, a hard link that fails if path exists. */
function publishSync(tmp: string, path: string, overwrite: boolean): void {
  if (overwrite) return renameSync(tmp, path);
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${path} already exists; not overwritten`);
    // File systems without hard links: check, then rename (a race is possible only there).
    if (existsSync(path)) throw new Error(`${path} already exists; not overwritten`);
    return renameSync(tmp, path);
  }
  unlinkSync(tmp);
}

// File-system errors name the file being written (Node's say 'ENOSPC: ..., write' and nothing more).
function isFsError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/** Writes bytes, text, or the chunks of a ChunkWriter to path atomically (synchronous). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array | ChunkWriter, options: AtomicWriteOptions = {}): void {
  if (options.overwrite === false && existsSync(path)) throw new Error(`${path} already exists; not overwritten`);
  try {
    writeAtomic(path, data, options.overwrite ?? true);
  } catch (err) {
    throw isFsError(err) ? fsError('write', path, err) : err;
  }
}

function writeAtomic(path: string, data: string | Uint8Array | ChunkWriter, overwrite: boolean): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx');
  let closed = false;
  let done = false;
  try {
    const write = (chunk: Uint8Array): void => {
      for (let off = 0; off < chunk.byteLength; ) {
        off += writeSync(fd, chunk, off, Math.min(chunk.byteLength - off, MAX_WRITE));
      }
    };
    if (typeof data === 'function') data(write);
    else write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closed = true; // set first: a failed close must not be retried either
    closeSync(fd);
    publishSync(tmp, path, overwrite);
    done = true;
  } finally {
    if (!done) {
      // Never close a descriptor twice: once closed, its number may already belong to a file
      // another thread (a data-loader worker) has opened.
      if (!closed) {
        try {
          closeSync(fd);
        } catch {
          // nothing more to do
        }
      }
      try {
        unlinkSync(tmp);
      } catch {
        // never created or already gone
      }
    }
  }
  fsyncDirSync(dirname(path));
}

/** Writes bytes or text to path atomically (asynchronous). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeAtomicAsync(path, data);
  } catch (err) {
    throw isFsError(err) ? fsError('write', path, err) : err;
  }
}

async function writeAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx');
  let done = false;
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
  }
  fsyncDirSync(dirname(path));
}
