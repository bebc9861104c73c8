// pixelwise predict: a checkpoint's model over images of any size; label maps, overlays,
// probability maps and panels at full resolution, all or nothing.
import { setNumThreads } from '../../torch/index.js';
import type { PadMode } from '../../data/transforms/spec.js';
import { OUTPUT_KINDS, PredictionStopped, predictImages, type ImageSummary, type OutputKind } from '../../infer/run.js';
import { choice, flag, num, requireStr, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { checkpointOption, deviceOf, deviceOption, imageLimitOption, threadCount, threadsOption } from '../common-options.js';
import { withInterrupt } from '../interrupt.js';

const specs: OptionSpecs = {
  checkpoint: checkpointOption,
  out: { type: 'string', short: 'o', help: 'DIR  output folder (created when missing)' },
  save: { type: 'string', help: `LIST  comma-separated: ${OUTPUT_KINDS.join(', ')} (default labels,overlay,panel; +prob for binary models; recon,panel for cae)` },
  alpha: { type: 'string', help: 'X  overlay opacity of the class colours, 0..1 (default 0.5)' },
  threshold: { type: 'string', help: 'T  binary models: foreground where probability > T (default 0.5)' },
  scale: { type: 'string', help: "S  train (default without --tile: resize to the training --size when there was one, results back to full size) or native" },
  tile: { type: 'string', help: "N  sliding windows of N pixels over the image at its own size (implies --scale native), blended where they overlap (rounded down to the model's grid: unet 2^depth, fcn 32)" },
  overlap: { type: 'string', help: 'N  pixels shared by neighbouring windows (default N/4)' },
  'pad-mode': { type: 'string', help: "M  padding to the model's input multiple: reflect (default unless training padded), constant, edge, symmetric, wrap" },
  device: deviceOption,
  threads: threadsOption,
  'max-image-pixels': imageLimitOption,
  quiet: { type: 'boolean', short: 'q', help: 'no line per image' },
};

function saveList(args: Parsed): OutputKind[] | undefined {
  const raw = str(args, 'save');
  if (raw === undefined) return undefined;
  const kinds = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = kinds.filter((k) => !(OUTPUT_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || bad.length) throw new UsageError(`--save expects a comma-separated list of ${OUTPUT_KINDS.join(', ')}, got '${raw}'`);
  return kinds as OutputKind[];
}

function summaryLine(s: ImageSummary): string {
  const at = s.modelWidth !== s.width || s.modelHeight !== s.height ? ` (model at ${s.modelHeight}x${s.modelWidth})` : '';
  const classes = s.classesPresent.length ? `  classes: ${s.classesPresent.join(', ')}` : '';
  return `${s.path}  ${s.height}x${s.width} (HxW)${at}${classes}  ${s.seconds.toFixed(2)} s`;
}

export const predict = defineCommand({
  name: 'predict',
  summary: 'segment images of any size with a checkpoint: label maps, overlays, panels',
  usage: 'pixelwise predict --checkpoint CKPT IMAGE_OR_DIR... --out DIR [options]',
  description:
    'Segments images of any size with a trained model and writes, per image NAME: NAME.labels.png (palette\n' +
    'PNG of class indices), NAME.overlay.png (class colours blended over the image), NAME.prob.png (binary\n' +
    'models: foreground probability as gray) and NAME.panel.png (input | prediction with class names).\n' +
    'Folders are read for .png, .jpg, .jpeg, .webp, .tif, .tiff and .bmp files. If anything fails, the\n' +
    'files written so far are removed again.',
  options: specs,
  positionals: 'any',
  async run(args) {
    const checkpoint = requireStr(args, 'checkpoint', 'the model to predict with');
    const out = requireStr(args, 'out', 'the folder to write results to');
    if (args.positionals.length === 0) throw new UsageError('expected one or more images or folders of images');
    const tile = num(args, 'tile', { min: 1, integer: true });
    const overlap = num(args, 'overlap', { min: 0, integer: true });
    if (overlap !== undefined && tile === undefined) throw new UsageError('--overlap needs --tile (the window size)');
    if (overlap !== undefined && tile !== undefined && overlap >= tile) throw new UsageError(`--overlap expects less than --tile ${tile}, got '${overlap}'`);
    const scale = choice(args, 'scale', ['train', 'native'] as const);
    if (tile !== undefined && scale === 'train') throw new UsageError("--tile runs the model on the image at its own size (--scale native); --scale train would first resize it to the training size");
    const device = deviceOf(args);
    const threads = threadCount(args);
    if (threads) setNumThreads(threads);
    const quiet = flag(args, 'quiet');
    let stopRequested = false;
    try {
      const result = await withInterrupt(
        'stopping after this image and removing what was written',
        () => {
          stopRequested = true;
        },
        () =>
          predictImages({
            checkpoint,
            inputs: args.positionals,
            out,
            save: saveList(args),
            alpha: num(args, 'alpha', { min: 0, max: 1 }),
            threshold: num(args, 'threshold', { min: 0, max: 1 }),
            scale,
            tile,
            overlap,
            padMode: choice(args, 'pad-mode', ['reflect', 'constant', 'edge', 'symmetric', 'wrap'] as PadMode[]),
            device,
            onImage: quiet ? undefined : (s) => console.log(summaryLine(s)),
            shouldStop: () => stopRequested,
          }),
      );
      if (!quiet) console.log(`wrote ${result.files.length} file(s) for ${result.images.length} image(s) to ${out}`);
      return 0;
    } catch (err) {
      if (err instanceof PredictionStopped) {
        console.error(`pixelwise predict: ${err.message}`);
        return 130;
      }
      throw err;
    }
  },
});
