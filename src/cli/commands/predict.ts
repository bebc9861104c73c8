// pixelwise predict: a checkpoint's model over images of any size; label maps, overlays,
// probability maps and panels at full resolution, all or nothing. Two engines: libtorch (the
// checkpoint) and onnxruntime (an exported .onnx); each is imported only when chosen, so the
// onnx engine never loads the libtorch addon.
import type { PadMode } from '../../data/transforms/spec.js';
import { OUTPUT_KINDS, PredictionStopped, type ImageRunOptions, type ImageSummary, type OutputKind, type PredictRunResult } from '../../infer/run-images.js';
import { choice, flag, num, requireStr, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { checkpointOption, classesOption, deviceOf, deviceOption, imageLimitOption, modelFromWeightsArgs, memoryFormatOption, precisionOf, precisionOption, threadCount, threadsOption, weightsOption } from '../common-options.js';
import { withInterrupt } from '../interrupt.js';
import type { MemoryLayout, Precision } from '../../torch/index.js';

const ENGINES = ['libtorch', 'onnx'] as const;

const specs: OptionSpecs = {
  checkpoint: { ...checkpointOption, help: `${checkpointOption.help}; with --engine onnx an exported F.onnx (pixelwise export)` },
  weights: weightsOption,
  model: { type: 'string', short: 'm', help: 'NAME  with --weights: the model to build (default: the one the file holds, when it says)' },
  classes: classesOption,
  engine: { type: 'string', help: "E  libtorch (default: the checkpoint's model) or onnx (an exported .onnx on onnxruntime-node, no libtorch)" },
  out: { type: 'string', short: 'o', help: 'DIR  output folder (created when missing)' },
  save: { type: 'string', help: `LIST  comma-separated: ${OUTPUT_KINDS.join(', ')} (default labels,overlay,panel; +prob for binary models; recon,panel for cae)` },
  alpha: { type: 'string', help: 'X  overlay opacity of the class colours, 0..1 (default 0.5)' },
  threshold: { type: 'string', help: 'T  binary models: foreground where probability > T (default 0.5)' },
  scale: { type: 'string', help: "S  train (default without --tile: resize to the training --size when there was one, results back to full size) or native" },
  tile: { type: 'string', help: "N  sliding windows of N pixels over the image at its own size (implies --scale native), blended where they overlap (rounded down to the model's grid: unet 2^depth, fcn 32)" },
  overlap: { type: 'string', help: 'N  pixels shared by neighbouring windows (default N/4)' },
  'pad-mode': { type: 'string', help: "M  padding to the model's input multiple: reflect (default unless training padded), constant, edge, symmetric, wrap" },
  device: { ...deviceOption, help: `${deviceOption.help}; --engine libtorch only` },
  precision: { ...precisionOption, help: `${precisionOption.help}; --engine libtorch only` },
  'memory-format': { ...memoryFormatOption, help: `${memoryFormatOption.help}; --engine libtorch only` },
  threads: { ...threadsOption, help: 'N  libtorch (or onnxruntime) threads (default: all cores)' },
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

/** A checkpoint path, or (checkpoint undefined) the --weights file built into a predictor. */
async function runLibtorch(
  args: Parsed,
  checkpoint: string | undefined,
  options: ImageRunOptions,
  threads: number | undefined,
  device: string | undefined,
  precision: Precision | undefined,
  memoryFormat: MemoryLayout | undefined,
): Promise<PredictRunResult> {
  const [{ setNumThreads }, { predictImages }, { createPredictor }] = await Promise.all([
    import('../../torch/index.js'),
    import('../../infer/run.js'),
    import('../../infer/predictor.js'),
  ]);
  if (threads) setNumThreads(threads);
  if (checkpoint !== undefined) return predictImages({ ...options, checkpoint, device, precision, memoryFormat });
  const built = await modelFromWeightsArgs(args);
  let predictor;
  try {
    predictor = createPredictor(built.model, built.config, { device, precision, memoryFormat, source: `weights ${str(args, 'weights')}` });
  } catch (err) {
    built.model.dispose();
    throw err;
  }
  return predictImages({ ...options, checkpoint: predictor, device });
}

async function runOnnx(model: string, options: ImageRunOptions, threads: number | undefined): Promise<PredictRunResult> {
  const { predictImagesOnnx } = await import('../../onnx/runtime.js');
  return predictImagesOnnx({ ...options, model, threads });
}

export const predict = defineCommand({
  name: 'predict',
  summary: 'segment images of any size with a checkpoint: label maps, overlays, panels',
  usage: 'pixelwise predict --checkpoint CKPT | --weights FILE [--model NAME --classes C] IMAGE_OR_DIR... --out DIR [options]\n       pixelwise predict --engine onnx --checkpoint F.onnx IMAGE_OR_DIR... --out DIR [options]',
  description:
    'Segments images of any size with a trained model and writes, per image NAME: NAME.labels.png (palette\n' +
    'PNG of class indices), NAME.overlay.png (class colours blended over the image), NAME.prob.png (binary\n' +
    'models: foreground probability as gray) and NAME.panel.png (input | prediction with class names).\n' +
    'Folders are read for .png, .jpg, .jpeg, .webp, .tif, .tiff and .bmp files. If anything fails, the\n' +
    'files written so far are removed again. --weights takes pretrained weights in any format instead of a\n' +
    'checkpoint (e.g. fcn8s-heavy-pascal.caffemodel), prepared as they were trained. --engine onnx predicts with an exported file on onnxruntime-node\n' +
    '(an optional dependency), reading classes and preprocessing from its metadata: the same outputs for a\n' +
    'network export; a --pipeline export runs whole images at their own scale and gives labels only.',
  options: specs,
  positionals: 'any',
  async run(args) {
    const engine = choice(args, 'engine', ENGINES, 'libtorch')!;
    if (str(args, 'checkpoint') !== undefined && str(args, 'weights') !== undefined) throw new UsageError('give --checkpoint or --weights, not both');
    if (engine === 'onnx' && str(args, 'weights') !== undefined) throw new UsageError('--weights goes with --engine libtorch; for onnx, export the weights first (pixelwise export --weights FILE --model NAME)');
    const checkpoint = str(args, 'weights') === undefined ? requireStr(args, 'checkpoint', 'the model to predict with (or --weights FILE)') : undefined;
    for (const o of ['model', 'classes']) if (checkpoint !== undefined && str(args, o) !== undefined) throw new UsageError(`--${o} goes with --weights (a checkpoint states its model and classes)`);
    const out = requireStr(args, 'out', 'the folder to write results to');
    if (args.positionals.length === 0) throw new UsageError('expected one or more images or folders of images');
    const tile = num(args, 'tile', { min: 1, integer: true });
    const overlap = num(args, 'overlap', { min: 0, integer: true });
    if (overlap !== undefined && tile === undefined) throw new UsageError('--overlap needs --tile (the window size)');
    if (overlap !== undefined && tile !== undefined && overlap >= tile) throw new UsageError(`--overlap expects less than --tile ${tile}, got '${overlap}'`);
    const scale = choice(args, 'scale', ['train', 'native'] as const);
    if (tile !== undefined && scale === 'train') throw new UsageError("--tile runs the model on the image at its own size (--scale native); --scale train would first resize it to the training size");
    const threads = threadCount(args);
    if (engine === 'onnx' && str(args, 'device') !== undefined) throw new UsageError('--device applies to --engine libtorch; onnxruntime-node runs on the CPU here');
    if (engine === 'onnx' && str(args, 'precision') !== undefined) throw new UsageError('--precision applies to --engine libtorch; onnxruntime-node runs the exported float32 graph');
    if (engine === 'onnx' && str(args, 'memory-format') !== undefined) throw new UsageError('--memory-format applies to --engine libtorch; onnxruntime-node chooses its own layouts');
    const device = engine === 'libtorch' ? await deviceOf(args) : undefined;
    const quiet = flag(args, 'quiet');
    const precision = engine === 'libtorch' ? await precisionOf(args, device) : undefined;
    let stopRequested = false;
    try {
      const result = await withInterrupt(
        'stopping after this image and removing what was written',
        () => {
          stopRequested = true;
        },
        async () => {
          const options: ImageRunOptions = {
            inputs: args.positionals,
            out,
            save: saveList(args),
            alpha: num(args, 'alpha', { min: 0, max: 1 }),
            threshold: num(args, 'threshold', { min: 0, max: 1 }),
            scale,
            tile,
            overlap,
            padMode: choice(args, 'pad-mode', ['reflect', 'constant', 'edge', 'symmetric', 'wrap'] as PadMode[]),
            onImage: quiet ? undefined : (s) => console.log(summaryLine(s)),
            shouldStop: () => stopRequested,
            // The warning before the work; what was chosen goes with the report on stdout (stderr
            // stays one line if an image fails to decode later).
            onStart: () => {
              if (precision?.warning) console.error(precision.warning);
            },
          };
          return engine === 'onnx' ? runOnnx(checkpoint!, options, threads) : runLibtorch(args, checkpoint, options, threads, device, precision?.precision, precision?.memoryFormat);
        },
        { libtorch: engine === 'libtorch' },
      );
      if (!quiet) console.log(`wrote ${result.files.length} file(s) for ${result.images.length} image(s) to ${out}${precision ? `; ${precision.note}; ${precision.memoryFormatNote}` : ''}`);
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
