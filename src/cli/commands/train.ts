// pixelwise train: a dataset, a model of the zoo, an optimiser — a run folder with
// checkpoints, metrics.jsonl and curves; --resume RUN continues it exactly.
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODEL_NAMES } from '../../models/registry.js';
import { LOSS_NAMES, type LossName } from '../../train/objective.js';
import { lastCheckpointPath, prepareResume, prepareRun, type PreparedRun, type TrainRunOptions } from '../../train/run.js';
import { checkNewRunFolder, checkNotLocked, RunLock } from '../../train/run-folder.js';
import type { PadMode } from '../../data/transforms/spec.js';
import { choice, flag, num, numberList, requireStr, size, str, UsageError, type OptionSpecs, type Parsed } from '../args.js';
import { defineCommand } from '../command.js';
import { progressBars } from '../progress-bar.js';
import { deviceOf, deviceOption, imageLimitOption, memoryFormatOption, precisionOf, precisionOption, threadCount, threadsOption } from '../common-options.js';
import { runSummaryLines } from '../run-summary.js';
import { programName } from '../program.js';
import { dataOptionSpecs, datasetSpecFromArgs } from '../data-args.js';
import { CLASS_WEIGHTINGS, type ClassWeighting } from '../../data/class-weights.js';
import { withInterrupt } from '../interrupt.js';
import { modelOptionSpecs, modelOptionsFromArgs } from '../model-args.js';
import { DISTRIBUTED_RESUME_OPTIONS, distributedOptionSpecs, launchPlan, launchRanks, rankRole, type LaunchPlan } from '../launch.js';

// What a resumed run may change; everything else comes from its checkpoint.
const RESUME_OPTIONS = ['epochs', 'iterations', 'time-budget', 'threads', 'workers', 'quiet', 'batch-size', 'device', 'precision', 'memory-format', 'max-image-pixels', ...DISTRIBUTED_RESUME_OPTIONS] as const;

const specs: OptionSpecs = {
  ...dataOptionSpecs,
  split: { type: 'string', help: "S  training split (default 'train')" },
  'val-split': { type: 'string', help: "S  validation split, or 'none' (default 'val'; 'test' for mnist)" },
  model: { type: 'string', short: 'm', help: `NAME  ${MODEL_NAMES.filter((m) => !m.startsWith('vgg')).join(', ')}` },
  ...modelOptionSpecs(true),
  'init-from': {
    type: 'string',
    help: "FILE  start from pretrained weights in any format (VGG: an FCN's backbone and fc6/fc7, a U-Net's encoder; a checkpoint: what matches); sets backbone/encoder and --normalize from the file",
  },
  epochs: { type: 'string', short: 'e', help: 'N  epochs to train (default 10)' },
  iterations: { type: 'string', help: 'N  optimizer steps to train (instead of --epochs)' },
  'batch-size': { type: 'string', short: 'b', help: 'N  images per step, per rank in a distributed run (default 8)' },
  lr: { type: 'string', help: 'X  learning rate (default 1e-3 for adam/adamw, 0.01 for sgd)' },
  optimizer: { type: 'string', help: 'O  adam (default), adamw or sgd' },
  momentum: { type: 'string', help: 'X  sgd momentum (default 0.9)' },
  'weight-decay': { type: 'string', help: 'X  L2 penalty (adamw: decoupled; default 0, adamw 0.01)' },
  schedule: { type: 'string', help: 'S  learning-rate schedule: poly (default, (1 - it/max)^0.9), cosine, step, none' },
  'step-size': { type: 'string', help: 'N  step schedule: epochs between decays (default 10)' },
  gamma: { type: 'string', help: 'X  step schedule: decay factor (default 0.1)' },
  warmup: { type: 'string', help: 'N  linear warmup steps (default 0)' },
  size: { type: 'string', help: 'HxW  resize images to HEIGHTxWIDTH (labels by nearest neighbour)' },
  'pad-to': { type: 'string', help: 'HxW  pad images up to HEIGHTxWIDTH (e.g. 101 -> 128)' },
  'pad-mode': { type: 'string', help: 'M  constant (default), reflect, symmetric, edge, wrap (numpy.pad)' },
  channels: { type: 'string', help: 'C  image channels for the model: 1 or 3 (default as stored)' },
  normalize: {
    type: 'string',
    help: 'N  unit (x/255), imagenet (torchvision mean/std), vgg (RGB mean subtraction), caffe (BGR mean subtraction), keras-caffe, keras-tf, none (default imagenet for vgg/fcn, unit otherwise)',
  },
  augment: { type: 'boolean', help: 'random horizontal flips and scale 0.75-1.25, cropped back to the input size' },
  loss: { type: 'string', help: `L  ${LOSS_NAMES.join(', ')} (default ce; mse for cae; bce/bce+dice give a one-output sigmoid model)` },
  'class-weights': { type: 'string', help: "W,W,...  one weight per class for the cross-entropy, or 'median-frequency': computed from the training labels (rare classes weigh more; SegNet's CamVid weighting)" },
  'ignore-index': { type: 'string', help: "N  label value left out of loss and metrics, or 'none' (default: the dataset's)" },
  seed: { type: 'string', help: 'N  seed for initialisation, shuffling and augmentation (default 0)' },
  threads: threadsOption,
  device: deviceOption,
  precision: precisionOption,
  'memory-format': memoryFormatOption,
  workers: { type: 'string', help: 'N  data-loading worker threads (default min(2, cores - 1))' },
  'max-image-pixels': imageLimitOption,
  cache: { type: 'string', help: 'DIR  on-disk cache of decoded samples' },
  'time-budget': { type: 'string', help: 'SECONDS  stop after this much training (validate and save first)' },
  'fit-budget': { type: 'boolean', help: 'with --time-budget: after each epoch, plan the epochs that fit in the budget at the speed so far (at most --epochs) and stretch the lr schedule over them, so poly/cosine end with the budget' },
  out: { type: 'string', short: 'o', help: 'RUN  run folder: checkpoints/, metrics.jsonl, curves.png/svg (must be new or empty)' },
  overwrite: { type: 'boolean', help: "replace the earlier run in --out RUN (its checkpoints, metrics, curves); without it a run folder that is not empty is refused" },
  resume: { type: 'string', help: `RUN  continue this run from its last checkpoint (with no options but ${RESUME_OPTIONS.map((o) => '--' + o).join(', ')}; with a new length the lr schedule is recomputed over it)` },
  quiet: { type: 'boolean', short: 'q', help: 'no progress bars and no start-up summary (warnings and a line per epoch stay)' },
  ...distributedOptionSpecs,
};

