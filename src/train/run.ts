// A whole training run from one JSON-able description: data, model, optimisation, run folder.
// The CLI's `train` and `demo` and library users call train(); --resume rebuilds the same run
// from the description stored in the checkpoint.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkMemoryFormat, checkPrecision, getNumThreads, manualSeed, modelInLayout, setNumThreads, setRngState, withDefaultDevice, type Device, type MemoryLayout, type Precision } from '../torch/index.js';
import { checkDevice } from '../nn/device.js';
import { maxImagePixels, overLimit } from '../image/limits.js';
import { DataLoader } from '../data/loader.js';
import { datasetSplits, openDataset } from '../data/datasets/open.js';
import { CLASS_WEIGHTINGS, classWeightsOf, type ClassWeighting } from '../data/class-weights.js';
import type { DatasetSpec } from '../data/datasets/types.js';
import type { AugmentSpec, PadMode, PreprocessSpec } from '../data/transforms/spec.js';
import { resolveNormalization, type Normalization, type NormalizationPreset } from '../image/normalization.js';
import { createModelFromConfig, defaultNormalization } from '../models/registry.js';
import type { ZooModel } from '../models/contract.js';
import { SGD, Adam, AdamW, StepLR, PolyLR, CosineAnnealingLR, LinearWarmup, type LRScheduler, type Optimizer, type SchedulerState } from '../optim/index.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import type { ProgressCallback } from '../io/progress.js';
import { disposeCheckpoint, type CheckpointConfig } from '../checkpoint/file.js';
import { loadTrainingCheckpoint, type TrainingCheckpoint } from './training-state.js';
import { initPlan } from '../weights/convert.js';
import { loadWeights, reportProblems, type WeightsReport } from '../weights/load.js';
import { buildObjective, defaultLoss, isBinaryLoss, type LossName } from './objective.js';
import { Trainer, type TrainPosition, type TrainResult } from './trainer.js';
import type { DataParallel } from './parallel.js';
import { startParallel, type DistributedTrainingOptions } from './distributed.js';
import { positionForBatch, savedGlobalBatch, stepsForBatch } from './samples-seen.js';
import { checkNewRunFolder, checkNotLocked, clearRunFolder, RunLock } from './run-folder.js';
import { runtimeInfo } from './environment.js';
import { countParameters } from '../models/summary.js';
import { makeDir } from '../io/dirs.js';

