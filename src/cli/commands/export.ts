// pixelwise export: a checkpoint (or weights that never went through train) as ONNX — the
// network form, the --pipeline form (image -> labels), or a --web page running it in the
// browser, which --serve serves on loopback.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { PadMode } from '../../data/transforms/spec.js';
import { NORMALIZATION_PRESET_NAMES, type NormalizationPreset } from '../../image/normalization.js';
import { MODEL_NAMES } from '../../models/registry.js';
import { exportFiles, sourceFromCheckpoint, sourceFromWeights, type ExportSource } from '../../onnx/export-model.js';
import { writeWebExport } from '../../onnx/web.js';
import { MAX_OPSET, MIN_OPSET } from '../../onnx/graph.js';
import { serveStatic } from '../../serve/static.js';
import { choice, flag, num, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { checkpointOption } from '../common-options.js';
import { modelOptionsFromArgs, modelOptionSpecs } from '../model-args.js';

const PAD_MODES = ['reflect', 'constant', 'edge', 'symmetric', 'wrap'] as const;

const specs: OptionSpecs = {
  checkpoint: checkpointOption,
  weights: { type: 'string', short: 'w', help: 'FILE  weights that never went through train (with --model): a pixelwise checkpoint or a safetensors state dict under the zoo\'s names' },
  model: { type: 'string', short: 'm', help: `NAME  with --weights: ${MODEL_NAMES.join(', ')}` },
  classes: { type: 'string', help: 'LIST  with --weights: class names, comma-separated or a JSON file of names (default: ImageNet\'s for 1000 classes, else class 0, class 1, ...)' },
  normalize: { type: 'string', help: `N  with --weights: the normalisation the weights expect: ${NORMALIZATION_PRESET_NAMES.join(', ')} (default imagenet for vgg/fcn, unit otherwise)` },
  ...modelOptionSpecs(),
  out: { type: 'string', short: 'o', help: 'F.onnx  the file to write (the autoencoder: F.encoder.onnx and F.decoder.onnx)' },
  pipeline: { type: 'boolean', help: 'segmentation models: image uint8 [H, W, 3] RGB -> labels uint8 [H, W], preprocessing, padding, argmax/threshold in the graph' },
  'pad-mode': { type: 'string', help: `M  --pipeline: padding to the input multiple: ${PAD_MODES.join(', ')} (default: the training pad's mode, else reflect, as predict)` },
  threshold: { type: 'string', help: 'T  --pipeline, one-output models: foreground where the probability exceeds T (default 0.5)' },
  opset: { type: 'string', help: `N  ONNX opset, ${MIN_OPSET}..${MAX_OPSET} (default ${MAX_OPSET})` },
  web: { type: 'string', help: 'DIR  write a web page there: index.html, model.onnx (pipeline form), onnxruntime-web (wasm)' },
  serve: { type: 'boolean', help: 'with --web: serve DIR on http://127.0.0.1 (wasm, module and cross-origin-isolation headers) until Ctrl-C' },
  port: { type: 'string', help: 'N  with --serve: the port (default: a free one)' },
};

function classList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  if (extname(raw).toLowerCase() === '.json' || (existsSync(raw) && statSync(raw).isFile())) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(raw, 'utf8'));
    } catch (err) {
      throw new Error(`--classes ${raw}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(err as Error).message})`}`);
    }
    const names = Array.isArray(parsed) ? parsed : (parsed as { names?: unknown })?.names;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error(`--classes ${raw}: expected a JSON list of names or {"names": [...]}`);
    return names as string[];
  }
  const names = raw.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--classes expects comma-separated names, got '${raw}'`);
  return names;
}

async function source(args: Parsed): Promise<ExportSource> {
  const checkpoint = str(args, 'checkpoint');
  const weights = str(args, 'weights');
  if (checkpoint && weights) throw new UsageError('give --checkpoint or --weights, not both');
  const weightsOnly = ['model', 'classes', 'normalize', ...Object.keys(modelOptionSpecs())].filter((k) => args.values[k] !== undefined);
  if (checkpoint) {
    if (weightsOnly.length) throw new UsageError(`--${weightsOnly[0]} goes with --weights; a checkpoint states its model, classes and preprocessing`);
    return sourceFromCheckpoint(checkpoint);
  }
  if (!weights) throw new UsageError('--checkpoint CKPT or --weights FILE --model NAME is required (the model to export)');
  const name = choice(args, 'model', MODEL_NAMES);
  if (!name) throw new UsageError(`--weights needs --model NAME (${MODEL_NAMES.join(', ')})`);
  const options = modelOptionsFromArgs(args);
  const normalize = choice(args, 'normalize', NORMALIZATION_PRESET_NAMES as readonly NormalizationPreset[]);
  return sourceFromWeights(weights, name, options, { classes: classList(str(args, 'classes')), normalize });
}

