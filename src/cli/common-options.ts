// Options several commands take with the same meaning: --checkpoint, --weights (any format),
// --threads, and --out F.png (checked before any work is done; written with a chart's SVG beside it).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { readImage, writePng } from '../image/files.js';
import type { RawImage } from '../image/types.js';
import type { Figure } from '../viz/figure.js';
import type { WeightsModel } from '../weights/convert.js';
import { num, requireStr, str, UsageError, type OptionSpec, type Parsed } from './args.js';

export const checkpointOption: OptionSpec = { type: 'string', short: 'c', help: 'CKPT  a checkpoint written by pixelwise train (RUN/checkpoints/best.safetensors)' };

export const threadsOption: OptionSpec = { type: 'string', short: 't', help: 'N  libtorch threads (default: all cores)' };

export const pngOutOption: OptionSpec = { type: 'string', short: 'o', help: 'F.png  the image to write' };

export const chartOutOption: OptionSpec = { ...pngOutOption, help: 'F.png  the figure to write (an SVG is written beside it)' };

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
  mkdirSync(dirname(png), { recursive: true });
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