function ignoreIndexOf(p: Parsed): number | null | undefined {
  const raw = str(p, 'ignore-index');
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  return num(p, 'ignore-index', { min: 0, integer: true });
}

/** --class-weights: numbers, or the name of a weighting computed from the labels. */
function classWeightsOption(args: Parsed): number[] | ClassWeighting | undefined {
  const raw = str(args, 'class-weights');
  if (raw !== undefined && (CLASS_WEIGHTINGS as readonly string[]).includes(raw)) return raw as ClassWeighting;
  if (raw !== undefined && !/^[\d.,eE+\s-]+$/.test(raw)) throw new UsageError(`--class-weights expects one number per class (W,W,...) or ${CLASS_WEIGHTINGS.join(', ')}, got '${raw}'`);
  return numberList(args, 'class-weights', { min: 0 });
}

/** The run's options from the command line, and what prints --precision's choice. */
async function runOptions(args: Parsed): Promise<{ options: TrainRunOptions; sayPrecision: (quiet: boolean) => void }> {
  const model = requireStr(args, 'model', `the model to train: ${MODEL_NAMES.join(', ')}`);
  // A model name outside the zoo is a usage mistake like a bad --format (exit code 2).
  if (!(MODEL_NAMES as readonly string[]).includes(model)) throw new UsageError(`--model expects one of ${MODEL_NAMES.join(', ')}, got '${model}'`);
  const valSplit = str(args, 'val-split');
  const channels = num(args, 'channels', { min: 1, max: 3, integer: true });
  const device = await deviceOf(args);
  if (channels === 2) throw new UsageError("--channels expects 1 or 3, got '2'");
  const precision = await precisionOf(args, device);
  const options: TrainRunOptions = {
    data: datasetSpecFromArgs(args, str(args, 'split')),
    valSplit: valSplit === 'none' ? null : valSplit,
    model,
    modelOptions: modelOptionsFromArgs(args),
    initFrom: str(args, 'init-from'),
    epochs: num(args, 'epochs', { min: 1, integer: true }),
    iterations: num(args, 'iterations', { min: 1, integer: true }),
    batchSize: num(args, 'batch-size', { min: 1, integer: true }),
    lr: num(args, 'lr', { min: 0 }),
    optimizer: choice(args, 'optimizer', ['sgd', 'adam', 'adamw'] as const),
    momentum: num(args, 'momentum', { min: 0, max: 1 }),
    weightDecay: num(args, 'weight-decay', { min: 0 }),
    schedule: choice(args, 'schedule', ['none', 'step', 'poly', 'cosine'] as const),
    stepSize: num(args, 'step-size', { min: 1, integer: true }),
    gamma: num(args, 'gamma', { min: 0 }),
    warmup: num(args, 'warmup', { min: 0, integer: true }),
    size: size(args, 'size'),
    padTo: size(args, 'pad-to'),
    padMode: choice(args, 'pad-mode', ['constant', 'reflect', 'symmetric', 'edge', 'wrap'] as PadMode[]),
    channels: channels as 1 | 3 | undefined,
    normalize: choice(args, 'normalize', ['unit', 'imagenet', 'vgg', 'caffe', 'keras-caffe', 'keras-tf', 'none'] as const),
    augment: flag(args, 'augment'),
    loss: choice(args, 'loss', LOSS_NAMES) as LossName | undefined,
    classWeights: classWeightsOption(args),
    ignoreIndex: ignoreIndexOf(args),
    seed: num(args, 'seed', { min: 0, integer: true }),
    threads: threadCount(args),
    workers: num(args, 'workers', { min: 0, integer: true }),
    cacheDir: str(args, 'cache'),
    timeBudget: num(args, 'time-budget', { min: 1 }),
    fitBudget: flag(args, 'fit-budget'),
    out: requireStr(args, 'out', 'the run folder to write'),
    overwrite: flag(args, 'overwrite'),
    device,
    precision: precision.precision,
    memoryFormat: precision.memoryFormat,
    onProgress: flag(args, 'quiet') ? undefined : progressBars(),
  };
  return { options, sayPrecision: precision.say };
}

