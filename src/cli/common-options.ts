// Options several commands take with the same meaning: --checkpoint, --weights (any format),
// --threads, --device, --precision, --memory-format, --max-image-pixels, and --out F.png (checked before any work is done;
// written with a chart's SVG beside it).
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { readImage, writePng } from '../image/files.js';
import type { RawImage } from '../image/types.js';
import type { Figure } from '../viz/figure.js';
import type { WeightsModel } from '../weights/convert.js';
import { choice, num, requireStr, str, UsageError, type OptionSpec, type Parsed } from './args.js';
import type { Device, MemoryLayout, Precision } from '../torch/index.js';
import { DEFAULT_MAX_IMAGE_PIXELS, setMaxImagePixels } from '../image/limits.js';
import { makeDir } from '../io/dirs.js';

export const checkpointOption: OptionSpec = { type: 'string', short: 'c', help: 'CKPT  a checkpoint written by pixelwise train (RUN/checkpoints/best.safetensors)' };

export const threadsOption: OptionSpec = { type: 'string', short: 't', help: 'N  libtorch threads (default: all cores)' };

export const pngOutOption: OptionSpec = { type: 'string', short: 'o', help: 'F.png  the image to write' };

export const chartOutOption: OptionSpec = { ...pngOutOption, help: 'F.png  the figure to write (an SVG is written beside it)' };

export const deviceOption: OptionSpec = { type: 'string', help: 'D  where the model runs: cpu (default), cuda, cuda:N (needs a CUDA build of libtorch)' };

export const imageLimitOption: OptionSpec = {
  type: 'string',
  help: `N  refuse images of more than N pixels, checked from the file header before decoding (default ${DEFAULT_MAX_IMAGE_PIXELS.toLocaleString('en-US')}, as Pillow; 0: no limit)`,
};

/** --device, checked (a CPU-only libtorch refuses cuda in one line); undefined when not given. */
export async function deviceOf(args: Parsed): Promise<Device | undefined> {
  const raw = str(args, 'device');
  if (raw === undefined) return undefined;
  if (!/^(cpu|cuda(:\d+)?)$/.test(raw)) throw new UsageError(`--device expects cpu, cuda or cuda:N, got '${raw}'`);
  // Loaded on use: the check asks libtorch, and commands that take --device also run without it (predict --engine onnx).
  const { checkDevice } = await import('../nn/device.js');
  return checkDevice(raw, '--device');
}

/** Applies --max-image-pixels to this thread (and so to the data workers it starts). */
export function applyImageLimit(args: Parsed): void {
  const n = num(args, 'max-image-pixels', { min: 0, integer: true });
  if (n !== undefined) setMaxImagePixels(n === 0 ? Infinity : n);
}

/** --threads, or undefined for libtorch's default. */
export function threadCount(args: Parsed): number | undefined {
  return num(args, 'threads', { min: 1, integer: true });
}

/** Throws a usage error unless `out` names a .png file. */
export function checkPngPath(out: string): string {
  if (extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must name a .png file, got '${out}'`);
  return out;
}

/** The required --out PNG path. */
export function pngOutPath(args: Parsed): string {
  return checkPngPath(requireStr(args, 'out', 'the PNG file to write'));
}

/** The SVG written beside a chart's PNG: same folder and name, .svg. */
export function svgBeside(png: string): string {
  return join(dirname(png), basename(png, extname(png)) + '.svg');
}

/** Throws unless `path` is an existing file; `what` names it in the message ('image', 'mask'). */
export function checkInputFile(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} ${path} does not exist`);
  if (!statSync(path).isFile()) throw new Error(`${what} ${path} is not a file`);
  return path;
}

/** An image named on the command line, decoded (a missing or unreadable file is one clear line). */
export function readImageFile(path: string): Promise<RawImage> {
  return readImage(checkInputFile(path, 'image'));
}

/** Writes the PNG (creating its folder), and the figure's SVG beside it when given. Returns the paths. */
export function writeOutputs(png: string, image: RawImage, figure?: Figure): string[] {
  makeDir(dirname(png), 'output folder');
  writePng(png, image);
  if (!figure) return [png];
  const svg = svgBeside(png);
  writeFileSync(svg, figure.toSvg());
  return [png, svg];
}

