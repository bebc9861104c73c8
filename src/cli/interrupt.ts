// Ctrl-C during a long command: the first asks the work to stop at its next safe point, the
// second quits at once (exit code 130; files are written atomically, so none is half-written).

/**
 * Runs `body` with Ctrl-C calling `stop`; `notice` says what stopping means, e.g. 'stopping
 * after this step' (null: say nothing, e.g. a distributed run's ranks other than 0).
 */
export async function withInterrupt<T>(notice: string | null, stop: () => void, body: () => Promise<T>): Promise<T> {
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    if (notice !== null) console.error(`\ninterrupt: ${notice} (Ctrl-C again to quit now)`);
    stop();
  };
  process.on('SIGINT', onSigint);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSigint);
  }
}
