// The training loop: epochs of optimizer steps, validation after each epoch, metrics.jsonl,
// loss curves, and atomic checkpoints (last, best) that let --resume continue exactly where
// a run stopped (end of an epoch, a time budget, or Ctrl-C).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { forwardIn, getRngState, inputInLayout, noGrad, tidy, type Device, type MemoryLayout, type Precision, type Tensor } from '../torch/index.js';
import type { DataLoader } from '../data/loader.js';
import type { ZooModel } from '../models/contract.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { writePng } from '../image/files.js';
import { saveCheckpoint, type CheckpointConfig } from '../checkpoint/file.js';
import type { TrainState } from './training-state.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { JsonlLog, readJsonl } from './jsonl-log.js';
import type { Objective } from './objective.js';
import { epochsInBudget } from './budget-fit.js';
import { ProgressReporter, type ProgressCallback } from '../io/progress.js';
import { trainingCurves } from './curves.js';
import { SINGLE_PROCESS, type DataParallel } from './parallel.js';
import { makeDir } from '../io/dirs.js';

/** One line of metrics.jsonl: written after every validation. */
export interface EpochRecord {
  epoch: number;
  step: number;
  /** Whether the epoch ran to its end (false when a time budget or Ctrl-C cut it). */
  complete: boolean;
  trainLoss: number;
  valLoss: number | null;
  pixelAccuracy: number | null;
  meanAccuracy: number | null;
  meanIoU: number | null;
  fwIoU: number | null;
  foregroundIoU?: number | null;
  /** IoU of every class by name (null for a class absent from labels and predictions), or null without validation. */
  perClassIoU: Record<string, number | null> | null;
  lr: number;
  /** This epoch's training and validation time. */
  seconds: number;
  /** Seconds the run has trained and validated so far, all epochs (and earlier sessions of a resumed run) included. */
  elapsed: number;
  imagesPerSecond: number;
}

export interface TrainerOptions {
  model: ZooModel;
  task: 'segmentation' | 'reconstruction';
  objective: Objective;
  optimizer: Optimizer<any>;
  scheduler: LRScheduler | null;
  train: DataLoader;
  val: DataLoader | null;
  epochs: number;
  /** Stop (after validating and saving) once training has run this many seconds. */
  timeBudget?: number | null;
  /**
   * With timeBudget: after each epoch, the run's length becomes the epochs that fit in the
   * budget at the speed so far (at most `epochs`), the schedule stretched over them (budget-fit.ts).
   */
  fitBudget?: boolean;
  /** The most epochs fitBudget may plan (default `epochs`; a resumed fitted run starts at its fitted length). */
  epochCap?: number;
  runDir: string;
  config: CheckpointConfig;
  /** Classes the metrics count (2 for a one-output binary model). */
  numClasses: number;
  classNames: readonly string[];
  ignoreIndex: number | null;
  /** Stop after this many optimizer steps in all (instead of at the end of `epochs`). */
  maxSteps?: number | null;
  /** Where a resumed run stands (weights, optimizer, schedule and RNG already restored). */
  start?: TrainPosition | null;
  /** Where batches go before the model sees them (the model is already there); default 'cpu'. */
  device?: Device;
  /** Forward passes in bf16 mixed precision (autocast) or fp32 (default); losses, metrics and weights stay float32. */
  precision?: Precision;
  /**
   * The layout input batches are put in: 'channels-last' or 'contiguous' (default); the model's
   * weights must already be in it (prepareRun: modelInLayout before the optimizer and DDP).
   */
  memoryFormat?: MemoryLayout;
  /** Progress events: one task per epoch ('epoch 2/10') and per validation ('validate 2'). */
  onProgress?: ProgressCallback;
  /** Where per-epoch summary lines go; default stderr. */
  log?: (line: string) => void;
  /** The processes training is spread over (a distributed run's rank); default this one alone. */
  parallel?: DataParallel;
  /** The clock (milliseconds) the time budget and the records read; default Date.now (tests replace it). */
  now?: () => number;
}

/** Where training stands: completed epochs, optimizer steps, position in the current epoch. */
export interface TrainPosition {
  epoch: number;
  step: number;
  bestScore: number | null;
  batchInEpoch: number;
  /** Lines of metrics.jsonl when the checkpoint was written (later ones belong to lost work). */
  metricsLines?: number;
}