export interface TrainRunOptions {
  /** The training data (its split is the training split; default 'train'). */
  data: DatasetSpec;
  /** Validation split name (default 'val', or 'test' for MNIST; null for none). */
  valSplit?: string | null;
  model: string;
  modelOptions?: Record<string, unknown>;
  /**
   * Start from pretrained weights in any format (weights/): what fits is loaded (an FCN's VGG
   * backbone and fc6/fc7, a U-Net's VGG encoder, a checkpoint's matching layers), the rest is
   * initialised as usual; the file also sets the architecture options it needs (backbone,
   * widths) and, unless normalize is given, the input normalization. Not read again on resume.
   */
  initFrom?: string | null;
  epochs?: number;
  /** Stop after this many optimizer steps (instead of whole epochs). */
  iterations?: number | null;
  batchSize?: number;
  lr?: number;
  optimizer?: 'sgd' | 'adam' | 'adamw';
  momentum?: number;
  weightDecay?: number;
  schedule?: 'none' | 'step' | 'poly' | 'cosine';
  /** StepLR: epochs between decays, and the factor. */
  stepSize?: number;
  gamma?: number;
  /** Linear warmup over this many steps. */
  warmup?: number;
  /** Resize every image to [height, width] (labels by nearest neighbour). */
  size?: [number, number] | null;
  /** Pad up to [height, width] (e.g. 101 -> 128 as in the TGS salt tutorial). */
  padTo?: [number, number] | null;
  padMode?: PadMode;
  /** Image channels the model takes (1 or 3; default as stored). */
  channels?: 1 | 3;
  /** How pixels become inputs: a preset ('unit', 'imagenet', 'vgg', 'caffe', ...) or a record; default imagenet for VGG-based models, unit otherwise. Stored in the checkpoint as the record. */
  normalize?: NormalizationPreset | Normalization;
  /** true: horizontal flips + scale 0.75-1.25 (crop to size); or an explicit augmentation spec. */
  augment?: boolean | AugmentSpec;
  loss?: LossName;
  /** One weight per class for the cross-entropy, or 'median-frequency' to compute them from the training labels (the numbers are then what config.json records). */
  classWeights?: number[] | ClassWeighting | null;
  /** Overrides the dataset's ignore index (null: every label counts). */
  ignoreIndex?: number | null;
  seed?: number;
  threads?: number;
  workers?: number;
  cacheDir?: string | null;
  /** Stop (validate, save) after this many seconds of training. */
  timeBudget?: number | null;
  /**
   * With timeBudget: after each epoch, plan the epochs that fit in the budget at the speed so
   * far (at most `epochs`) and stretch the lr schedule over them (poly/cosine end with the budget).
   */
  fitBudget?: boolean;
  /** Set in a fitted run's checkpoints: the length it planned (a resume starts there; a new `epochs` replaces it). */
  fittedEpochs?: number | null;
  out: string;
  /**
   * Replace an earlier run in `out` (its checkpoints, metrics, curves). Without it a run folder
   * that is not empty is refused: continue a run with resumeRun instead.
   */
  overwrite?: boolean;
  /** Where the model runs: 'cpu' (default), 'cuda', 'cuda:N'. */
  device?: Device;
  /**
   * 'fp32' (default) or 'bf16': forward passes under autocast in bfloat16, losses, metrics,
   * weights and checkpoints in float32 (resolvePrecision turns 'auto' into one of them).
   * Recorded in config.json's environment; not a setting of the run (a resume may change it).
   */
  precision?: Precision;
  /**
   * 'contiguous' (default) or 'channels-last': the layout of the model's 4-d weights and of every
   * batch (resolveMemoryFormat turns 'auto' into one of them: channels-last on the CPU).
   * Checkpoints are the same bytes either way. Recorded in config.json's environment next to
   * the precision; a setting of the session, not of the run (a resume may change it).
   */
  memoryFormat?: MemoryLayout;
  /** Progress events of every epoch and validation (the command line draws them as bars); none by default. */
  onProgress?: ProgressCallback;
  /** Where the one-line summary of each epoch goes (default stderr). */
  log?: (line: string) => void;
  /** In a distributed run, BatchNorm statistics over the global batch (SyncBatchNorm); default false. */
  syncBatchNorm?: boolean;
  /**
   * Train as one rank of a data-parallel run: true joins the process group torchrun's
   * environment describes (or the one already joined); or how to join it. `batchSize` is per
   * rank; rank 0 alone writes the run folder. Default: this process alone.
   */
  distributed?: DistributedTrainingOptions | boolean | null;
}

export interface PreparedRun {
  trainer: Trainer;
  model: ZooModel;
  train: DataLoader;
  val: DataLoader | null;
  options: Required<Omit<TrainRunOptions, 'modelOptions'>> & { modelOptions: Record<string, unknown> };
  config: CheckpointConfig;
  /** The processes the run trains on (this one alone, or a rank of a distributed run). */
  parallel: DataParallel;
  /** A resumed run that has already trained its whole length (nothing left to do). */
  complete: boolean;
  /** What the run is, for a start-up summary: model, parameters, data, input size, threads, precision. */
  summary: RunSummary;
  /** Stops the data workers and releases the run folder's lock. */
  close(): Promise<void>;
}

/** The facts of a prepared run a start-up summary shows. */
export interface RunSummary {
  model: string;
  parameters: number;
  trainableParameters: number;
  trainImages: number;
  valImages: number | null;
  /** [height, width] the model sees. */
  inputSize: [number, number];
  channels: number;
  /** Images per step of this process (per rank in a distributed run). */
  batchSize: number;
  /** Processes training together (1: this one alone). */
  worldSize: number;
  stepsPerEpoch: number;
  epochs: number;
  threads: number;
  device: string;
  precision: Precision;
  memoryFormat: MemoryLayout;
  /** Where a resumed run stands, else null. */
  resumedAt: { epoch: number; step: number } | null;
}

const DEFAULTS = {
  initFrom: null,
  epochs: 10,
  iterations: null,
  batchSize: 8,
  optimizer: 'adam',
  momentum: 0.9,
  schedule: 'poly',
  stepSize: 10,
  gamma: 0.1,
  warmup: 0,
  size: null,
  padTo: null,
  padMode: 'constant',
  augment: false,
  classWeights: null,
  seed: 0,
  workers: undefined,
  cacheDir: null,
  timeBudget: null,
  fitBudget: false,
  fittedEpochs: null,
  syncBatchNorm: false,
  distributed: null,
  overwrite: false,
  device: 'cpu',
  precision: 'fp32',
  memoryFormat: 'contiguous',
} as const;

