// pixelwise eval: a checkpoint scored on a dataset split with the FCN score.py convention;
// --json prints exactly one JSON object on stdout (progress goes to stderr).
import { setNumThreads, type MemoryLayout, type Precision } from '../../torch/index.js';
import { DataLoader } from '../../data/loader.js';
import { datasetSplits, openDataset } from '../../data/datasets/open.js';
import type { Dataset, DatasetSpec } from '../../data/datasets/types.js';
import type { PreprocessSpec } from '../../data/transforms/spec.js';
import { conventionOf, formatTable, type Summary } from '../../metrics/scores.js';
import type { ZooModel } from '../../models/contract.js';
import { evaluate } from '../../train/evaluate.js';
import type { BinaryDetails } from '../../metrics/split-scores.js';
import { loadCheckpointModel } from '../../checkpoint/load-model.js';
import { createPredictor } from '../../infer/predictor.js';
import { scoreFullResolution } from '../../infer/score.js';
import { progressBars } from '../progress-bar.js';
import { ProgressReporter } from '../../io/progress.js';
import type { CheckpointConfig } from '../../checkpoint/file.js';
import { flag, num, requireStr, str, UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { checkpointOption, classesOption, deviceOf, deviceOption, imageLimitOption, modelFromWeightsArgs, memoryFormatOption, precisionOf, precisionOption, threadCount, threadsOption, weightsOption } from '../common-options.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../data-args.js';

const specs: OptionSpecs = {
  checkpoint: checkpointOption,
  weights: weightsOption,
  model: { type: 'string', short: 'm', help: 'NAME  with --weights: the model to build (default: the one the file holds, when it says)' },
  classes: classesOption,
  ...dataOptionSpecs,
  split: { type: 'string', help: "S  split to score (default 'val', else 'test', else the only one)" },
  threshold: { type: 'string', help: 'T  one-output (binary) models: foreground probability threshold (default 0.5)' },
  'batch-size': { type: 'string', short: 'b', help: 'N  images per forward pass (default 1; >1 needs equal image sizes)' },
  threads: threadsOption,
  device: deviceOption,
  precision: precisionOption,
  'memory-format': memoryFormatOption,
  workers: { type: 'string', help: 'N  data-loading worker threads (default min(2, cores - 1))' },
  'max-image-pixels': imageLimitOption,
  'full-resolution': { type: 'boolean', help: "score predictions at each label map's stored size (as predict makes them), not at the training size; one image at a time" },
  json: { type: 'boolean', help: 'print one JSON object on stdout instead of the table' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress line' },
};

/** What `eval --json` prints: the score.py summary, what was scored, and binary details when they apply. */
export interface EvalReport extends Summary {
  checkpoint: string;
  model: string;
  data: { format: string; root: string | null; split: string | null };
  /** Scored at the label maps' stored size (--full-resolution) or at the training size. */
  resolution: 'full' | 'training';
  /** The forward pass's precision (scores are counted from float32 outputs either way). */
  precision: Precision;
  /** The layout the model ran in (the scores do not depend on it). */
  memoryFormat: MemoryLayout;
  binary?: BinaryDetails;
}

// The split training validated on ('val' for npy arrays too); a folder dataset without
// split folders is scored as a whole.
function defaultSplit(spec: DatasetSpec): string | undefined {
  const splits = datasetSplits({ ...spec, split: 'val' } as DatasetSpec);
  for (const s of ['val', 'validation', 'test']) if (splits.includes(s)) return s;
  return splits.length === 1 && splits[0] !== '' ? splits[0] : undefined;
}

const listNames = (names: readonly string[]): string =>
  names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, ...`;

/** Throws a one-line error when the checkpoint cannot score this dataset. */
async function checkCompatible(path: string, config: CheckpointConfig, model: ZooModel, dataset: Dataset, where: string, fullResolution: boolean): Promise<void> {
  const name = config.model.name;
  const classes = config.classes.names;
  if (classes.length !== dataset.numClasses) {
    throw new Error(
      `checkpoint ${path} was trained on ${classes.length} classes (${listNames(classes)}); ` +
        `the data ${where} has ${dataset.numClasses} (${listNames(dataset.classNames)})`,
    );
  }
  if (!dataset.hasLabels) throw new Error(`the data ${where} has no label maps to score against`);
  if (dataset.length === 0) throw new Error(`the data ${where} holds no images`);
  const pre = (config.preprocess ?? {}) as PreprocessSpec;
  const { image } = await dataset.get(0);
  const { inChannels } = model.contract;
  const channels = pre.channels ?? (image.channels >= 3 ? 3 : image.channels);
  if (channels !== inChannels) {
    throw new Error(`checkpoint ${path} takes ${inChannels}-channel images; the data ${where} has ${image.channels}-channel images (${dataset.name(0)})`);
  }
  if (fullResolution) return; // prediction pads each image to the model's grid
  let [h, w] = pre.resize ? [pre.resize.height, pre.resize.width] : [image.height, image.width];
  if (pre.pad) {
    h = Math.max(h, pre.pad.height ?? 0) + (pre.pad.top ?? 0) + (pre.pad.bottom ?? 0);
    w = Math.max(w, pre.pad.width ?? 0) + (pre.pad.left ?? 0) + (pre.pad.right ?? 0);
  }
  const multiple = model.contract.inputMultiple;
  if (h % multiple !== 0 || w % multiple !== 0) {
    throw new Error(
      `checkpoint ${path} (${name}) needs image sides that are multiples of ${multiple}; ` +
        `the data ${where} gives ${h}x${w} (${dataset.name(0)}) after the checkpoint's preprocessing`,
    );
  }
}

