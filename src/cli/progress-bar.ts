// A progress line for long-running commands (train, eval, predict): count, percent, elapsed,
// ETA, throughput and the latest metrics. On a terminal it redraws in place; to a pipe or a
// file (no TTY) carriage returns would pile up, so it prints one plain line per task when it
// ends (one per epoch, one per validation), or every few percent when asked to.
import type { ProgressCallback } from '../io/progress.js';

/** Where the line goes: process.stderr or anything with write() (tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Items (images, batches) the run will process. */
  total: number;
  label?: string;
  /** Default process.stderr, so piping stdout (eval --json) stays clean. */
  stream?: ProgressStream;
  /** What an item is, for the rate: 'img' gives img/s (default 'it'). */
  unit?: string;
  /** Milliseconds clock; inject one for deterministic tests. */
  now?: () => number;
  /** Redraw in place; defaults to stream.isTTY. */
  tty?: boolean;
  /** Without a TTY, also one line each time this many more percent are done (default: none, only the final line). */
  plainEveryPercent?: number;
  /** On a TTY, at most one redraw per this many ms (default 100, ~10 Hz). */
  minIntervalMs?: number;
  /** Characters in the bar (TTY only; default 20). */
  barWidth?: number;
}

export type MetricValue = number | string;

/** Elapsed seconds before a rate and an ETA are shown (the final line always has them). */
const MIN_RATE_SECONDS = 0.5;

/** Seconds as m:ss, or h:mm:ss from an hour up. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** A metric compactly: 4 significant digits, exponent form for very small or large values. */
export function formatMetric(v: MetricValue): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

export class Progress {
  readonly total: number;
  readonly label: string;
  #stream: ProgressStream;
  #unit: string;
  #now: () => number;
  #tty: boolean;
  #plainEvery: number;
  #minInterval: number;
  #barWidth: number;
  #start: number;
  #count = 0;
  #metrics = new Map<string, MetricValue>();
  #lastDraw = -Infinity;
  #lastStep = 0;
  #done = false;

  constructor(options: ProgressOptions) {
    const { total } = options;
    if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) {
      throw new RangeError(`Progress: total must be a non-negative number, got ${total}`);
    }
    const every = options.plainEveryPercent ?? 100;
    if (!(every > 0 && every <= 100)) throw new RangeError(`Progress: plainEveryPercent must be in (0, 100], got ${every}`);
    this.total = total;
    this.label = options.label ?? '';
    this.#stream = options.stream ?? process.stderr;
    this.#unit = options.unit ?? 'it';
    this.#now = options.now ?? (() => performance.now());
    this.#tty = options.tty ?? this.#stream.isTTY === true;
    this.#plainEvery = every;
    this.#minInterval = options.minIntervalMs ?? 100;
    this.#barWidth = options.barWidth ?? 20;
    this.#start = this.#now();
  }

  get count(): number {
    return this.#count;
  }

  /** Records n more items done and the latest metrics (kept until replaced), then maybe redraws. */
  tick(n = 1, metrics: Record<string, MetricValue> = {}): void {
    if (this.#done) throw new Error(`Progress${this.label ? ` '${this.label}'` : ''}: tick() after done()`);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`Progress.tick: n must be a non-negative number, got ${n}`);
    this.#count += n;
    for (const [k, v] of Object.entries(metrics)) this.#metrics.set(k, v);
    const now = this.#now();
    if (this.#tty) {
      const finished = this.#count >= this.total;
      if (finished || now - this.#lastDraw >= this.#minInterval) this.#draw(now);
    } else if (this.#count < this.total) {
      // The final line is done()'s, so it is printed once, with the final metrics.
      const step = Math.floor(this.#percent() / this.#plainEvery);
      if (step > this.#lastStep) {
        this.#lastStep = step;
        this.#print(now);
      }
    }
  }

  /** Draws the final state and ends the line; later ticks are errors. */
  done(metrics: Record<string, MetricValue> = {}): void {
    if (this.#done) return;
    for (const [k, v] of Object.entries(metrics)) this.#metrics.set(k, v);
    const now = this.#now();
    if (this.#tty) {
      this.#draw(now, true);
      this.#stream.write('\n');
    } else {
      this.#print(now, true);
    }
    this.#done = true;
  }

  /** The status text at time `now` (without bar, carriage return or newline). */
  line(now = this.#now()): string {
    return this.#text(now, false);
  }

  #text(now: number, withBar: boolean, final = false): string {
    const elapsed = Math.max(0, (now - this.#start) / 1000);
    // A rate over the first few milliseconds is noise (a data check once began at 60,046 img/s).
    const rate = elapsed >= MIN_RATE_SECONDS || (final && elapsed > 0) ? this.#count / elapsed : NaN;
    const eta = rate > 0 ? Math.max(0, this.total - this.#count) / rate : NaN;
    const width = String(Math.round(this.total)).length;
    const parts = [
      this.label,
      `${String(this.#count).padStart(width)}/${this.total}`,
      `${this.#percent().toFixed(0).padStart(3)}%`,
      withBar ? this.#bar() : '',
      `${formatDuration(elapsed)}<${this.#count >= this.total ? formatDuration(0) : formatDuration(eta)}`,
      this.#rate(rate),
      ...[...this.#metrics].map(([k, v]) => `${k} ${formatMetric(v)}`),
    ];
    return parts.filter((p) => p !== '').join('  ');
  }

  #percent(): number {
    return this.total === 0 ? 100 : Math.min(100, (100 * this.#count) / this.total);
  }

  #rate(rate: number): string {
    // Slow steps (a CPU epoch of big images) read better as seconds per item.
    if (!(rate > 0)) return `- ${this.#unit}/s`;
    return rate >= 1 ? `${rate.toFixed(2)} ${this.#unit}/s` : `${(1 / rate).toFixed(2)} s/${this.#unit}`;
  }

  #bar(): string {
    const filled = Math.round((this.#percent() / 100) * this.#barWidth);
    return `[${'#'.repeat(filled)}${'.'.repeat(this.#barWidth - filled)}]`;
  }

  #draw(now: number, final = false): void {
    this.#lastDraw = now;
    let full = this.#text(now, true, final);
    // A line wider than the terminal wraps, and \r then only rewinds its last row.
    const columns = this.#stream.columns;
    if (columns && full.length >= columns) full = full.slice(0, columns - 1);
    this.#stream.write(`\r${full}\x1b[K`);
  }

  #print(now: number, final = false): void {
    this.#stream.write(this.#text(now, false, final) + '\n');
  }
}

/**
 * A ProgressCallback that draws one bar per task on stderr (created on the task's first event,
 * ended on its last), so the library's progress events look as the command line always showed them.
 */
export function progressBars(options: Omit<ProgressOptions, 'total' | 'label'> = {}): ProgressCallback {
  const bars = new Map<string, Progress>();
  return (event) => {
    let bar = bars.get(event.task);
    if (!bar) {
      bar = new Progress({ unit: 'img', ...options, total: event.total, label: event.task });
      bars.set(event.task, bar);
    }
    if (event.done > bar.count) bar.tick(event.done - bar.count, event.metrics ?? {});
    if (event.finished) {
      bar.done(event.metrics ?? {});
      bars.delete(event.task);
    }
  };
}