export interface TrainResult {
  history: EpochRecord[];
  /** The best validation score (mean IoU, or -loss for reconstruction), or null without validation. */
  bestScore: number | null;
  stoppedBy: 'epochs' | 'iterations' | 'time budget' | 'interrupt';
  lastEvaluation: Evaluation | null;
}

export class Trainer {
  readonly o: TrainerOptions;
  #stopRequested = false;

  constructor(options: TrainerOptions) {
    this.o = options;
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Asks the loop to stop after the current step, validate, and save (Ctrl-C). */
  requestStop(): void {
    this.#stopRequested = true;
  }

  get paths(): { checkpoints: string; last: string; best: string; metrics: string; curvesPng: string; curvesSvg: string } {
    const dir = this.o.runDir;
    return {
      checkpoints: join(dir, 'checkpoints'),
      last: join(dir, 'checkpoints', 'last.safetensors'),
      best: join(dir, 'checkpoints', 'best.safetensors'),
      metrics: join(dir, 'metrics.jsonl'),
      curvesPng: join(dir, 'curves.png'),
      curvesSvg: join(dir, 'curves.svg'),
    };
  }

  async run(): Promise<TrainResult> {
    const o = this.o;
    const paths = this.paths;
    const par = o.parallel ?? SINGLE_PROCESS;
    if (par.writes) makeDir(paths.checkpoints, 'checkpoint folder');
    let epoch = o.start?.epoch ?? 0;
    const firstEpoch = epoch;
    let epochs = o.epochs;
    let startBatch = o.start?.batchInEpoch ?? 0;
    let step = o.start?.step ?? 0;
    let bestScore = o.start?.bestScore ?? null;
    const history = par.writes ? this.#history(step, o.start?.metricsLines) : [];
    const log = par.writes ? new JsonlLog(paths.metrics) : null;
    const started = this.#now();
    // Seconds of this session (the time budget counts them).
    const seconds = (): number => (this.#now() - started) / 1000;
    // Cumulative time: a resumed run continues the clock of its earlier sessions.
    const elapsedBefore = history.at(-1)?.elapsed ?? 0;
    const say = o.log ?? ((line: string) => console.error(line));
    const estimate = new EpochEstimate(o.train.length, o.train.dataset.length, o.epochs - epoch, { startBatch, timeBudget: o.timeBudget ?? null, fitted: !!o.fitBudget });
    let stoppedBy: TrainResult['stoppedBy'] = 'epochs';
    let lastEvaluation: Evaluation | null = null;
    try {
      while (epoch < epochs) {
        // A resumed run that already made its steps must not take one more.
        if (o.maxSteps && step >= o.maxSteps) {
          stoppedBy = 'iterations';
          break;
        }
        const epochStart = this.#now();
        const plan = o.train.plan(epoch);
        const batches = plan.length;
        // Counted over all processes: their shards are equal (padded).
        const progress = new ProgressReporter(o.onProgress, `epoch ${epoch + 1}/${epochs}`, par.worldSize * plan.slice(startBatch).reduce((n, b) => n + b.length, 0));
        let lossSum = 0;
        let seen = 0;
        let images = 0;
        let batchInEpoch = startBatch;
        o.model.train();
        for await (const batch of o.train.epoch(epoch, { startBatch })) {
          using _batch = batch;
          const target = o.task === 'reconstruction' ? batch.images : batch.labels;
          if (!target) throw new Error('training data has no label maps; a segmentation model needs masks');
          const localLoss = await this.#step(batch.images, target);
          // Batches loaded on this thread (workers 0) resolve as microtasks only: without a
          // macrotask turn here a SIGINT handler (Ctrl-C -> requestStop) would never run.
          await new Promise<void>((resolve) => setImmediate(resolve));
          // Every process must stop after the same step: they decide together.
          const agreed = await par.agree(localLoss, this.#stopRequested, !!o.timeBudget && seconds() >= o.timeBudget);
          const loss = agreed.loss;
          if (!Number.isFinite(loss)) {
            throw new Error(`loss became ${loss} at epoch ${epoch + 1}, step ${step + 1}; lower --lr or check the labels`);
          }
          lossSum += loss;
          seen += 1;
          images += par.worldSize * batch.names.length;
          step += 1;
          batchInEpoch += 1;
          progress.advance(par.worldSize * batch.names.length, { loss: lossSum / seen, lr: o.optimizer.paramGroups[0]!.lr });
          // Images of every process per wall-clock second: the run's speed, not this process's share.
          const line = estimate.afterStep(par.worldSize * batch.names.length);
          if (line && par.writes) for (const l of line) say(l);
          if (agreed.interrupt) stoppedBy = 'interrupt';
          else if (o.maxSteps && step >= o.maxSteps) stoppedBy = 'iterations';
          else if (agreed.budget) stoppedBy = 'time budget';
          if (stoppedBy !== 'epochs') break;
        }
        const complete = batchInEpoch >= batches;
        progress.finish({ loss: seen ? lossSum / seen : NaN });
        lastEvaluation = o.val ? await this.#validate(epoch) : null;
        const record = this.#record(epoch, step, complete, seen ? lossSum / seen : NaN, lastEvaluation, epochStart, images, elapsedBefore + seconds());
        history.push(record);
        log?.append(record);
        const score = this.#score(record);
        const improved = score !== null && (bestScore === null || score > bestScore);
        if (improved) bestScore = score;
        if (complete) {
          epoch += 1;
          startBatch = 0;
        } else {
          startBatch = batchInEpoch;
        }
        let planLine: string | null = null;
        if (complete && o.fitBudget && o.timeBudget && stoppedBy === 'epochs') {
          const elapsed = seconds();
          const fitted = await this.#agreeOnLength(epochsInBudget({ done: epoch, sessionEpochs: epoch - firstEpoch, elapsed, budget: o.timeBudget, cap: o.epochCap ?? o.epochs }));
          if (fitted !== epochs) {
            epochs = fitted;
            o.scheduler?.setLength(epochs * o.train.length);
            // Saved with the checkpoints: a resumed run continues at this length.
            if (o.config.training) o.config.training.fittedEpochs = epochs;
            planLine = `fitting the ${o.timeBudget} s budget: ${epochs} epoch(s) in all at ${(elapsed / (epoch - firstEpoch)).toFixed(0)} s per epoch so far`;
          }
        }
        // best before last: a crash between the two then repeats this epoch on resume (exactly)
        // and writes best again, where the other order would lose this best for good.
        const where = { epoch, step, bestScore, batchInEpoch: startBatch, metricsLines: history.length };
        if (par.writes) {
          if (improved) this.#save(paths.best, where, false);
          this.#save(paths.last, where, true);
          this.#plot(history);
          say(describe(record, improved));
          if (planLine) say(planLine);
        }
        if (stoppedBy !== 'epochs') break;
      }
    } finally {
      log?.close();
    }
    // The run ends for every process once rank 0 has written its last checkpoint.
    await par.barrier();
    return { history, bestScore, stoppedBy, lastEvaluation };
  }

  /** Rank 0's number for every process (their clocks differ a little). */
  async #agreeOnLength(epochs: number): Promise<number> {
    const par = this.o.parallel ?? SINGLE_PROCESS;
    if (!par.combine) return epochs;
    const n = Float64Array.of(par.rank === 0 ? epochs : 0);
    await par.combine(n);
    return n[0]!;
  }

  /** One optimizer step; returns this process's loss. */
  async #step(batchImages: Tensor, batchTarget: Tensor): Promise<number> {
    const o = this.o;
    const device = o.device ?? 'cpu';
    const loss = tidy(() => {
      const images = device === 'cpu' ? batchImages : batchImages.to({ device });
      const target = device === 'cpu' ? batchTarget : batchTarget === batchImages ? images : batchTarget.to({ device });
      const x = inputInLayout(images, o.memoryFormat ?? 'contiguous');
      const l = o.objective(forwardIn(o.precision ?? 'fp32', device, () => o.model.forward(x)), target);
      o.optimizer.zeroGrad();
      l.backward();
      return l.item();
    });
    await (o.parallel ?? SINGLE_PROCESS).syncGradients();
    tidy(() => o.optimizer.step());
    o.scheduler?.step();
    return loss;
  }

  async #validate(epoch: number): Promise<Evaluation> {
    const o = this.o;
    const val = o.val!;
    const combine = (o.parallel ?? SINGLE_PROCESS).combine;
    // This process's shard (all of the split in one process).
    const progress = new ProgressReporter(o.onProgress, `validate ${epoch + 1}`, val.plan(0).reduce((n, b) => n + b.length, 0));
    const evaluation =
      o.task === 'reconstruction'
        ? await reconstructionLoss(o.model, val, o.objective, combine, o.device, o.precision, o.memoryFormat)
        : await evaluate(o.model, val.epoch(0), {
            numClasses: o.numClasses,
            classNames: o.classNames,
            ignoreIndex: o.ignoreIndex,
            objective: o.objective,
            progress,
            combine,
            device: o.device,
            precision: o.precision,
            memoryFormat: o.memoryFormat,
          });
    progress.finish();
    return evaluation;
  }

