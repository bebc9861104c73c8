// Ctrl-C during a long command: the first asks the work to stop at its next safe point, the
// second quits at once (exit code 130; files are written atomically, so none is half-written).
// The second works even while a long synchronous libtorch call blocks the JS thread: a native
// handler counts the signals and exits on the second (src/torch/signals.ts).

/**
 * Runs `body` with Ctrl-C calling `stop`; `notice` says what stopping means, e.g. 'stopping
 * after this step' (null: say nothing, e.g. a distributed run's ranks other than 0).
 * `libtorch: false` (work that never calls libtorch, e.g. predict --engine onnx) leaves the
 * native handler out, so the addon and libtorch are not loaded for it.
 */
export async function withInterrupt<T>(notice: string | null, stop: () => void, body: () => Promise<T>, options: { libtorch?: boolean } = {}): Promise<T> {
  const message = notice === null ? '' : `\ninterrupt: ${notice} (Ctrl-C again to quit now)\n`;
  let interrupted = false;
  let guard: { count(): number; release(): void } | undefined;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    // The native handler already printed the notice when the signal came.
    if (!guard || guard.count() === 0) process.stderr.write(message);
    stop();
  };
  process.on('SIGINT', onSigint);
  // After the listener, so libuv's handler is the one the native handler passes the first signal on to.
  if (options.libtorch ?? true) guard = (await import('../torch/signals.js')).catchSecondInterrupt(message);
  try {
    return await body();
  } finally {
    guard?.release();
    process.off('SIGINT', onSigint);
  }
}
