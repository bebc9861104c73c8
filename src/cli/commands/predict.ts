// pixelwise predict: a checkpoint's model over images of any size; label maps, overlays,
// probability maps and panels at full resolution, all or nothing.
import { setNumThreads } from '../../torch/index.js';
import type { PadMode } from '../../data/transforms/spec.js';
import { OUTPUT_KINDS, PredictionStopped, predictImages, type ImageSummary, type OutputKind } from '../../infer/run.js';
import type { Predictor } from '../../infer/predictor.js';
import { choice, flag, num, requireStr, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { createPredictor } from '../../infer/predictor.js';
import { checkpointOption, classesOption, modelFromWeightsArgs, threadCount, threadsOption, weightsOption } from '../common-options.js';
import { withInterrupt } from '../interrupt.js';

const specs: OptionSpecs = {
  checkpoint: checkpointOption,
  weights: weightsOption,
  model: { type: 'string', short: 'm', help: 'NAME  with --weights: the model to build (default: the one the file holds, when it says)' },
  classes: classesOption,
  out: { type: 'string', short: 'o', help: 'DIR  output folder (created when missing)' },
  save: { type: 'string', help: `LIST  comma-separated: ${OUTPUT_KINDS.join(', ')} (default labels,overlay,panel; +prob for binary models; recon,panel for cae)` },
  alpha: { type: 'string', help: 'X  overlay opacity of the class colours, 0..1 (default 0.5)' },
  threshold: { type: 'string', help: 'T  binary models: foreground where probability > T (default 0.5)' },
  scale: { type: 'string', help: "S  train (default: resize to the training --size when there was one, results back to full size) or native" },
  tile: { type: 'string', help: "N  sliding windows of N pixels for larger images, blended where they overlap (rounded down to the model's grid: unet 2^depth, fcn 32)" },
  overlap: { type: 'string', help: 'N  pixels shared by neighbouring windows (default N/4)' },
  'pad-mode': { type: 'string', help: "M  padding to the model's input multiple: reflect (default unless training padded), constant, edge, symmetric, wrap" },
  device: { type: 'string', help: "D  cpu (default), cuda, cuda:N" },
  threads: threadsOption,
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
  const at = s.modelWidth !== s.width || s.modelHeight !== s.height ? ` (model at ${s.modelWidth}x${s.modelHeight})` : '';
  const classes = s.classesPresent.length ? `  classes: ${s.classesPresent.join(', ')}` : '';
  return `${s.path}  ${s.width}x${s.height}${at}${classes}  ${s.seconds.toFixed(2)} s`;
}

export const predict = defineCommand({
  name: 'predict',
  summary: 'segment images of any size with a checkpoint: label maps, overlays, panels',
  usage: 'pixelwise predict --checkpoint CKPT | --weights FILE [--model NAME --classes C] IMAGE_OR_DIR... --out DIR [options]',
  description:
    'Segments images of any size with a trained model and writes, per image NAME: NAME.labels.png (palette\n' +
    'PNG of class indices), NAME.overlay.png (class colours blended over the image), NAME.prob.png (binary\n' +
    'models: foreground probability as gray) and NAME.panel.png (input | prediction with class names).\n' +
    'Folders are read for .png, .jpg, .jpeg, .webp, .tif, .tiff and .bmp files. If anything fails, the\n' +
    'files written so far are removed again. --weights takes pretrained weights in any format instead of a\n' +
    'checkpoint (e.g. fcn8s-heavy-pascal.caffemodel), prepared as they were trained.',
  options: specs,
  positionals: 'any',
  async run(args) {
    if (str(args, 'checkpoint') !== undefined && str(args, 'weights') !== undefined) throw new UsageError('give --checkpoint or --weights, not both');
    const checkpoint = str(args, 'weights') === undefined ? requireStr(args, 'checkpoint', 'the model to predict with (or --weights FILE)') : undefined;
    for (const o of ['model', 'classes']) if (checkpoint !== undefined && str(args, o) !== undefined) throw new UsageError(`--${o} goes with --weights (a checkpoint states its model and classes)`);
    const out = requireStr(args, 'out', 'the folder to write results to');
    if (args.positionals.length === 0) throw new UsageError('expected one or more images or folders of images');
    const tile = num(args, 'tile', { min: 1, integer: true });
    const overlap = num(args, 'overlap', { min: 0, integer: true });
    if (overlap !== undefined && tile === undefined) throw new UsageError('--overlap needs --tile (the window size)');
    if (overlap !== undefined && tile !== undefined && overlap >= tile) throw new UsageError(`--overlap expects less than --tile ${tile}, got '${overlap}'`);
    const threads = threadCount(args);
    if (threads) setNumThreads(threads);
    const quiet = flag(args, 'quiet');
    const device = str(args, 'device');
    let source: string | Predictor = checkpoint!;
    if (checkpoint === undefined) {
      const built = await modelFromWeightsArgs(args);
      try {
        source = createPredictor(built.model, built.config, { device, source: `weights ${str(args, 'weights')}` });
      } catch (err) {
        built.model.dispose();
        throw err;
      }
    }
    let stopRequested = false;
    try {
      const result = await withInterrupt(
        'stopping after this image and removing what was written',
        () => {
          stopRequested = true;
        },
        () =>
          predictImages({
            checkpoint: source,
            inputs: args.positionals,
            out,
            save: saveList(args),
            alpha: num(args, 'alpha', { min: 0, max: 1 }),
            threshold: num(args, 'threshold', { min: 0, max: 1 }),
            scale: choice(args, 'scale', ['train', 'native'] as const),
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