/** Default learning rate per optimizer (SGD as in FCN/U-Net papers' style, Adam as Keras). */
function defaultLr(optimizer: string): number {
  return optimizer === 'sgd' ? 0.01 : 1e-3;
}

/** Default weight decay: AdamW's decoupled 0.01 (PyTorch's default), none for the others. */
function defaultWeightDecay(optimizer: string): number {
  return optimizer === 'adamw' ? 0.01 : 0;
}

/** 'train', or none for a folder dataset whose root holds images/ and masks/ directly. */
function defaultTrainSplit(spec: DatasetSpec): string | undefined {
  return spec.format === 'folder' && datasetSplits(spec).includes('') ? undefined : 'train';
}

function defaultValSplit(spec: DatasetSpec): string | null {
  if (spec.split === undefined) return null;
  const splits = datasetSplits(spec);
  for (const s of spec.format === 'mnist' ? ['test'] : ['val', 'validation']) if (splits.includes(s)) return s;
  return null;
}

/**
 * Train and val preprocessing; `imageSize` [h, w] is what random scaling crops back to;
 * `labelFill` is the label of padded pixels when --ignore-index overrides the dataset's.
 */
function preprocessFor(
  o: PreparedRun['options'],
  model: string,
  imageSize: [number, number],
  labelFill: number | undefined,
): { train: PreprocessSpec; val: PreprocessSpec } {
  const fill = labelFill === undefined ? {} : { labelValue: labelFill };
  const base: PreprocessSpec = {};
  if (o.channels) base.channels = o.channels;
  if (o.size) base.resize = { height: o.size[0], width: o.size[1], mode: 'bilinear' };
  if (o.padTo) base.pad = { height: o.padTo[0], width: o.padTo[1], mode: o.padMode, ...fill };
  base.normalize = resolveNormalization(o.normalize ?? defaultNormalization(model), 'normalize');
  let augment: AugmentSpec | undefined;
  const [height, width] = inputSizeOf(o, imageSize);
  if (o.augment === true) augment = { hflip: true, scale: [0.75, 1.25], crop: { height, width }, ...fill };
  else if (o.augment) augment = { ...o.augment, ...fill };
  return { train: augment ? { ...base, augment } : base, val: base };
}

/** [height, width] the model sees: resized (--size) or as stored, then padded up to --pad-to (never down). */
function inputSizeOf(o: { size: [number, number] | null; padTo: [number, number] | null }, imageSize: [number, number]): [number, number] {
  const [h, w] = o.size ?? imageSize;
  return o.padTo ? [Math.max(h, o.padTo[0]), Math.max(w, o.padTo[1])] : [h, w];
}

/** A warning when --size turns the data's landscape images portrait (or back): sizes are HEIGHTxWIDTH. */
export function orientationWarning(size: [number, number] | null, image: { width: number; height: number }): string | null {
  if (!size || size[0] === size[1] || image.width === image.height) return null;
  const want = size[0] > size[1] ? 'portrait' : 'landscape';
  const have = image.height > image.width ? 'portrait' : 'landscape';
  if (want === have) return null;
  return `warning: --size ${size[0]}x${size[1]} is HEIGHTxWIDTH (${want}), but the training images are ${image.height}x${image.width} (HxW, ${have}); ` +
    `they will be squashed — did you mean --size ${size[1]}x${size[0]}?`;
}

function buildOptimizer(model: ZooModel, o: PreparedRun['options']): Optimizer<any> {
  const params = model.parameters().filter((p) => p.requiresGrad);
  if (params.length === 0) throw new Error(`model ${o.model} has no trainable parameters (everything is frozen)`);
  switch (o.optimizer) {
    case 'sgd':
      return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
    case 'adam':
      return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
    default:
      throw new Error(`unknown optimizer '${o.optimizer as string}', expected sgd, adam or adamw`);
  }
}

