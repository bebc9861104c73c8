// What the trainer asks of the processes a run is spread over: who writes the run folder,
// which samples this process loads, averaging gradients, agreeing on each step's loss and on
// when to stop, and summing validation counts. One process is the trivial case here; the
// data-parallel one over a c10d process group is train/distributed.ts.
import type { EpochIndices } from '../data/loader.js';
import type { ZooModel } from '../models/contract.js';

export interface StepAgreement {
  /** The step's loss over the whole global batch (the mean of the processes' losses). */
  loss: number;
  /** Some process was asked to stop (Ctrl-C). */
  interrupt: boolean;
  /** Some process ran out of its time budget. */
  budget: boolean;
}

export interface DataParallel {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * Whether this process has the run's side effects: it creates and writes the run folder
   * (config.json, checkpoints, metrics.jsonl, curves), reports progress and prints summaries.
   * Rank 0 in a distributed run; everything that only one process may do asks this.
   */
  readonly writes: boolean;
  /** This process's share of each training epoch (null: the loader's own shuffled order). */
  trainIndices(seed: number): EpochIndices | null;
  /** This process's share of the validation split, in order (null: all of it). */
  valIndices(): EpochIndices | null;
  /** Makes the model's replicas one (same weights everywhere) before training. */
  wrap(model: ZooModel, options: { syncBatchNorm: boolean }): Promise<void>;
  /** After backward, before the optimizer step: gradients averaged over the processes. */
  syncGradients(): Promise<void>;
  /** Combines this process's view of a finished step with the others'. */
  agree(loss: number, interrupt: boolean, budget: boolean): Promise<StepAgreement>;
  /** Sums counts over the processes in place (validation over shards); null in one process. */
  readonly combine: ((totals: Float64Array) => Promise<void>) | null;
  /** Resolves when every process got here (the end of training, after rank 0's last write). */
  barrier(): Promise<void>;
  /** A file only rank 0 is sure to have (the checkpoint a run resumes from): its path here, and a clean-up. */
  shareFile(path: string, check: (path: string) => void): Promise<{ path: string; remove(): void }>;
  /** Undoes wrap() and leaves the process group if the run joined it. */
  close(): void;
}

/** Training in this process alone. */
export const SINGLE_PROCESS: DataParallel = {
  rank: 0,
  worldSize: 1,
  writes: true,
  trainIndices: () => null,
  valIndices: () => null,
  wrap: async () => undefined,
  syncGradients: async () => undefined,
  agree: async (loss, interrupt, budget) => ({ loss, interrupt, budget }),
  combine: null,
  barrier: async () => undefined,
  shareFile: async (path, check) => {
    check(path);
    return { path, remove: () => undefined };
  },
  close: () => undefined,
};