  #record(epoch: number, step: number, complete: boolean, trainLoss: number, e: Evaluation | null, since: number, images: number, elapsed: number): EpochRecord {
    const seconds = (this.#now() - since) / 1000;
    const s = e?.summary;
    const record: EpochRecord = {
      epoch: epoch + 1,
      step,
      complete,
      trainLoss,
      valLoss: e?.loss ?? null,
      pixelAccuracy: s?.pixelAccuracy ?? null,
      meanAccuracy: s?.meanAccuracy ?? null,
      meanIoU: s?.meanIoU ?? null,
      fwIoU: s?.fwIoU ?? null,
      perClassIoU: s ? { ...s.perClassIoU } : null,
      lr: this.o.optimizer.paramGroups[0]!.lr,
      seconds,
      elapsed,
      imagesPerSecond: images / Math.max(seconds, 1e-9),
    };
    if (this.o.numClasses === 2 && s) record.foregroundIoU = s.perClassIoU[this.o.classNames[1]!] ?? null;
    return record;
  }

  /** Higher is better: mean IoU, else minus the validation (or training) loss. */
  #score(r: EpochRecord): number | null {
    if (this.o.task === 'segmentation' && r.meanIoU !== null) return r.meanIoU;
    const loss = r.valLoss ?? r.trainLoss;
    return Number.isFinite(loss) ? -loss : null;
  }

  #save(path: string, where: Required<TrainPosition>, withState: boolean): void {
    const o = this.o;
    const trainState: TrainState | undefined = withState
      ? {
          epoch: where.epoch,
          step: where.step,
          bestScore: where.bestScore,
          optimizer: o.optimizer.stateDict().meta,
          scheduler: o.scheduler?.stateDict() ?? null,
          rng: Buffer.from(getRngState()).toString('base64'),
          // The global batch lets a resume with another one continue by samples seen.
          extra: {
            batchInEpoch: where.batchInEpoch,
            metricsLines: where.metricsLines,
            globalBatch: o.train.options.batchSize * (o.parallel ?? SINGLE_PROCESS).worldSize,
          },
        }
      : undefined;
    saveCheckpoint(path, {
      config: o.config,
      weights: o.model.stateDict(),
      optimizer: withState ? o.optimizer.stateDict().tensors : undefined,
      trainState,
    });
  }

  /**
   * Records already in metrics.jsonl when the resumed checkpoint was written (older
   * checkpoints: up to its step; steps change units when a resume changes the global batch).
   */
  #history(step: number, lines: number | undefined): EpochRecord[] {
    const path = this.paths.metrics;
    if (!existsSync(path)) return [];
    const records = readJsonl<EpochRecord>(path).records;
    const kept = lines === undefined ? records.filter((r) => r.step <= step) : records.slice(0, lines);
    if (kept.length !== records.length) writeFileAtomicSync(path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    return kept;
  }

  #plot(history: EpochRecord[]): void {
    const paths = this.paths;
    const figure = trainingCurves(history, `${this.o.config.model.name} training`, this.o.train.length);
    writePng(paths.curvesPng, figure.toImage());
    writeFileAtomicSync(paths.curvesSvg, figure.toSvg());
  }
}

