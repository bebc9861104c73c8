// What the harness sends to a worker process (pixelwise: worker.ts, PyTorch: reference/worker.py)
// and what comes back. Both sides read the same JSON, so a case is described once.

export type Workload =
  | {
      kind: 'conv2d' | 'convTranspose2d';
      n: number;
      cin: number;
      cout: number;
      h: number;
      w: number;
      k: number;
      stride: number;
      padding: number;
    }
  | {
      kind: 'train';
      /** A name both model registries know (bench/models.ts, reference/worker.py MODELS). */
      model: string;
      batch: number;
      channels: number;
      height: number;
      width: number;
      classes: number;
      optimizer: 'sgd' | 'adam';
      lr: number;
    }
  | { kind: 'infer'; model: string; batch: number; channels: number; height: number; width: number; classes: number }
  /** `count` tiny ops per step: the fixed cost of one operator call. */
  | { kind: 'overhead'; op: 'add' | 'addGrad'; count: number };

/** fp32, or bf16 mixed precision: forward passes (and the conv cases' forward) under autocast
 * ('cpu', bfloat16) on both sides; losses in float32, backward and optimizer outside it. */
export type Precision = 'fp32' | 'bf16';

/** Everything a worker needs to run one case. */
export interface WorkerSpec {
  workload: Workload;
  threads: number;
  channelsLast: boolean;
  precision: Precision;
  /** In-place ReLU in the models. */
  inplace: boolean;
  /** pixelwise only: dispose intermediates inside forward instead of at the end of the step. */
  eager: boolean;
  warmup: number;
  seed: number;
}

export interface ReadyMessage {
  event: 'ready';
  runtime: 'pixelwise' | 'pytorch';
  version: string;
  threads: number;
  setupRssKb: number;
  /** Training loss of the first step: equal on both sides when the models and data are. */
  firstLoss: number | null;
  params?: number;
  /** pixelwise only: operator calls in one step (after warm-up). */
  opsPerStep?: number;
}

export interface BlockMessage {
  event: 'block';
  timesMs: number[];
  maxRssKb: number;
  minorFaults: number;
  /** Process CPU time (user + system, all threads) over the block: robust to a busy machine at 1 thread. */
  cpuMs: number;
  /** pixelwise only: V8 garbage collections and their total time during the block. */
  gcCount?: number;
  gcMs?: number;
}

export interface DoneMessage {
  event: 'done';
  maxRssKb: number;
}

export type WorkerMessage = ReadyMessage | BlockMessage | DoneMessage;
