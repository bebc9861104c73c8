// What long-running library calls (training, evaluation, dataset checks) report as they go.
// The library only emits these events; the command line draws them as progress bars, and a
// library user may log them, forward them or pass nothing at all.

/** One report of a task's progress. */
export interface ProgressEvent {
  /** The task, e.g. 'epoch 3/10', 'validate 3', 'eval', 'check train'. */
  task: string;
  /** Items (images) done so far: 0 when the task starts. */
  done: number;
  /** Items the task will process. */
  total: number;
  /** The latest figures worth showing beside the count (loss, learning rate). */
  metrics?: Readonly<Record<string, number>>;
  /** True on the task's last event. */
  finished?: boolean;
}

/**
 * Receives progress events.
 * @example
 *   await trainModel({ ...options, onProgress: (e) => e.finished && console.log(`${e.task}: ${e.done} images`) });
 */
export type ProgressCallback = (event: ProgressEvent) => void;

/**
 * Reports one task's progress to a callback (or nowhere): a start event on creation, one event
 * per advance, a last one on finish. Calls that take a reporter advance it; their caller
 * creates and finishes it, so it also names the task and knows the total.
 */
export class ProgressReporter {
  readonly task: string;
  readonly total: number;
  readonly #callback: ProgressCallback | undefined;
  #done = 0;
  #finished = false;

  constructor(callback: ProgressCallback | undefined, task: string, total: number) {
    this.#callback = callback;
    this.task = task;
    this.total = total;
    callback?.({ task, done: 0, total });
  }

  /** Items done so far. */
  get done(): number {
    return this.#done;
  }

  /** Records n more items done, with the latest metrics. */
  advance(n: number, metrics?: Readonly<Record<string, number>>): void {
    this.#done += n;
    this.#callback?.({ task: this.task, done: this.#done, total: this.total, ...(metrics ? { metrics } : {}) });
  }

  /** Ends the task (once; later calls do nothing). */
  finish(metrics?: Readonly<Record<string, number>>): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#callback?.({ task: this.task, done: this.#done, total: this.total, finished: true, ...(metrics ? { metrics } : {}) });
  }
}