function buildScheduler(optimizer: Optimizer<any>, o: PreparedRun['options'], totalSteps: number, stepsPerEpoch: number): LRScheduler | null {
  let s: LRScheduler | null;
  switch (o.schedule) {
    case 'none':
      s = null;
      break;
    case 'step':
      s = new StepLR(optimizer, { stepSize: Math.max(1, o.stepSize * stepsPerEpoch), gamma: o.gamma });
      break;
    case 'poly':
      s = new PolyLR(optimizer, { maxIters: totalSteps, power: 0.9 });
      break;
    case 'cosine':
      s = new CosineAnnealingLR(optimizer, { tMax: totalSteps });
      break;
    default:
      throw new Error(`unknown schedule '${o.schedule as string}', expected none, step, poly or cosine`);
  }
  // Warmup multiplies another schedule; without one, a constant lr (StepLR with gamma 1).
  if (o.warmup > 0) s = new LinearWarmup(s ?? new StepLR(optimizer, { stepSize: Math.max(1, totalSteps), gamma: 1 }), { warmupIters: o.warmup });
  return s;
}

/**
 * Builds everything a run needs; training starts with `prepared.trainer.run()`. A `parallel`
 * already started (resumeRun's) is the run's to close.
 */
export async function prepareRun(input: TrainRunOptions, resume: TrainingCheckpoint | null = null, parallel?: DataParallel): Promise<PreparedRun> {
  const processes = parallel ?? (await startParallel(input.distributed));
  try {
    return await prepareOn(processes, input, resume);
  } catch (err) {
    processes.close();
    throw err;
  }
}

