// Prediction from an exported .onnx file on onnxruntime-node, without libtorch: the file's
// metadata says the classes, colours, preprocessing and input sizes, and infer's passes (the
// same plan, padding, tiles, blending and labels as `pixelwise predict` on libtorch) drive
// onnxruntime instead of the model's forward. A --pipeline file does all of that in its graph:
// the image goes in, the label map comes out. Nothing here imports the addon (tested: a process
// predicting this way never maps libtorch).
import { readFileSync } from 'node:fs';
import type { RawImage } from '../image/types.js';
import { toChannels } from '../image/convert.js';
import { resizeChw } from '../image/resize.js';
import { planInput } from '../infer/geometry.js';
import { checkThreshold, imagePasses, labelPrediction, runPassesAsync, type Planes, type Prediction, type PredictOptions, type WindowInput } from '../infer/passes.js';
import { predictImageFiles, type ImagePredictor, type ImageRunOptions, type OutputKind, type PredictRunResult } from '../infer/run-images.js';
import { contractFromInfo, onnxInfo, type PixelwiseOnnxInfo } from './metadata.js';
import { loadOrt, type OrtModule } from './ort.js';

export interface OnnxPredictorOptions {
  /** onnxruntime's intra-op threads (default: its own, all cores). */
  threads?: number;
}

/** An exported segmentation model ready to predict on onnxruntime-node. */
export interface OnnxPredictor extends ImagePredictor {
  /** What the file's metadata says. */
  info: PixelwiseOnnxInfo;
  /** 'network' (pixelwise preprocesses, onnxruntime runs the network) or 'pipeline' (all in the graph). */
  form: 'network' | 'pipeline';
  /** Frees the onnxruntime session. */
  dispose(): Promise<void>;
}

/**
 * Opens an exported segmentation model (`pixelwise export`, either form) on onnxruntime-node.
 * Errors name the file: not ONNX, no pixelwise metadata, not a segmentation export.
 * @example
 *   const p = await loadOnnxPredictor('membrane.onnx');
 *   const { labels, classesPresent } = await p.predict(await readImage('cells.png'), {});
 */
export async function loadOnnxPredictor(path: string, options: OnnxPredictorOptions = {}): Promise<OnnxPredictor> {
  const source = `ONNX model ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const info = onnxInfo(bytes, source);
  if (info.task !== 'segmentation' || (info.form !== 'network' && info.form !== 'pipeline')) {
    const what = info.form === 'encoder' || info.form === 'decoder' ? `the autoencoder's ${info.form}` : `a ${info.task} model`;
    throw new Error(`${source} holds ${what}; prediction with --engine onnx takes segmentation exports (pixelwise export of a segmentation checkpoint)`);
  }
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, {
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    graphOptimizationLevel: 'all',
  });
  const contract = contractFromInfo(info);
  const names = info.classes;
  const palette = info.colors.slice(0, names.length); // parseMetadata checked there is one per class
  const base = {
    info,
    form: info.form,
    contract,
    preprocess: info.preprocess,
    architecture: info.model.name,
    source,
    classes: { names, palette, ignoreIndex: null },
    dispose: () => session.release(),
  };
  const [inputName, outputName] = [session.inputNames[0]!, session.outputNames[0]!];
  if (info.form === 'pipeline') {
    return {
      ...base,
      form: 'pipeline',
      checkRun: (o: ImageRunOptions, save: readonly OutputKind[]) => checkPipelineRun(base.source, info, o, save),
      predict: async (image, o) => {
        checkPipelineOptions(source, info, o);
        planInput(base, image.width, image.height, { ...o, scale: 'native' }); // the size checks predict makes
        const rgb = toChannels(image, 3, o.name ?? 'image');
        if (!(rgb.data instanceof Uint8Array)) throw new Error(`${o.name ?? 'image'}: a pipeline model takes 8-bit images; this one has float pixels`);
        const feeds = { [inputName]: new ort.Tensor('uint8', rgb.data, [rgb.height, rgb.width, 3]) };
        const result = await session.run(feeds);
        const labels = result[outputName]!.data as Uint8Array;
        const counts = new Float64Array(Math.max(names.length, 256));
        for (const l of labels) counts[l]! += 1;
        return {
          width: image.width,
          height: image.height,
          labels,
          probabilities: new Float32Array(0),
          planes: 0,
          classesPresent: [...counts.keys()].filter((c) => counts[c]! > 0),
          modelWidth: image.width,
          modelHeight: image.height,
        } satisfies Prediction;
      },
    };
  }
  const run = async (w: WindowInput): Promise<Planes> => {
    const { data, channels, height, width } = w.input;
    const result = await session.run({ [inputName]: new ort.Tensor('float32', data, [1, channels, height, width]) });
    const out = result[outputName]!;
    const [, k, h, ww] = out.dims as number[];
    if (out.dims.length !== 4 || h !== height || ww !== width) {
      throw new Error(`${source} returned [${out.dims.join(', ')}] for an input [1, ${channels}, ${height}, ${width}]; prediction expects outputs of the input's size`);
    }
    return { data: activate(out.data as Float32Array, k!, h * ww, info.output.activation), channels: k! };
  };
  return {
    ...base,
    form: 'network',
    predict: async (image: RawImage<Uint8Array | Float32Array>, o: PredictOptions) => {
      const threshold = checkThreshold(o.threshold);
      const out = await runPassesAsync(imagePasses(base, image, o), run);
      const { plan } = out;
      const data = plan.resized ? (resizeChw({ data: out.data, channels: out.channels, width: plan.runWidth, height: plan.runHeight }, plan.width, plan.height, 'bilinear').data as Float32Array) : out.data;
      return labelPrediction(data, out.channels, plan, threshold);
    },
  };
}

