// pixelwise serve: the inspector, a local web page over runs and checkpoints (src/serve).
import { spawn } from 'node:child_process';
import { setNumThreads } from '../../torch/index.js';
import { isLoopback } from '../../serve/access.js';
import { startInspector } from '../../serve/inspector.js';
import { flag, num, str, UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { threadCount, threadsOption } from '../common-options.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../data-args.js';

const specs: OptionSpecs = {
  ...dataOptionSpecs,
  split: { type: 'string', help: "S  with --data: the split to browse and score (default 'val')" },
  port: { type: 'string', short: 'p', help: 'N  port (default: a free one)' },
  host: { type: 'string', help: 'H  address to bind (default 127.0.0.1; anything else is reachable from other machines: a warning)' },
  open: { type: 'boolean', help: 'open the page in the default browser (xdg-open / open)' },
  threshold: { type: 'string', help: 'T  one-output (binary) models: foreground threshold the scores use (default 0.5)' },
  threads: threadsOption,
};

export const serve = defineCommand({
  name: 'serve',
  summary: 'the inspector: a local web page with curves, predictions, scores and the model',
  usage: 'pixelwise serve RUN|CHECKPOINT ... [--data DIR --format F [--split S]] [--port N] [--host H] [--open]',
  description:
    'Serves a page over run folders (written by pixelwise train) and checkpoints: training curves that\n' +
    'update while a run trains; image | ground truth | prediction over a data split with synced\n' +
    'zoom/pan (wheel, drag) and a true-size toggle, an opacity slider, class toggles and editable\n' +
    'colours (click a legend swatch), errors only and (binary models) a threshold slider with live\n' +
    "IoU; the per-class scores and confusion matrix (as 'pixelwise eval --json' at the training\n" +
    "size); the layers, with a clicked layer's filters and its activations on the chosen image; for\n" +
    "the autoencoder (cae, 2-D latent; e.g. --data MNIST_DIR --format mnist --split test) the codes\n" +
    'of the split\'s images by digit, hover thumbnails, and the decoder at a clicked point; and\n' +
    'predictions for an image dropped on the page. The data defaults to the validation split a\n' +
    "run's config.json names. Binds 127.0.0.1 with a random token in the printed URL; run folders\n" +
    'are only read (predictions are kept in memory). Ctrl-C stops.',
  options: specs,
  positionals: 'any',
  async run(args) {
    const sources = args.positionals;
    if (sources.length === 0) throw new UsageError('give at least one RUN folder or CHECKPOINT file');
    const port = num(args, 'port', { min: 0, max: 65535, integer: true });
    const threshold = num(args, 'threshold', { min: 0, max: 1 });
    if (threshold === 0 || threshold === 1) throw new UsageError(`--threshold expects a number strictly between 0 and 1, got '${threshold}'`);
    const host = str(args, 'host') ?? '127.0.0.1';
    const hasData = str(args, 'format') !== undefined || str(args, 'data') !== undefined;
    if (str(args, 'split') !== undefined && !hasData) throw new UsageError('--split goes with --data/--format');
    const data = hasData ? datasetSpecFromArgs(args, str(args, 'split') ?? 'val') : null;
    const threads = threadCount(args);
    if (threads) setNumThreads(threads);
    if (!isLoopback(host)) console.error(`warning: --host ${host} makes the inspector reachable from other machines; anyone with the URL's token can read these runs and their data`);
    const inspector = await startInspector({ sources, data, host, port, threshold });
    console.log(`pixelwise inspector: ${inspector.url}`);
    console.log(`serving ${sources.length} source${sources.length > 1 ? 's' : ''} on ${host} (Ctrl-C stops)`);
    if (flag(args, 'open')) {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [inspector.url], { stdio: 'ignore', detached: true })
        .on('error', () => console.error(`note: could not start ${opener}; open the URL above yourself`))
        .unref();
    }
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    await inspector.close();
    console.log('stopped');
    return 0;
  },
});