async function prepareOn(parallel: DataParallel, input: TrainRunOptions, resume: TrainingCheckpoint | null): Promise<PreparedRun> {
  // Only the process that writes the run folder (a plain run, or rank 0 of a distributed one) looks after it.
  const primary = parallel.writes;
  const log = input.log ?? ((line: string) => console.error(line));
  checkDevice(input.device ?? DEFAULTS.device, 'device');
  checkPrecision(input.precision ?? DEFAULTS.precision);
  checkMemoryFormat(input.memoryFormat ?? DEFAULTS.memoryFormat);
  // Sizes checked before any data is read (a --size of 100000x100000 once ended in 'Invalid typed array length').
  for (const [what, hw] of [['size (--size)', input.size], ['padTo (--pad-to)', input.padTo]] as const) {
    if (hw && hw[0] * hw[1] > maxImagePixels()) throw new Error(`${what} ${hw[0]}x${hw[1]} (HxW) gives images of ${overLimit(hw[0] * hw[1])}`);
  }
  // Checked before any data or weights are read; again under the lock, just before anything is written.
  if (primary) {
    checkNotLocked(resolve(input.out));
    if (!resume) checkNewRunFolder(resolve(input.out), input.overwrite ?? DEFAULTS.overwrite);
  }
  // Pretrained weights fix the architecture options and the normalization before anything is built;
  // both are stored with the run, so a resume does not need the file again.
  if (input.initFrom && !resume) {
    const plan = await initPlan(input.initFrom, input.model);
    input = { ...input, modelOptions: { ...plan.modelOptions, ...(input.modelOptions ?? {}) }, normalize: input.normalize ?? plan.normalization };
  }
  const optimizerName = input.optimizer ?? DEFAULTS.optimizer;
  const o = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    optimizer: optimizerName,
    lr: input.lr ?? defaultLr(optimizerName),
    weightDecay: input.weightDecay ?? defaultWeightDecay(optimizerName),
    modelOptions: { ...(input.modelOptions ?? {}) },
    out: resolve(input.out),
  } as unknown as PreparedRun['options'];
  // The model's contract says what it does (the same for any options); built on 'meta', nothing is allocated.
  const probe = withDefaultDevice('meta', () => createModelFromConfig(o.model));
  const task = probe.contract.task;
  probe.dispose();
  if (task === 'classification') {
    throw new Error(`model ${o.model} is an image classifier; train a segmentation model (fcn32s, fcn16s, fcn8s, unet) or cae`);
  }
  if (o.threads) setNumThreads(o.threads);
  manualSeed(o.seed);

  const trainSpec = { ...o.data, split: o.data.split ?? defaultTrainSplit(o.data) } as DatasetSpec;
  const valSplit = input.valSplit === undefined ? defaultValSplit(trainSpec) : input.valSplit;
  const dataset = await openDataset(trainSpec);
  if (task === 'segmentation' && !dataset.hasLabels) {
    throw new Error(`dataset ${trainSpec.format} (${trainSpec.root ?? ''}) has no label maps; a segmentation model needs masks`);
  }
  const first = await dataset.get(0);
  const flipped = orientationWarning(o.size, first.image);
  if (flipped && !resume && primary) log(flipped);
  const labelFill = input.ignoreIndex === undefined ? undefined : (input.ignoreIndex ?? 0);
  const pre = preprocessFor(o, o.model, [first.image.height, first.image.width], labelFill);
  const loaderBase = { batchSize: o.batchSize, seed: o.seed, workers: o.workers, cacheDir: o.cacheDir };
  const train = new DataLoader(dataset, { ...loaderBase, shuffle: true, dropLast: false, preprocess: pre.train, indices: parallel.trainIndices(o.seed) });
  const val = valSplit ? new DataLoader({ ...dataset.spec, split: valSplit } as DatasetSpec, { ...loaderBase, preprocess: pre.val, indices: parallel.valIndices() }) : null;
  let model: ZooModel | undefined;
  let lock: RunLock | null = null;
  try {
    await train.ready();
    if (val) await val.ready();
    const channels = o.channels ?? (first.image.channels >= 3 ? 3 : 1);
    const ignoreIndex = input.ignoreIndex === undefined ? dataset.ignoreIndex : input.ignoreIndex;
    // Caught here rather than by the confusion matrix after a whole epoch of training.
    if (task === 'segmentation' && ignoreIndex !== null && Number.isInteger(ignoreIndex) && ignoreIndex >= 0 && ignoreIndex < dataset.numClasses) {
      const from = input.ignoreIndex === undefined ? 'its ignore index' : 'ignoreIndex (--ignore-index)';
      throw new Error(
        `dataset ${trainSpec.format} (${trainSpec.root ?? ''}) has ${dataset.numClasses} classes and ${from} is ${ignoreIndex}, one of them; ` +
          `expected a label value outside 0..${dataset.numClasses - 1} (e.g. 255) or none`,
      );
    }
    const loss = o.loss ?? defaultLoss(task, dataset.numClasses);
    const outputs = isBinaryLoss(loss) ? 1 : dataset.numClasses;
    if (isBinaryLoss(loss) && dataset.numClasses !== 2) {
      throw new Error(`loss ${loss} is for two-class (foreground/background) data; this dataset has ${dataset.numClasses} classes`);
    }
    const modelOptions =
      task === 'reconstruction'
        ? { inChannels: channels, ...o.modelOptions }
        : { numClasses: outputs, inChannels: channels, ...o.modelOptions };
    model = createModelFromConfig(o.model, modelOptions);
    if (resume) model.loadStateDict(resume.weights);
    else if (input.initFrom) logInit(await loadWeights(model, input.initFrom), o.model, primary ? input.log : () => undefined);
    const size = inputSizeOf(o, [first.image.height, first.image.width]);
    const multiple = model.contract.inputMultiple;
    if (size[0] % multiple !== 0 || size[1] % multiple !== 0) {
      const up = (v: number): number => Math.ceil(v / multiple) * multiple;
      const stored = `${first.image.height}x${first.image.width}`;
      const how = o.size ? `resized by --size to ${o.size.join('x')}` : `${stored} as stored`;
      const padNote = o.padTo && (o.padTo[0] < size[0] || o.padTo[1] < size[1]) ? `; --pad-to ${o.padTo.join('x')} only pads up, never crops` : o.padTo ? ` padded to ${o.padTo.join('x')}` : '';
      throw new Error(
        `model ${o.model} needs inputs whose sides are multiples of ${multiple}; the training images are ${size[0]}x${size[1]} (HxW: ${how}${padNote}) — ` +
          `use --size ${up(size[0])}x${up(size[1])} (resize) or --pad-to ${up(size[0])}x${up(size[1])}`,
      );
    }
    // On its device before the replicas are made one (DDP wraps the parameters where they are).
    if (o.device !== 'cpu') model.to(o.device);
    // Before the optimizer's state (a resume's too) and DDP's buckets, which follow the weights' strides.
    modelInLayout(model, o.memoryFormat);
    await parallel.wrap(model, { syncBatchNorm: o.syncBatchNorm });
    const classWeights = await resolveClassWeights(o.classWeights, trainSpec, dataset.classNames, primary ? input.log : () => undefined);
    const objective = buildObjective({ loss, outputs: task === 'reconstruction' ? channels : outputs, ignoreIndex, classWeights });
    const optimizer = buildOptimizer(model, o);
    const stepsPerEpoch = train.length;
    if (o.fitBudget && (!o.timeBudget || o.iterations)) throw new Error(`fitBudget (--fit-budget) needs a timeBudget (--time-budget) and a length in epochs, not iterations`);
    const epochs = o.iterations ? Math.ceil(o.iterations / stepsPerEpoch) : o.fitBudget && o.fittedEpochs ? Math.min(o.fittedEpochs, o.epochs) : o.epochs;
    const totalSteps = o.iterations ?? epochs * stepsPerEpoch;
    const scheduler = buildScheduler(optimizer, o, totalSteps, stepsPerEpoch);
    const start = resume ? restoreTraining(resume, optimizer, scheduler, o.batchSize * parallel.worldSize, stepsPerEpoch) : null;
    const env = runtimeInfo();
    const config: CheckpointConfig = {
      model: { name: o.model, options: { ...(model.config as Record<string, unknown>) } },
      classes: { names: [...dataset.classNames], ignoreIndex, palette: dataset.palette.map((c) => [c[0], c[1], c[2]]) },
      preprocess: pre.val as Record<string, unknown>,
      data: { train: dataset.spec, valSplit },
      training: { ...stripRuntime(input), loss, classWeights, epochs, threads: getNumThreads(), worldSize: parallel.worldSize },
      // What the run ran on, so it can be reproduced and its speed compared.
      environment: {
        pixelwise: env.pixelwise,
        node: env.node,
        libtorch: env.libtorch.version,
        cpu: env.cpu.model,
        cpuFeatures: { avx2: env.cpu.avx2, avx512: env.cpu.avx512, bf16: env.cpu.bf16, amx: env.cpu.amx },
        cores: env.cpu.cores,
        device: o.device,
        cuda: env.cuda,
        threads: env.threads,
        precision: o.precision,
        memoryFormat: o.memoryFormat,
      },
    };
    // The process that writes the run folder holds its lock (rank 0 under a launcher shares the launcher's).
    if (primary) {
      lock = RunLock.acquire(o.out, log);
      if (!resume) {
        const earlier = checkNewRunFolder(o.out, o.overwrite);
        if (earlier.length) {
          clearRunFolder(o.out, earlier);
          log(`overwriting run folder ${o.out}: removed the earlier run's ${earlier.join(', ')} (--overwrite)`);
        }
      }
      makeDir(o.out, 'run folder');
      writeFileAtomicSync(join(o.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    }
    const trainer = new Trainer({
      model,
      task,
      objective,
      optimizer,
      scheduler,
      train,
      val,
      epochs,
      maxSteps: o.iterations,
      timeBudget: o.timeBudget,
      fitBudget: o.fitBudget,
      epochCap: o.epochs,
      runDir: o.out,
      config,
      numClasses: dataset.numClasses,
      classNames: dataset.classNames,
      ignoreIndex,
      start,
      device: o.device,
      precision: o.precision,
      memoryFormat: o.memoryFormat,
      onProgress: primary ? input.onProgress : undefined,
      log: primary ? input.log : () => undefined,
      parallel,
    });
    const heldLock = lock;
    const close = async (): Promise<void> => {
      try {
        parallel.close();
        await train.close();
        await val?.close();
      } finally {
        heldLock?.release();
      }
    };
    const counts = countParameters(model);
    const complete = start !== null && (start.epoch >= epochs || (o.iterations !== null && start.step >= o.iterations));
    const summary: RunSummary = {
      model: o.model,
      parameters: counts.total,
      trainableParameters: counts.trainable,
      trainImages: dataset.length,
      valImages: val ? val.dataset.length : null,
      inputSize: size,
      channels: task === 'reconstruction' ? channels : model.contract.inChannels,
      batchSize: o.batchSize,
      worldSize: parallel.worldSize,
      stepsPerEpoch,
      epochs,
      threads: getNumThreads(),
      device: o.device,
      precision: o.precision,
      memoryFormat: o.memoryFormat,
      resumedAt: start ? { epoch: start.epoch, step: start.step } : null,
    };
    return { trainer, model, train, val, options: { ...o, loss, epochs }, config, parallel, complete, summary, close };
  } catch (err) {
    model?.dispose();
    lock?.release();
    await train.close();
    await val?.close();
    throw err;
  }
}

/** One line (two with mismatches) saying what the pretrained weights filled. */
function logInit(r: WeightsReport, model: string, log: ((line: string) => void) | undefined): void {
  if (r.mapped.length === 0) throw new Error(`${r.path}: read as ${r.mappingTitle}, nothing in it fits model ${model}: ${reportProblems(r)}`);
  const write = log ?? ((line: string) => process.stderr.write(line + '\n'));
  const kept = r.missing.length ? `; ${r.missing.length} model tensors keep their initialisation (${r.missing.slice(0, 3).map((m) => m.target).join(', ')}${r.missing.length > 3 ? ', ...' : ''})` : '';
  const full = r.missing.length || r.unused.length ? ` (every tensor: pixelwise convert ${r.path} --model ${model} --dry-run --allow-missing)` : '';
  write(`init from ${r.path} (${r.mapping}): ${r.mapped.length} tensors loaded${kept}; ${r.unused.length} file tensors unused${full}`);
  if (r.mismatched.length) write(`  not loaded, shapes differ: ${r.mismatched.map((m) => `${m.target} [${m.targetShape}] vs ${m.source} [${m.sourceShape}]`).join('; ')}`);
}

/**
 * Puts optimizer, schedule and random generator back as the checkpoint saved them; returns
 * where training stood, in steps of `globalBatch` (samples-seen.ts).
 */
function restoreTraining(c: TrainingCheckpoint, optimizer: Optimizer<any>, scheduler: LRScheduler | null, globalBatch: number, stepsPerEpoch: number): TrainPosition {
  const state = c.trainState!;
  if (!c.optimizer) throw new Error(`checkpoint ${c.path} has no optimizer state to resume from`);
  const saved = { epoch: state.epoch, step: state.step, batchInEpoch: (state.extra?.batchInEpoch as number | undefined) ?? 0 };
  const at = positionForBatch({ ...saved, globalBatch: savedGlobalBatch(state, c.config.training) }, globalBatch, stepsPerEpoch);
  optimizer.loadStateDict({ tensors: c.optimizer, meta: state.optimizer });
  if (state.scheduler) {
    if (!scheduler) throw new Error(`checkpoint ${c.path} was trained with a ${state.scheduler.type} schedule, but none is set`);
    scheduler.loadStateDict(atStep(state.scheduler, at.step));
  }
  setRngState(Uint8Array.from(Buffer.from(state.rng, 'base64')));
  const lines = state.extra?.metricsLines;
  return { epoch: state.epoch, step: at.step, bestScore: state.bestScore, batchInEpoch: at.batchInEpoch, ...(typeof lines === 'number' ? { metricsLines: lines } : {}) };
}

/** A schedule's state moved to `step` (a warmup's inner schedule too). */
function atStep(s: SchedulerState, step: number): SchedulerState {
  return { ...s, lastEpoch: step, ...(s.inner ? { inner: atStep(s.inner, step) } : {}) };
}

/** Class weights as numbers: given, or computed from the training labels (and said). */
async function resolveClassWeights(w: TrainRunOptions['classWeights'], spec: DatasetSpec, names: readonly string[], log: (line: string) => void = (l) => console.error(l)): Promise<number[] | null> {
  if (typeof w !== 'string') return w ?? null;
  if (!(CLASS_WEIGHTINGS as readonly string[]).includes(w)) throw new Error(`unknown class weighting '${w}', expected ${CLASS_WEIGHTINGS.join(', ')} or one number per class`);
  const t0 = Date.now();
  const weights = await classWeightsOf(spec, w);
  log(`class weights (${w}, from the ${spec.split ?? ''} labels in ${((Date.now() - t0) / 1000).toFixed(1)} s): ${weights.map((v, c) => `${names[c] ?? c} ${v.toFixed(3)}`).join(', ')}`);
  return weights;
}

// The options as given (what --resume replays), without settings of this process only.
function stripRuntime(o: TrainRunOptions): Record<string, unknown> {
  const { onProgress: _p, log: _l, distributed: _d, overwrite: _o, device: _v, precision: _r, memoryFormat: _m, ...rest } = o;
  return { ...rest, out: resolve(o.out) };
}

/**
 * Trains a model end to end and returns the history; see TrainRunOptions.
 * @example
 *   const { history, bestScore } = await trainModel({
 *     data: { format: 'folder', root: 'membrane' }, model: 'unet', modelOptions: { depth: 4, baseWidth: 16 },
 *     size: [256, 256], epochs: 100, batchSize: 4, out: 'runs/membrane', onProgress: (e) => e.finished && console.log(e.task),
 *   });
 */
export async function train(options: TrainRunOptions): Promise<TrainResult & { run: PreparedRun }> {
  const run = await prepareRun(options);
  try {
    return { ...(await run.trainer.run()), run };
  } finally {
    await run.close();
  }
}

/** The path of a run folder's resumable checkpoint. */
export function lastCheckpointPath(runDir: string): string {
  return join(runDir, 'checkpoints', 'last.safetensors');
}

type ResumeOverrides = Partial<Pick<TrainRunOptions, 'epochs' | 'iterations' | 'timeBudget' | 'onProgress' | 'log' | 'threads' | 'workers' | 'batchSize' | 'device' | 'precision' | 'memoryFormat' | 'distributed'>>;

/**
 * Continues the run in `runDir` exactly where its last checkpoint stopped, with the options
 * it was started with, and trains it to its end as trainModel does; `overrides` may extend it
 * (more epochs, another time budget). A run already complete returns at once with an empty
 * history (`run.complete` is true).
 * @example
 *   const { history, stoppedBy } = await resumeRun('runs/membrane', { epochs: 150 });
 */
export async function resumeRun(runDir: string, overrides: ResumeOverrides = {}): Promise<TrainResult & { run: PreparedRun }> {
  const run = await prepareResume(runDir, overrides);
  try {
    return { ...(await run.trainer.run()), run };
  } finally {
    await run.close();
  }
}

/**
 * Rebuilds the run in `runDir` from its last checkpoint, ready to continue with
 * `run.trainer.run()` (what resumeRun does; the CLI uses this to handle Ctrl-C itself).
 * In a distributed run (`overrides.distributed`) every rank calls it; rank 0 reads the run folder.
 */
export async function prepareResume(runDir: string, overrides: ResumeOverrides = {}): Promise<PreparedRun> {
  const { distributed, ...changes } = overrides;
  const parallel = await startParallel(distributed);
  let file: { path: string; remove(): void };
  let checkpoint: TrainingCheckpoint;
  try {
    // Only rank 0 of a distributed run needs the run folder; it sends the checkpoint to ranks on other hosts.
    file = await parallel.shareFile(lastCheckpointPath(runDir), (path) => {
      // A run another process is training: say so before anything else (it may have no checkpoint yet).
      checkNotLocked(resolve(runDir));
      if (!existsSync(path)) throw new Error(`cannot resume ${runDir}: ${path} does not exist (was the run started with --out ${runDir}?)`);
    });
    try {
      checkpoint = loadTrainingCheckpoint(file.path);
    } catch (err) {
      file.remove();
      throw err;
    }
  } catch (err) {
    parallel.close();
    throw err;
  }
  try {
    const path = lastCheckpointPath(runDir);
    if (!checkpoint.trainState || !checkpoint.config.training) {
      throw new Error(`cannot resume from ${path}: it holds weights but no training state`);
    }
    const { threads, worldSize, ...saved } = checkpoint.config.training as unknown as TrainRunOptions & { worldSize?: number };
    const defined: Partial<TrainRunOptions> = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    // A new --epochs replaces a length that was given in iterations (which would otherwise win).
    if (defined.epochs !== undefined && defined.iterations === undefined) defined.iterations = null;
    // ... and the length a fitted run had planned.
    if (defined.epochs !== undefined) defined.fittedEpochs = null;
    // Another global batch (other world size or batch size): lengths in steps keep their samples.
    const before = savedGlobalBatch(checkpoint.trainState, checkpoint.config.training);
    const after = (defined.batchSize ?? saved.batchSize ?? DEFAULTS.batchSize) * parallel.worldSize;
    if (defined.iterations === undefined && saved.iterations) defined.iterations = stepsForBatch(saved.iterations, before, after);
    if (saved.warmup) defined.warmup = stepsForBatch(saved.warmup, before, after);
    // The saved thread count was that run's share of the cores; with another world size it is not ours.
    const keepThreads = (worldSize ?? 1) === parallel.worldSize ? { threads } : {};
    return await prepareRun({ ...saved, ...keepThreads, ...defined, out: runDir }, checkpoint, parallel);
  } catch (err) {
    parallel.close();
    throw err;
  } finally {
    disposeCheckpoint(checkpoint);
    file.remove();
  }
}