/** Softmax over the k planes at each of n pixels, or a sigmoid (in place on a copy). */
function activate(logits: Float32Array, k: number, n: number, activation: PixelwiseOnnxInfo['output']['activation']): Float32Array {
  if (activation === 'identity') return logits;
  const out = new Float32Array(logits.length);
  if (activation === 'sigmoid') {
    for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]!));
    return out;
  }
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[c * n + i]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[c * n + i]! - max);
    for (let c = 0; c < k; c++) out[c * n + i] = Math.exp(logits[c * n + i]! - max) / sum;
  }
  return out;
}

function checkPipelineOptions(source: string, info: PixelwiseOnnxInfo, o: PredictOptions): void {
  const p = info.pipeline!;
  const why = `${source} is a --pipeline export, whose graph`;
  if (o.tile !== undefined && o.tile !== null) throw new Error(`${why} takes whole images; sliding windows (--tile) need an export without --pipeline`);
  if (o.padMode !== undefined && o.padMode !== p.padMode) throw new Error(`${why} pads with '${p.padMode}', not '${o.padMode}'; export again with --pad-mode ${o.padMode}`);
  if (o.threshold !== undefined && p.threshold !== null && o.threshold !== p.threshold) {
    throw new Error(`${why} thresholds at ${p.threshold}, not ${o.threshold}; export again with --threshold ${o.threshold}`);
  }
  if (o.scale === 'train' && info.preprocess.resize) {
    const r = info.preprocess.resize;
    throw new Error(`${why} predicts at the image's own scale, while the model was trained at ${r.height}x${r.width} (HxW, as --size); pass --scale native, or export without --pipeline to predict at the training scale`);
  }
}

function checkPipelineRun(source: string, info: PixelwiseOnnxInfo, o: ImageRunOptions, save: readonly OutputKind[]): void {
  if (save.includes('prob')) throw new Error(`${source} is a --pipeline export, which outputs labels only; a probability map (--save prob) needs an export without --pipeline`);
  checkPipelineOptions(source, info, o);
}

export interface OnnxRunOptions extends ImageRunOptions, OnnxPredictorOptions {
  /** The exported .onnx file. */
  model: string;
}

/**
 * `pixelwise predict --engine onnx`: predicts every input image with an exported model on
 * onnxruntime-node and writes the outputs `pixelwise predict` writes (default: labels, overlay,
 * panel, and prob for one-output network exports). All or nothing, as the libtorch run.
 * @example
 *   await predictImagesOnnx({ model: 'membrane.onnx', inputs: ['cells/'], out: 'predictions' });
 */
export async function predictImagesOnnx(o: OnnxRunOptions): Promise<PredictRunResult> {
  const predictor = await loadOnnxPredictor(o.model, { threads: o.threads });
  try {
    // A pipeline's graph predicts at the image's own scale and gives labels only.
    const pipeline = predictor.form === 'pipeline';
    const save = o.save ?? (pipeline ? (['labels', 'overlay', 'panel'] as OutputKind[]) : undefined);
    return await predictImageFiles(predictor, { ...o, save, scale: o.scale ?? (pipeline ? 'native' : undefined) });
  } finally {
    await predictor.dispose();
  }
}

export type { OrtModule };
