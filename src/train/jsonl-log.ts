// Append-only JSON Lines logs (metrics.jsonl): one object per line, each written whole with
// one append and flushed to disk, so a crash loses at most the line being written.
import { appendFileSync, closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsError, makeDir } from '../io/dirs.js';

export interface JsonlLogOptions {
  /** fsync after every line (default true); turn off only for throwaway logs. */
  fsync?: boolean;
}

/** One JSON line, with what JSON cannot hold made explicit: NaN and ±Infinity become null, BigInt a number. */
export function toJsonLine(record: object): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(`JsonlLog: each record must be a plain object, got ${Array.isArray(record) ? 'an array' : record}`);
  }
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    return value;
  });
}

/** Bytes after the last newline of an open file (a line a crash left unfinished). */
function unfinishedTail(fd: number, size: number): number {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) return size - (start + nl + 1);
    end = start;
  }
  return size;
}

export class JsonlLog {
  readonly path: string;
  /** Bytes of an unfinished last line (from a crash) found at open and cut off, else 0. */
  readonly repairedBytes: number;
  #fd: number | null;
  #fsync: boolean;

  /** Opens (creating it and its folder if needed) `path` for appending. */
  constructor(path: string, options: JsonlLogOptions = {}) {
    this.path = path;
    this.#fsync = options.fsync ?? true;
    makeDir(dirname(path));
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (err) {
      throw fsError('open', path, err);
    }
    try {
      // A partial line would otherwise glue itself to the next record and spoil both.
      const size = fstatSync(fd).size;
      this.repairedBytes = size > 0 ? unfinishedTail(fd, size) : 0;
      if (this.repairedBytes > 0) {
        ftruncateSync(fd, size - this.repairedBytes);
        fsyncSync(fd);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
  }

  /** Appends one record as one line and flushes it to disk. */
  append(record: object): void {
    if (this.#fd === null) throw new Error(`JsonlLog: ${this.path} is closed`);
    try {
      appendFileSync(this.#fd, toJsonLine(record) + '\n');
      if (this.#fsync) fsyncSync(this.#fd);
    } catch (err) {
      throw (err as NodeJS.ErrnoException).syscall ? fsError('append to', this.path, err) : err;
    }
  }

  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export interface JsonlContents<T> {
  records: T[];
  /** The last line when it was cut short (a crash mid-write) and skipped, else null. */
  truncated: { line: number; text: string } | null;
}

/**
 * Reads a JSON Lines file. An unparseable last line without its newline is a write cut short
 * and is reported in `truncated`; an unparseable line anywhere else is an error.
 */
export function readJsonl<T = Record<string, unknown>>(path: string): JsonlContents<T> {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const records: T[] = [];
  let truncated: JsonlContents<T>['truncated'] = null;
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const unterminated = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      records.push(value as T);
    } else if (unterminated) {
      truncated = { line: i + 1, text: raw };
    } else {
      const shown = raw.length > 80 ? raw.slice(0, 80) + '...' : raw;
      throw new SyntaxError(`readJsonl: ${path}:${i + 1} is not a JSON object: ${shown}`);
    }
  });
  return { records, truncated };
}
