// Learning-rate schedules. Each computes the lr of step t in closed form from the group's
// initial lr, so a schedule resumed from its state dict continues exactly, and a warmup
// can multiply any of them. Call step() after optimizer.step(), as in PyTorch.
import type { GroupOptions, Optimizer } from './optimizer.js';

/** The JSON-able state of a schedule. */
export interface SchedulerState {
  type: string;
  lastEpoch: number;
  baseLrs: number[];
  inner?: SchedulerState;
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer<GroupOptions>;
  /** Each group's lr at step 0 (its initialLr). */
  baseLrs: number[];
  /** How many times step() was called (0 right after construction). */
  lastEpoch = -1;
  #lastLr: number[] = [];

  /** Starts the schedule: records each group's initialLr and sets the lr of step 0. */
  constructor(optimizer: Optimizer<any>) {
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The class name, stored in state dicts. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** The lr of group `group` at step `epoch`. */
  abstract lrAt(group: number, epoch: number): number;

  /**
   * Stretches or shrinks the schedule to end at step `steps` (a run whose length is fitted to
   * a time budget as it goes) and sets the lr of the current step anew; schedules without an
   * end (StepLR) stay as they are.
   */
  setLength(_steps: number): void {}

  /** Advances one step and sets every group's lr. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  /** The lrs set by the latest step(), one per group. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  protected apply(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new Error(`${this.typeName}: the optimizer has ${groups.length} parameter groups, the schedule was made for ${this.baseLrs.length}`);
    }
    this.#lastLr = groups.map((g, i) => (g.lr = this.lrAt(i, this.lastEpoch)));
  }

  stateDict(): SchedulerState {
    return { type: this.typeName, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /**
   * Continues from a saved state: restores the step count and base lrs and sets the groups'
   * lr accordingly. The schedule's own options (stepSize, ...) stay as constructed.
   */
  loadStateDict(state: SchedulerState): void {
    const who = `${this.typeName}.loadStateDict`;
    if (state?.type !== this.typeName) throw new Error(`${who}: the state is from a ${state?.type} schedule, not ${this.typeName}`);
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
      throw new Error(`${who}: invalid lastEpoch ${state.lastEpoch}, expected an integer >= 0`);
    }
    if (!Array.isArray(state.baseLrs) || state.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new Error(`${who}: the state has ${state.baseLrs?.length} base lrs, the optimizer has ${this.optimizer.paramGroups.length} groups`);
    }
    this.lastEpoch = state.lastEpoch;
    this.baseLrs = [...state.baseLrs];
    this.optimizer.paramGroups.forEach((g, i) => (g.initialLr = this.baseLrs[i]));
    this.apply();
  }
}

function checkPositiveInt(owner: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`${owner}: invalid ${name} ${String(v)}, expected an integer > 0`);
}
function checkFinite(owner: string, name: string, v: unknown, min = -Infinity): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`${owner}: invalid ${name} ${String(v)}, expected a number >= ${min}`);
}

/** lr = base * gamma ^ floor(t / stepSize). */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<any>, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkPositiveInt('StepLR', 'stepSize', options.stepSize);
    checkFinite('StepLR', 'gamma', options.gamma ?? 0.1, 0);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.step();
  }

  lrAt(group: number, epoch: number): number {
    return this.baseLrs[group]! * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** The FCN/DeepLab "poly" schedule: lr = base * (1 - min(t, maxIters) / maxIters) ^ power (PyTorch's PolynomialLR). */
export class PolyLR extends LRScheduler {
  maxIters: number;
  readonly power: number;

  constructor(optimizer: Optimizer<any>, options: { maxIters: number; power?: number }) {
    super(optimizer);
    checkPositiveInt('PolyLR', 'maxIters', options.maxIters);
    checkFinite('PolyLR', 'power', options.power ?? 0.9, 0);
    this.maxIters = options.maxIters;
    this.power = options.power ?? 0.9;
    this.step();
  }

  lrAt(group: number, epoch: number): number {
    return this.baseLrs[group]! * (1 - Math.min(epoch, this.maxIters) / this.maxIters) ** this.power;
  }

  override setLength(steps: number): void {
    checkPositiveInt('PolyLR', 'maxIters', steps);
    this.maxIters = steps;
    this.apply();
  }
}

/**
 * Cosine annealing from base to etaMin over tMax steps (SGDR without restarts):
 * lr = etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2; past tMax it rises again, as in PyTorch.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<any>, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkPositiveInt('CosineAnnealingLR', 'tMax', options.tMax);
    checkFinite('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, 0);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.step();
  }

  lrAt(group: number, epoch: number): number {
    const base = this.baseLrs[group]!;
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }

  override setLength(steps: number): void {
    checkPositiveInt('CosineAnnealingLR', 'tMax', steps);
    this.tMax = steps;
    this.apply();
  }
}

/**
 * Linear warmup in front of another schedule: its lr times a factor rising linearly from
 * startFactor at step 0 to 1 at warmupIters (PyTorch's LinearLR chained with it).
 * Step only the warmup, not the inner schedule.
 */
export class LinearWarmup extends LRScheduler {
  readonly inner: LRScheduler;
  readonly warmupIters: number;
  readonly startFactor: number;

  constructor(inner: LRScheduler, options: { warmupIters: number; startFactor?: number }) {
    super(inner.optimizer);
    checkPositiveInt('LinearWarmup', 'warmupIters', options.warmupIters);
    const start = options.startFactor ?? 1 / 3;
    if (!(start > 0 && start <= 1)) throw new Error(`LinearWarmup: invalid startFactor ${start}, expected a number in (0, 1]`);
    this.inner = inner;
    this.warmupIters = options.warmupIters;
    this.startFactor = start;
    this.lastEpoch = inner.lastEpoch - 1;
    this.step();
  }

  lrAt(group: number, epoch: number): number {
    const t = Math.min(epoch, this.warmupIters) / this.warmupIters;
    return this.inner.lrAt(group, epoch) * (this.startFactor + (1 - this.startFactor) * t);
  }

  override step(): void {
    this.inner.lastEpoch = this.lastEpoch + 1;
    super.step();
  }

  override setLength(steps: number): void {
    this.inner.setLength(steps);
    this.apply();
  }

  override stateDict(): SchedulerState {
    return { ...super.stateDict(), inner: this.inner.stateDict() };
  }

  override loadStateDict(state: SchedulerState): void {
    if (state?.inner) this.inner.loadStateDict(state.inner);
    super.loadStateDict(state);
    this.inner.lastEpoch = this.lastEpoch;
  }
}