/** --weights FILE: weights in any format, mapped onto the model (the file's own when it says which). */
export const weightsOption: OptionSpec = {
  type: 'string',
  short: 'w',
  help: 'FILE  weights in any format: a pixelwise checkpoint, .pth/.pt, Keras .h5, .caffemodel, a TensorFlow checkpoint, .npy/.npz, safetensors (see README: Pretrained weights)',
};

/** --classes: class names where the weights do not name them. */
export const classesOption: OptionSpec = { type: 'string', help: 'C  class names when the weights have none: voc, camvid, ade20k, imagenet, or a classes file (.json, or .txt one per line)' };

/**
 * The model --weights FILE holds (built as --model, or as the file says), its weights loaded,
 * and the config a checkpoint of it would store (classes, the normalization the weights expect).
 */
export async function modelFromWeightsArgs(
  args: Parsed,
  options: { model?: string; classNamesOptional?: boolean; modelOptions?: Record<string, unknown> } = {},
): Promise<WeightsModel> {
  const path = checkInputWeights(requireStr(args, 'weights', 'the weight file'));
  // Loaded on use: commands that take --weights also run without libtorch (predict --engine onnx).
  const { modelFromWeights } = await import('../weights/convert.js');
  return modelFromWeights(path, {
    model: options.model ?? str(args, 'model'),
    modelOptions: options.modelOptions,
    classes: str(args, 'classes'),
    classNamesOptional: options.classNamesOptional,
  });
}

/** A weight file or TensorFlow checkpoint prefix that exists (one clear line otherwise). */
export function checkInputWeights(path: string): string {
  if (existsSync(path) || existsSync(`${path}.index`)) return path;
  throw new Error(`weights ${path} do not exist`);
}

/** --precision: one definition for train, eval, predict and demo. */
export const precisionOption: OptionSpec = {
  type: 'string',
  help: 'P  auto (default: bf16 where the hardware runs it fast — AMX, or a CUDA GPU with bf16 — else fp32), fp32, or bf16 (mixed: convolutions in bfloat16 under autocast; weights, losses, metrics and checkpoints float32)',
};

/** --memory-format: one definition for train, eval, predict and demo (resolved with --precision). */
export const memoryFormatOption: OptionSpec = {
  type: 'string',
  help: 'F  auto (default: channels-last on the CPU in either precision; on a CUDA GPU channels-last for bf16, else contiguous), channels-last or contiguous: how weights and batches are laid out in memory (checkpoints are the same bytes either way)',
};

/** What precisionOf resolves: the precision, the memory layout, their notes, a warning. */
export interface ComputeSettings {
  precision: Precision;
  memoryFormat: MemoryLayout;
  /** What --precision chose and why ('precision: fp32 (auto: ...)'). */
  note: string;
  /** What --memory-format chose and why ('memory format: channels-last (auto: fp32 on the CPU)'). */
  memoryFormatNote: string;
  warning: string | null;
  say(quiet: boolean): void;
}

/**
 * --precision and --memory-format resolved for where the model runs (both default auto; the
 * layout rule depends on the precision chosen): the choices, the notes of what was chosen and
 * why, and a one-line warning when bf16 is asked for where it is emulated (or null). `say()`
 * prints them on stderr (the notes unless `quiet`), once; commands call it when the work
 * starts, after every up-front check, so a bad call still gets a one-line error.
 */
export async function precisionOf(args: Parsed, device: Device | undefined): Promise<ComputeSettings> {
  // Loaded on use: commands that take --precision also run without libtorch (predict --engine onnx).
  const { resolvePrecision, PRECISION_REQUESTS } = await import('../torch/precision.js');
  const { resolveMemoryFormat, MEMORY_LAYOUT_REQUESTS } = await import('../torch/layout.js');
  const requested = choice(args, 'precision', PRECISION_REQUESTS, 'auto')!;
  const chosen = resolvePrecision(requested, device ?? 'cpu');
  const layout = resolveMemoryFormat(choice(args, 'memory-format', MEMORY_LAYOUT_REQUESTS, 'auto')!, chosen.precision, device ?? 'cpu');
  let said = false;
  return {
    precision: chosen.precision,
    memoryFormat: layout.memoryFormat,
    note: chosen.note,
    memoryFormatNote: layout.note,
    warning: chosen.warning,
    say(quiet) {
      if (said) return;
      said = true;
      if (chosen.warning) console.error(chosen.warning);
      if (!quiet) console.error(chosen.note);
      if (!quiet) console.error(layout.note);
    },
  };
}