/**
 * Runs a prepared training run with Ctrl-C handling; returns the exit code. `sayPrecision`
 * prints what --precision chose (precisionOf) as the run starts.
 */
export async function runTraining(run: PreparedRun, createdDir: string | null, quiet = false, sayPrecision?: (quiet: boolean) => void): Promise<number> {
  // In a distributed run only rank 0 speaks; the other ranks report errors only.
  const writes = run.parallel.writes;
  try {
    if (run.complete) {
      const { epoch, step } = run.summary.resumedAt!;
      const length = run.options.iterations ? `${step} of ${run.options.iterations} steps` : `${epoch} of ${run.options.epochs} epochs`;
      if (writes) console.error(`${run.options.out} is complete (${length} trained); nothing to do. Train it longer with --resume ${run.options.out} --epochs N (N > ${run.options.epochs}).`);
      return 0;
    }
    if (writes) sayPrecision?.(quiet);
    if (writes && !quiet) for (const line of runSummaryLines(run.summary, run.options.out)) console.error(line);
    const result = await withInterrupt(writes ? 'stopping after this step' : null, () => run.trainer.requestStop(), () => run.trainer.run());
    const paths = run.trainer.paths;
    if (writes) console.error(`checkpoints: ${paths.last} (resumable), ${paths.best} (best)`);
    if (writes) console.error(`metrics: ${paths.metrics}; curves: ${paths.curvesPng}`);
    if (result.stoppedBy === 'interrupt') {
      if (writes) console.error(`interrupted; continue with: ${programName()} train --resume ${run.options.out}`);
      return 130;
    }
    return 0;
  } catch (err) {
    // A run that failed before its first checkpoint leaves no folder behind.
    if (writes && createdDir && !existsSync(run.trainer.paths.last)) rmSync(createdDir, { recursive: true, force: true });
    throw err;
  } finally {
    await run.close();
  }
}

/**
 * The launcher of host 0 (where rank 0 writes the run folder) checks the folder and holds its
 * lock while the ranks train: a second run into it is refused while this one lasts, and rank 0,
 * its child, works under the lock. Hosts other than 0 write nothing and hold nothing.
 */
async function launchHoldingRunFolder(args: Parsed, plan: LaunchPlan, out: string, resume: boolean): Promise<number> {
  if (plan.nodeRank !== 0) return launchRanks('train', args, plan);
  const dir = resolve(out);
  checkNotLocked(dir);
  if (!resume) checkNewRunFolder(dir, flag(args, 'overwrite'));
  const created = !existsSync(dir);
  const lock = RunLock.acquire(dir);
  let code: number | null = null;
  try {
    code = await launchRanks('train', args, plan);
    return code;
  } finally {
    lock.release();
    // A run that failed before its first checkpoint leaves no folder behind.
    if (created && code !== 0 && !existsSync(lastCheckpointPath(dir))) rmSync(dir, { recursive: true, force: true });
  }
}

