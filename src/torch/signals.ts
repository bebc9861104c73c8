// Ctrl-C that works while a synchronous libtorch call blocks the JS thread (native/interrupt.cc).
import { native } from './native.js';

/**
 * Until `release()`: the first SIGINT prints `notice` at once and still reaches the process's
 * 'SIGINT' listeners (when the event loop next turns); the second exits with code 130 at once,
 * even in the middle of a long operator call. Call it after adding the 'SIGINT' listener, and
 * release before removing it. `count()` is the number of SIGINTs so far, for loops that never
 * yield to the event loop.
 */
export function catchSecondInterrupt(notice: string): { count(): number; release(): void } {
  const installed = native.installInterruptHandler(notice);
  return {
    count: () => (installed ? native.interruptCount() : 0),
    release: () => {
      if (installed) native.uninstallInterruptHandler();
    },
  };
}