function formatBinary(b: BinaryDetails, foreground: string): string {
  const pct = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(2));
  const lines = [
    `binary model (foreground = '${foreground}', one sigmoid output):`,
    `${'foreground IoU'.padEnd(19)}${pct(b.foregroundIoU).padStart(7)} %   at threshold ${b.threshold}`,
    `${'foreground Dice'.padEnd(19)}${pct(b.foregroundDice).padStart(7)} %`,
    `${'TGS mean precision'.padEnd(19)}${Number.isFinite(b.tgsMeanPrecision) ? b.tgsMeanPrecision.toFixed(4).padStart(7) : '    n/a'}     ` +
      '(per image: share of IoU thresholds 0.5:0.05:0.95 exceeded)',
    '',
    'threshold sweep (whole split):',
    `${'threshold'.padEnd(10)}${'IoU %'.padStart(7)}  ${'Dice %'.padStart(7)}`,
    ...b.sweep.thresholds.map((t, i) => `${t.toFixed(2).padEnd(10)}${pct(b.sweep.iou[i]!).padStart(7)}  ${pct(b.sweep.dice[i]!).padStart(7)}`),
  ];
  if (b.sweep.best) {
    lines.push(`best: threshold ${b.sweep.best.threshold} (IoU ${pct(b.sweep.best.iou)} %, Dice ${pct(b.sweep.best.dice)} %)`);
  }
  return lines.join('\n');
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'score a checkpoint on a dataset split (FCN score.py metrics; --json)',
  usage: 'pixelwise eval --checkpoint CKPT | --weights FILE [--model NAME] --data DIR --format F [--split S] [--full-resolution] [--json]',
  description:
    "Scores a checkpoint on a dataset split, preprocessing images as the checkpoint's training did\n" +
    '(labels resized to the training size by nearest neighbour); --full-resolution instead predicts each\n' +
    'image as predict does and compares at the label map\'s own size. --precision bf16 runs the forward pass\n' +
    'in bf16 mixed precision (auto: where the hardware runs it fast); scores come from float32 outputs.\n' +
    '--memory-format (auto: channels-last on the CPU) lays weights and batches out NHWC; same scores.\n' +
    'Metrics follow the FCN paper (score.py): one confusion matrix over every pixel of the split; pixel\n' +
    'accuracy, mean accuracy, mean IoU, frequency-weighted IoU, per-class IoU; ignore label excluded.\n' +
    'One-output (binary) models also get foreground IoU/Dice, a threshold sweep and the TGS score.\n' +
    '--json has every number of the table (per-class IoU, accuracy, Dice, pixel counts), the matrix and:\n' +
    wrap(`convention: ${conventionOf(undefined)}`, 100),
  options: specs,
  async run(args) {
    if (str(args, 'checkpoint') !== undefined && str(args, 'weights') !== undefined) throw new UsageError('give --checkpoint or --weights, not both');
    const fromWeights = str(args, 'weights') !== undefined;
    for (const o of ['model', 'classes']) if (!fromWeights && str(args, o) !== undefined) throw new UsageError(`--${o} goes with --weights (a checkpoint states its model and classes)`);
    const path = fromWeights ? str(args, 'weights')! : requireStr(args, 'checkpoint', 'the checkpoint to score (or --weights FILE)');
    const threshold = num(args, 'threshold', { min: 0, max: 1, default: 0.5 })!;
    if (threshold === 0 || threshold === 1) throw new UsageError(`--threshold expects a number strictly between 0 and 1, got '${threshold}'`);
    const batchSize = num(args, 'batch-size', { min: 1, integer: true, default: 1 })!;
    const threads = threadCount(args);
    const device = await deviceOf(args);
    const { precision, memoryFormat, note: precisionNote, memoryFormatNote, warning: precisionWarning } = await precisionOf(args, device);
    const workers = num(args, 'workers', { min: 0, integer: true });
    const asJson = flag(args, 'json');
    const fullResolution = flag(args, 'full-resolution');
    // Full resolution predicts one image at a time on this thread: batching options do not apply.
    for (const o of ['batch-size', 'workers']) {
      if (fullResolution && str(args, o) !== undefined) throw new UsageError(`--${o} does not apply with --full-resolution (one image at a time)`);
    }
    const base = datasetSpecFromArgs(args);
    const split = str(args, 'split') ?? defaultSplit(base);
    const spec = (split === undefined ? base : { ...base, split }) as DatasetSpec;
    if (threads) setNumThreads(threads);

    const { model, config } = fromWeights ? await modelFromWeightsArgs(args) : loadCheckpointModel(path);
    try {
      const name = config.model.name;
      const { task } = model.contract;
      if (task !== 'segmentation') throw new Error(`checkpoint ${path} holds a ${name} (${task}) model; eval scores segmentation models`);
      const dataset = await openDataset(spec);
      const where = `${spec.format}${spec.root ? ` ${spec.root}` : ''}${split ? ` (split ${split})` : ''}`;
      await checkCompatible(path, config, model, dataset, where, fullResolution);
      if (dataset.classNames.some((n, i) => n !== config.classes.names[i])) {
        console.error(`note: class names differ (checkpoint: ${listNames(config.classes.names)}; data: ${listNames(dataset.classNames)}); reporting the data's`);
      }
      const ignoreIndex = dataset.ignoreIndex ?? config.classes.ignoreIndex ?? null;
      const binary = model.numClasses === 1;
      if (precisionWarning) console.error(precisionWarning);
      const progress = new ProgressReporter(flag(args, 'quiet') ? undefined : progressBars(), 'eval', dataset.length);
      const options = { numClasses: dataset.numClasses, classNames: dataset.classNames, ignoreIndex, threshold, binaryDetails: binary, progress };
      let result;
      if (fullResolution) {
        result = await scoreFullResolution(createPredictor(model, config, { source: `${fromWeights ? "weights" : "checkpoint"} ${path}`, device, precision, memoryFormat }), dataset, options);
      } else {
        const loader = new DataLoader(dataset, { batchSize, workers, preprocess: (config.preprocess ?? {}) as PreprocessSpec });
        try {
          if (device && device !== 'cpu') model.to(device);
          result = await evaluate(model, loader.epoch(0), { ...options, device, precision, memoryFormat });
        } finally {
          await loader.close();
        }
      }
      progress.finish();
      const report: EvalReport = {
        ...result.summary,
        checkpoint: path,
        model: config.model.name,
        data: { format: spec.format, root: spec.root ?? null, split: split ?? null },
        resolution: fullResolution ? 'full' : 'training',
        precision,
        memoryFormat,
        ...(result.binary ? { binary: result.binary } : {}),
      };
      if (asJson) {
        process.stdout.write(JSON.stringify(report) + '\n');
      } else {
        console.log(`checkpoint ${path} (${config.model.name}) on ${where}, at ${fullResolution ? 'full' : 'training'} resolution; ${precisionNote}; ${memoryFormatNote}\n`);
        console.log(formatTable(result.summary));
        if (result.binary) console.log('\n' + formatBinary(result.binary, dataset.classNames[1] ?? 'class 1'));
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
});

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