export const train = defineCommand({
  name: 'train',
  summary: 'train a model on a dataset; checkpoints, metrics.jsonl, curves',
  usage: 'pixelwise train --data DIR --format F --model NAME [options] --out RUN\n       pixelwise train --resume RUN [--epochs N]',
  description:
    'Trains a segmentation model (or the autoencoder on MNIST). Validates after every epoch, writes\n' +
    'RUN/checkpoints/last.safetensors (resumable) and best.safetensors (best mean IoU), RUN/metrics.jsonl\n' +
    'and loss/mIoU curves. Ctrl-C stops after the current step and saves; --resume continues exactly.\n' +
    '--precision auto (default) trains in bf16 mixed precision where the hardware runs it fast (AMX, a\n' +
    'CUDA GPU with bf16) and in fp32 elsewhere, and says which; --memory-format auto (default) runs\n' +
    'channels-last on the CPU (faster 3x3 convolutions; checkpoints are the same bytes). config.json\n' +
    'records both; a --resume may change them.\n' +
    '\n' +
    'Data-parallel: --nproc N starts N ranks on this host (--nnodes M --node-rank R --master-addr H\n' +
    '--master-port P: the same command on each of M hosts); ranks started by torchrun --no_python work\n' +
    'too. --batch-size is per rank; N ranks x B take the steps of one process x N*B (with BatchNorm:\n' +
    '--sync-batchnorm). Rank 0 writes the run folder; the launcher holds its lock while the ranks\n' +
    'train. --resume may use another world size or batch size: the run continues by samples seen\n' +
    '(step x global batch), so the schedule stays at the same fraction of the run.',
  options: specs,
  async run(args) {
    if (str(args, 'epochs') !== undefined && str(args, 'iterations') !== undefined) {
      throw new UsageError('give --epochs or --iterations, not both (they both set the length of the run)');
    }
    if (flag(args, 'fit-budget') && (str(args, 'time-budget') === undefined || str(args, 'iterations') !== undefined)) {
      throw new UsageError('--fit-budget fits the epochs to a --time-budget: give --time-budget SECONDS (and --epochs, the most it may plan; not --iterations)');
    }
    const resume = str(args, 'resume');
    const others = Object.keys(args.values).filter((k) => k !== 'resume' && args.values[k] !== undefined && !(RESUME_OPTIONS as readonly string[]).includes(k));
    if (resume && others.length) {
      throw new UsageError(`--resume takes the run's settings from its checkpoint; it accepts only ${RESUME_OPTIONS.map((o) => '--' + o).join(', ')}, got ${others.map((o) => '--' + o).join(', ')}`);
    }
    // --nproc/--nnodes: this process starts the ranks, each running this command without them.
    const plan = launchPlan(args);
    if (plan) {
      const out = resume ?? (await runOptions(args)).options.out;
      if (resume && plan.nodeRank === 0 && !existsSync(lastCheckpointPath(resume))) throw new Error(`cannot resume ${resume}: ${lastCheckpointPath(resume)} does not exist`);
      return launchHoldingRunFolder(args, plan, out, resume !== undefined);
    }
    const role = rankRole(args);
    if (resume) {
      const device = await deviceOf(args);
      const precision = await precisionOf(args, device);
      const run = await prepareResume(resume, {
        epochs: num(args, 'epochs', { min: 1, integer: true }),
        iterations: num(args, 'iterations', { min: 1, integer: true }),
        timeBudget: num(args, 'time-budget', { min: 1 }),
        threads: threadCount(args),
        workers: num(args, 'workers', { min: 0, integer: true }),
        batchSize: num(args, 'batch-size', { min: 1, integer: true }),
        device,
        precision: precision.precision,
        memoryFormat: precision.memoryFormat,
        onProgress: flag(args, 'quiet') ? undefined : progressBars(),
        ...role.options,
      });
      return runTraining(run, null, flag(args, 'quiet'), precision.say);
    }
    const { options: given, sayPrecision } = await runOptions(args);
    const options: TrainRunOptions = { ...given, syncBatchNorm: flag(args, 'sync-batchnorm'), ...role.options };
    const createdDir = role.writes && !existsSync(options.out) ? options.out : null;
    let run: PreparedRun;
    try {
      run = await prepareRun(options);
    } catch (err) {
      if (createdDir) rmSync(createdDir, { recursive: true, force: true });
      throw err;
    }
    return runTraining(run, createdDir, flag(args, 'quiet'), sayPrecision);
  },
});
