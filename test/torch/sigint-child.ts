// Child process for sigint.test.ts (not a test itself): runs a loop of big matrix products
// under withInterrupt, printing 'ready' first. `sync`: the loop never yields, so JS 'SIGINT'
// listeners cannot run (only the native handler can end it: exit 130). `async`: the loop
// yields between products, so the first Ctrl-C's stop() ends it (exit 0, 'stopped').
import { withInterrupt } from '../../src/cli/interrupt.js';
import { randn, setNumThreads, tidy } from '../../src/torch/index.js';

const mode = process.argv[2];
setNumThreads(1);
let stopped = false;
const a = randn([1500, 1500]).keep();
const deadline = Date.now() + 60_000;
await withInterrupt('stopping after this product', () => (stopped = true), async () => {
  process.stdout.write('ready\n');
  while (!stopped && Date.now() < deadline) {
    tidy(() => {
      a.matmul(a).sum();
    });
    if (mode === 'async') await new Promise((r) => setImmediate(r));
  }
});
process.stdout.write(stopped ? 'stopped\n' : 'deadline\n');
process.exit(stopped ? 0 : 3);
