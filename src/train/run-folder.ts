// The run folder is a week of training: never written into by surprise. A new run wants an
// empty folder (or an explicit overwrite of an earlier run), and while a process trains it holds
// a lock file there, so a second process started into the same folder stops with a clear error.
// A lock whose process is gone (killed, machine rebooted) is taken over with a warning. In a
// distributed run only rank 0 (or the launcher, the parent of the ranks) holds it.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsError, makeDir } from '../io/dirs.js';

/** The lock file inside a run folder. */
export const LOCK_FILE = '.pixelwise.lock';

/** What pixelwise writes into a run folder (what --overwrite replaces). */
export const RUN_FILES: readonly string[] = ['config.json', 'metrics.jsonl', 'curves.png', 'curves.svg', 'checkpoints', 'samples', 'predictions'];

/** What a lock file records about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  /** When the holder started (ISO time). */
  started: string;
  /** Linux: the holder's start time in clock ticks since boot, so a reused pid is not mistaken for it. */
  startTicks?: number;
  command: string;
}

/** Entries of a run folder other than the lock; [] when it does not exist. */
export function runFolderEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new Error(`run folder ${dir} exists and is not a folder`);
  try {
    return readdirSync(dir).filter((f) => f !== LOCK_FILE).sort();
  } catch (err) {
    throw fsError('read run folder', dir, err);
  }
}

const listed = (entries: readonly string[]): string => (entries.length > 6 ? `${entries.slice(0, 6).join(', ')}, ...` : entries.join(', '));

/**
 * Throws unless `dir` can take a new run: missing or empty, or (with `overwrite`) holding
 * only an earlier run's files. Returns those files (what an overwrite will remove).
 */
export function checkNewRunFolder(dir: string, overwrite: boolean): string[] {
  const entries = runFolderEntries(dir);
  if (entries.length === 0) return [];
  if (!overwrite) {
    const run = entries.includes('config.json') || entries.includes('checkpoints') ? 'an earlier run' : 'other files';
    throw new Error(
      `run folder ${dir} is not empty (${run}: ${listed(entries)}); continue that run with --resume ${dir}, ` +
        `replace it with --overwrite, or give another --out`,
    );
  }
  const foreign = entries.filter((f) => !RUN_FILES.includes(f));
  if (foreign.length) {
    throw new Error(`--overwrite replaces an earlier run's files, but run folder ${dir} also holds ${listed(foreign)}; move them or give another --out`);
  }
  return entries;
}

/** Removes an earlier run's files (as listed by checkNewRunFolder). */
export function clearRunFolder(dir: string, entries: readonly string[]): void {
  for (const f of entries) rmSync(join(dir, f), { recursive: true, force: true });
}

/** This process's start time in clock ticks since boot (field 22 of /proc/self/stat), where there is a /proc. */
function startTicksOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function alive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Alive: the same process unless a later one got its pid.
  if (info.startTicks !== undefined) {
    const now = startTicksOf(info.pid);
    if (now !== undefined && now !== info.startTicks) return false;
  }
  return true;
}

/** The lock's holder, or null when there is no lock file (an unreadable one counts as held by nobody known). */
export function readLock(dir: string): LockInfo | null {
  const path = join(dir, LOCK_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (Number.isInteger(info.pid) && typeof info.host === 'string') return info;
  } catch {
    // a lock cut short while being written
  }
  return { pid: -1, host: hostname(), started: '?', command: '?' };
}

/** Whether this process is a rank of a distributed run other than rank 0 (those never lock). */
export function isSecondaryRank(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RANK !== undefined && env.RANK !== '' && env.RANK !== '0';
}

type Holder = { kind: 'none' } | { kind: 'parent' } | { kind: 'stale'; info: LockInfo | null } | { kind: 'held'; error: Error };

// Who holds the lock of `dir`, from this process's point of view.
function holderOf(dir: string): Holder {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return { kind: 'none' };
  const holder = readLock(dir);
  if (!holder) return { kind: 'none' };
  const host = hostname();
  if (holder.host === host && holder.pid === process.ppid) return { kind: 'parent' };
  if (holder.host === host && holder.pid === process.pid) return { kind: 'held', error: new Error(`run folder ${dir} is already locked by this process`) };
  if (holder.host !== host) {
    return { kind: 'held', error: new Error(`run folder ${dir} is locked by process ${holder.pid} on ${holder.host} (since ${holder.started}); if that run is gone, delete ${path}`) };
  }
  if (holder.pid > 0 && alive(holder)) {
    return {
      kind: 'held',
      error: new Error(`run folder ${dir} is in use: process ${holder.pid} has been training into it since ${holder.started} (${holder.command}); wait for it, stop it, or give another --out`),
    };
  }
  if (holder.pid <= 0) {
    // Unreadable: being written this instant by another process (fresh), or cut short long ago.
    let age = Infinity;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      return { kind: 'none' };
    }
    if (age < 10_000) return { kind: 'held', error: new Error(`run folder ${dir} is being locked by another process right now; wait for it or give another --out`) };
    return { kind: 'stale', info: null };
  }
  return { kind: 'stale', info: holder };
}

/** Throws the one-line error acquire() would throw when another live process holds the lock of `dir` (creates nothing). */
export function checkNotLocked(dir: string): void {
  const h = holderOf(dir);
  if (h.kind === 'held') throw h.error;
}

/** A held run-folder lock; release() (also run at process exit) removes it. */
export class RunLock {
  readonly dir: string;
  readonly path: string;
  /** False when the lock belongs to the parent process (a launcher holding it for its ranks). */
  readonly owned: boolean;
  #released = false;
  readonly #onExit = (): void => this.release();

  private constructor(dir: string, owned: boolean) {
    this.dir = dir;
    this.path = join(dir, LOCK_FILE);
    this.owned = owned;
    // A second Ctrl-C ends the process with process.exit(130): the lock goes with it.
    if (owned) process.on('exit', this.#onExit);
  }

  /**
   * Takes the lock of run folder `dir` (creating the folder). Throws one line naming the holder
   * when another live process holds it; takes over a lock whose process is gone, calling `warn`.
   */
  static acquire(dir: string, warn: (line: string) => void = console.error): RunLock {
    makeDir(dir, 'run folder');
    const path = join(dir, LOCK_FILE);
    const me: LockInfo = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      command: process.argv.slice(1).join(' '),
    };
    const ticks = startTicksOf('self');
    if (ticks !== undefined) me.startTicks = ticks;
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError('create lock file', path, err);
        const h = holderOf(dir);
        if (h.kind === 'parent') return new RunLock(dir, false);
        if (h.kind === 'held') throw h.error;
        if (h.kind === 'stale') {
          const who = h.info ? `process ${h.info.pid} (started ${h.info.started})` : 'a process';
          warn(`warning: taking over the lock of run folder ${dir} left by ${who}, which is gone`);
          rmSync(path, { force: true });
        }
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } catch (err) {
        closeSync(fd);
        rmSync(path, { force: true });
        throw fsError('write lock file', path, err);
      }
      closeSync(fd);
      return new RunLock(dir, true);
    }
    throw new Error(`run folder ${dir}: another process took the lock at the same moment; try again`);
  }

  /** Removes the lock file if this process holds it; safe to call twice. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (!this.owned) return;
    process.off('exit', this.#onExit);
    const holder = readLock(this.dir);
    if (holder && holder.pid === process.pid) {
      try {
        unlinkSync(this.path);
      } catch {
        // the folder was removed (a run that failed before its first checkpoint)
      }
    }
  }
}
