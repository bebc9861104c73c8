// A prediction run over files and folders with any engine (libtorch: run.ts; onnxruntime:
// onnx/runtime.ts): inputs and options checked first, then one image at a time predicted and
// written (labels, overlay, probability map, panel). All or nothing: if any image fails, every
// file the run wrote is removed again and any earlier file it replaced is put back. No tensors here.
import { imageSize, readImage } from '../image/files.js';
import { encodePng } from '../image/png.js';
import type { RawImage } from '../image/types.js';
import type { PadMode } from '../data/transforms/spec.js';
import { planInput, type PlanOptions, type PlanTarget, type ScaleMode } from './geometry.js';
import { collectImages, type InputImage } from './inputs.js';
import { OutputDir } from './output-dir.js';
import { tiledScale, type PredictOptions, type Prediction } from './passes.js';
import { checkImagePixels } from '../image/limits.js';
import type { PredictorClasses } from './predictor.js';
import { labelsPng, overlayImage, predictionPanel, probabilityImage, reconstructionPanel } from './render.js';
import { checkTiling, defaultOverlap } from './tiles.js';

/** What a run can write per image: NAME.labels.png, .overlay.png, .prob.png, .panel.png, .recon.png. */
export const OUTPUT_KINDS = ['labels', 'overlay', 'prob', 'panel', 'recon'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/**
 * A model that predicts images, whichever engine runs it: what planning needs (contract,
 * preprocessing, name), its classes, and the two operations a run calls.
 */
export interface ImagePredictor extends PlanTarget {
  /** Where it came from, for messages ('checkpoint best.safetensors', 'ONNX model.onnx'). */
  source: string;
  classes: PredictorClasses;
  predict(image: RawImage<Uint8Array | Float32Array>, options: PredictOptions): Promise<Prediction>;
  reconstruct?(image: RawImage<Uint8Array | Float32Array>, options: PlanOptions): Promise<RawImage>;
  /** Options this engine or file cannot honour: throws a one-line error naming them. */
  checkRun?(options: ImageRunOptions, save: readonly OutputKind[]): void;
}

/** A run's inputs, outputs and prediction options (the engine comes separately). */
export interface ImageRunOptions {
  /** Image files and/or folders of images. */
  inputs: string[];
  /** Output folder (created when missing); files already there stay, and a failed run puts back any it replaced. */
  out: string;
  /** What to write; default: labels, overlay, panel (+ prob for one-output models); recon, panel for the autoencoder. */
  save?: OutputKind[];
  /** Overlay opacity of the class colours (default 0.5). */
  alpha?: number;
  /** One-output models: foreground threshold for the label map (default 0.5). */
  threshold?: number;
  /** 'train' (default: resize to the training size) or 'native'; a tile size implies 'native'. */
  scale?: ScaleMode;
  tile?: number | null;
  overlap?: number;
  padMode?: PadMode;
  /** Called once every up-front check has passed, before the first image is read. */
  onStart?: () => void;
  /** Called after each image with what was done. */
  onImage?: (summary: ImageSummary) => void;
  /** Polled between images; true stops the run (and removes its files). */
  shouldStop?: () => boolean;
}

export interface ImageSummary {
  path: string;
  name: string;
  width: number;
  height: number;
  /** The size the model ran at (the training size under scale 'train' when it resized). */
  modelWidth: number;
  modelHeight: number;
  /** Names of the classes present (segmentation), empty for reconstructions. */
  classesPresent: string[];
  seconds: number;
  files: string[];
}

export interface PredictRunResult {
  images: ImageSummary[];
  files: string[];
  predictor: { architecture: string; classes: string[]; task: ImagePredictor['contract']['task'] };
}

/** Thrown when shouldStop() asked the run to stop. */
export class PredictionStopped extends Error {}

function defaultSave(p: ImagePredictor): OutputKind[] {
  if (p.contract.task === 'reconstruction') return ['recon', 'panel'];
  return p.contract.numClasses === 1 ? ['labels', 'overlay', 'prob', 'panel'] : ['labels', 'overlay', 'panel'];
}

function checkSave(p: ImagePredictor, save: readonly OutputKind[]): void {
  for (const kind of save) {
    if (!(OUTPUT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown output '${kind}', expected ${OUTPUT_KINDS.join(', ')}`);
    const arch = p.architecture;
    if (p.contract.task === 'reconstruction' && kind !== 'recon' && kind !== 'panel') {
      throw new Error(`output '${kind}' needs a segmentation model; ${p.source} holds a ${arch} autoencoder (it can write recon, panel)`);
    }
    if (p.contract.task === 'segmentation' && kind === 'recon') throw new Error(`output 'recon' needs an autoencoder; ${p.source} holds a ${arch} segmentation model`);
    if (kind === 'prob' && p.contract.numClasses !== 1) {
      throw new Error(`output 'prob' needs a one-output (binary, sigmoid) model; ${p.source} has ${p.contract.numClasses} class outputs`);
    }
  }
}

function checkOptions(p: ImagePredictor, o: ImageRunOptions): void {
  if (o.alpha !== undefined && !(o.alpha >= 0 && o.alpha <= 1)) throw new Error(`alpha ${o.alpha}, expected a number in [0, 1]`);
  if (o.threshold !== undefined) {
    if (!(o.threshold >= 0 && o.threshold <= 1)) throw new Error(`threshold ${o.threshold}, expected a probability in [0, 1]`);
    if (p.contract.task !== 'segmentation' || p.contract.numClasses !== 1) {
      throw new Error(`a threshold applies to one-output (binary) models; ${p.source} holds a ${p.architecture} with ${p.contract.numClasses} outputs`);
    }
  }
  if (o.tile !== undefined && o.tile !== null) {
    if (p.contract.task !== 'segmentation') throw new Error(`tiling applies to segmentation models; ${p.source} holds a ${p.architecture} autoencoder`);
    checkTiling(o.tile, o.overlap ?? defaultOverlap(o.tile));
  } else if (o.overlap !== undefined) {
    throw new Error('an overlap needs a tile size (--tile)');
  }
}

/** Writes the chosen outputs of one image; returns the paths. */
async function predictOne(p: ImagePredictor, input: InputImage, out: OutputDir, save: readonly OutputKind[], o: ImageRunOptions): Promise<ImageSummary> {
  const start = performance.now();
  const image = await readImage(input.path);
  const files: string[] = [];
  const write = (kind: string, bytes: Uint8Array): void => {
    files.push(out.write(`${input.name}.${kind}.png`, bytes));
  };
  const png = (kind: string, pixels: Parameters<typeof encodePng>[0]): Uint8Array => encodePng(pixels, {}, `${input.name}.${kind}.png`);
  const options = { scale: o.scale, padMode: o.padMode, name: input.path };
  let classesPresent: string[] = [];
  let model: { width: number; height: number };
  if (p.contract.task === 'reconstruction') {
    if (!p.reconstruct) throw new Error(`${p.source}: this engine does not reconstruct images`);
    const recon = await p.reconstruct(image, options);
    const plan = planInput(p, image.width, image.height, options);
    model = { width: plan.runWidth, height: plan.runHeight };
    for (const kind of save) {
      if (kind === 'recon') write(kind, png(kind, recon));
      if (kind === 'panel') write(kind, png(kind, reconstructionPanel(image, recon, input.name)));
    }
  } else {
    const pred = await p.predict(image, { ...options, tile: o.tile, overlap: o.overlap, threshold: o.threshold });
    model = { width: pred.modelWidth, height: pred.modelHeight };
    classesPresent = pred.classesPresent.map((c) => p.classes.names[c] ?? String(c));
    for (const kind of save) {
      if (kind === 'labels') write(kind, labelsPng(pred, p.classes, `${input.name}.labels.png`));
      if (kind === 'overlay') write(kind, png(kind, overlayImage(image, pred, p.classes, o.alpha ?? 0.5)));
      if (kind === 'prob') write(kind, png(kind, probabilityImage(pred)));
      if (kind === 'panel') write(kind, png(kind, predictionPanel(image, pred, p.classes, input.name)));
    }
  }
  return {
    path: input.path,
    name: input.name,
    width: image.width,
    height: image.height,
    modelWidth: model.width,
    modelHeight: model.height,
    classesPresent,
    seconds: (performance.now() - start) / 1000,
    files,
  };
}

/**
 * Predicts every input image with `predictor` and writes the chosen outputs to `o.out`.
 * Everything that can be checked up front is (inputs, image sizes against the model, options)
 * before the folder is touched; a later failure removes what this run wrote (and puts back what it replaced).
 */
export async function predictImageFiles(predictor: ImagePredictor, given: ImageRunOptions): Promise<PredictRunResult> {
  const o = tiledScale(given);
  const inputs = collectImages(o.inputs);
  const save = [...new Set(o.save ?? defaultSave(predictor))];
  if (save.length === 0) throw new Error(`nothing to save: choose from ${OUTPUT_KINDS.join(', ')}`);
  checkSave(predictor, save);
  checkOptions(predictor, o);
  predictor.checkRun?.(o, save);
  // Headers only: catches unreadable files and sizes the model cannot take before any output exists.
  for (const input of inputs) {
    const { width, height } = await imageSize(input.path);
    checkImagePixels(width, height, input.path);
    planInput(predictor, width, height, { scale: o.scale, padMode: o.padMode, name: input.path });
  }
  o.onStart?.();
  const out = new OutputDir(o.out);
  const images: ImageSummary[] = [];
  try {
    for (const input of inputs) {
      if (o.shouldStop?.()) throw new PredictionStopped(`stopped before ${input.path}; removed the ${out.written.length} file(s) this run wrote`);
      const summary = await predictOne(predictor, input, out, save, o);
      images.push(summary);
      o.onImage?.(summary);
    }
  } catch (err) {
    out.rollback();
    throw err;
  }
  out.commit();
  return {
    images,
    files: [...out.written],
    predictor: { architecture: predictor.architecture, classes: predictor.classes.names, task: predictor.contract.task },
  };
}