async function reconstructionLoss(
  model: ZooModel,
  loader: DataLoader,
  objective: Objective,
  combine: DataParallel['combine'],
  device: Device = 'cpu',
  precision: Precision = 'fp32',
  memoryFormat: MemoryLayout = 'contiguous',
): Promise<Evaluation> {
  let sum = 0;
  let n = 0;
  model.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      using _b = batch;
      sum += noGrad(() =>
        tidy(() => {
          const images = device === 'cpu' ? batch.images : batch.images.to({ device });
          const x = inputInLayout(images, memoryFormat);
          return objective(forwardIn(precision, device, () => model.forward(x)), images).item();
        }),
      );
      n += 1;
    }
  } finally {
    model.train();
  }
  if (combine) {
    const totals = Float64Array.of(sum, n);
    await combine(totals);
    [sum, n] = [totals[0]!, totals[1]!];
  }
  return { summary: null, loss: n ? sum / n : null, binary: null };
}

function describe(r: EpochRecord, improved: boolean): string {
  const parts = [`epoch ${r.epoch}${r.complete ? '' : ' (partial)'}`, `train loss ${r.trainLoss.toFixed(4)}`];
  if (r.valLoss !== null) parts.push(`val loss ${r.valLoss.toFixed(4)}`);
  if (r.meanIoU !== null) parts.push(`val mIoU ${(100 * r.meanIoU).toFixed(2)}%`);
  if (r.pixelAccuracy !== null) parts.push(`pixel acc ${(100 * r.pixelAccuracy).toFixed(2)}%`);
  parts.push(`${r.imagesPerSecond.toFixed(1)} img/s`, `${r.seconds.toFixed(1)} s`);
  return parts.join(', ') + (improved ? ' (best)' : '');
}