async function serveUntilInterrupted(dir: string, port: number | undefined): Promise<number> {
  const server = await serveStatic(dir, { port });
  console.log(`serving ${dir} at ${server.url} (127.0.0.1 only; Ctrl-C stops)`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  console.log('stopped');
  return 0;
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'a checkpoint as ONNX: the network, an image -> labels pipeline, or a web page',
  usage:
    'pixelwise export --checkpoint CKPT --out F.onnx [--pipeline [--pad-mode M] [--threshold T]]\n' +
    '       pixelwise export --weights FILE --model NAME [model options] [--classes LIST] [--normalize N] --out F.onnx\n' +
    '       pixelwise export --checkpoint CKPT --web DIR [--serve [--port N]]     (or --web DIR --serve alone: serve it again)',
  description:
    'Writes a model as ONNX (opset 17, weights inline) with metadata_props pixelwise.task, .classes, .colors,\n' +
    '.preprocess (the normalization record, resize, pad), .inputSize, .output, .model, .form and .version.\n' +
    'Segmentation models: input [N, C, H, W] (preprocessed) -> logits [N, K, H, W], N, H, W dynamic; with\n' +
    '--pipeline: image uint8 [H, W, 3] RGB -> labels uint8 [H, W], the preprocessing, padding, argmax (or\n' +
    'sigmoid and threshold) in the graph, at the image\'s own scale (as predict --scale native). VGG\n' +
    'classifiers export at 224x224; the autoencoder as F.encoder.onnx and F.decoder.onnx.\n' +
    '--web DIR writes a static page that segments a dropped image in the browser (onnxruntime-web, wasm);\n' +
    'open it through --serve (or any server sending .wasm as application/wasm and COOP/COEP headers).\n' +
    'Run an export with pixelwise predict --engine onnx.',
  options: specs,
  async run(args) {
    const out = str(args, 'out');
    const web = str(args, 'web');
    const serve = flag(args, 'serve');
    const port = num(args, 'port', { min: 0, max: 65535, integer: true });
    if (port !== undefined && !serve) throw new UsageError('--port goes with --serve');
    if (serve && !web) throw new UsageError('--serve serves the --web DIR page');
    if (out && web) throw new UsageError('give --out F.onnx or --web DIR, not both');
    const pipeline = flag(args, 'pipeline');
    const padMode = choice(args, 'pad-mode', PAD_MODES) as PadMode | undefined;
    const threshold = num(args, 'threshold', { min: 0, max: 1 });
    const opset = num(args, 'opset', { min: MIN_OPSET, max: MAX_OPSET, integer: true });
    if ((padMode !== undefined || threshold !== undefined) && !pipeline && !web) throw new UsageError('--pad-mode and --threshold go with --pipeline (or --web)');
    const hasModel = str(args, 'checkpoint') !== undefined || str(args, 'weights') !== undefined;
    if (web && serve && !hasModel) {
      if (!existsSync(web)) throw new Error(`--web ${web} does not exist; export a model into it first (add --checkpoint CKPT)`);
      return serveUntilInterrupted(web, port);
    }
    if (!out && !web) throw new UsageError('--out F.onnx or --web DIR is required (where to write)');
    if (out && extname(out).toLowerCase() !== '.onnx') throw new UsageError(`--out must name a .onnx file, got '${out}'`);
    const src = await source(args);
    try {
      if (web) {
        const result = writeWebExport(src, web, { padMode, threshold, opset });
        console.log(`wrote ${web}: index.html, model.onnx (${mb(result.modelBytes)}, pipeline form), onnxruntime-web (wasm); ${result.files.length} files`);
        if (serve) return await serveUntilInterrupted(web, port);
        console.log(`serve it with: pixelwise export --web ${web} --serve`);
        return 0;
      }
      for (const f of exportFiles(src, out!, { pipeline, padMode, threshold, opset })) {
        console.log(`wrote ${f.path} (${mb(f.bytes)}, ${f.form}): ${f.input} -> ${f.output}`);
      }
      return 0;
    } finally {
      src.model.dispose();
    }
  },
});