/**
 * The first steps' time per image, extrapolated to an epoch and to the run: printed once
 * after a few steps (or 10 s), with a warning when the run will take over an hour — unless a
 * time budget ends it first (the demo asks for 1,000 epochs and stops at its budget).
 */
export class EpochEstimate {
  readonly #stepsPerEpoch: number;
  readonly #imagesPerEpoch: number;
  readonly #epochsLeft: number;
  #steps = 0;
  #images = 0;
  #t0 = 0;
  #done: boolean;

  readonly #timeBudget: number | null;
  readonly now: () => number;

  readonly #fitted: boolean;

  constructor(stepsPerEpoch: number, imagesPerEpoch: number, epochsLeft: number, opts: { startBatch?: number; timeBudget?: number | null; fitted?: boolean; now?: () => number } = {}) {
    const startBatch = opts.startBatch ?? 0;
    this.now = opts.now ?? (() => performance.now());
    this.#timeBudget = opts.timeBudget ?? null;
    this.#fitted = opts.fitted ?? false;
    this.#stepsPerEpoch = stepsPerEpoch;
    this.#imagesPerEpoch = imagesPerEpoch;
    this.#epochsLeft = epochsLeft;
    // One step per epoch (or a resumed mid-epoch) gives nothing to measure against the first step.
    this.#done = stepsPerEpoch - startBatch < 3;
  }

  /** Called after every step with its images; returns the lines to print once, else null. */
  afterStep(images: number): string[] | null {
    if (this.#done) return null;
    this.#steps += 1;
    // The first step warms up (allocations, kernel choice): time from its end.
    if (this.#steps === 1) {
      this.#t0 = this.now();
      return null;
    }
    this.#images += images;
    const seconds = (this.now() - this.#t0) / 1000;
    if (this.#steps < 3 && seconds < 10) return null;
    this.#done = true;
    const perImage = seconds / this.#images;
    const epoch = perImage * this.#imagesPerEpoch;
    const run = epoch * this.#epochsLeft;
    const budget =
      this.#timeBudget === null ? '' : this.#fitted ? `; the epochs will be fitted to the ${this.#timeBudget} s time budget` : this.#timeBudget < run ? `; the ${this.#timeBudget} s time budget ends it first` : '';
    const lines = [`estimate: ${perImage < 1 ? `${(1 / perImage).toFixed(1)} img/s` : `${perImage.toFixed(1)} s per image`}, ~${span(epoch)} per epoch (training only), ~${span(run)} for ${this.#epochsLeft} epoch(s)${budget}`];
    if (Math.min(run, this.#timeBudget ?? Infinity) > 3600) {
      lines.push(`warning: this run will take about ${span(run)}; a smaller --size, --base-width or --depth, fewer --epochs or a --time-budget make it shorter (Ctrl-C stops and saves; --resume continues)`);
    }
    return lines;
  }
}

function span(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
