// The addon's distributed functions (native/distributed.cc), typed, and whether this build has
// them. Handles are opaque: a TCP store, a process group, a gradient reducer.
import { native, type Handle } from '../torch/native.js';

export type StoreHandle = { readonly __store: unique symbol };
export type GroupHandle = { readonly __group: unique symbol };
export type ReducerHandle = { readonly __reducer: unique symbol };
export type NativeReduceOp = 'sum' | 'max' | 'min' | 'product';

export interface DistributedAddon {
  distributedAvailable(): boolean;
  /** The one-line error of a build without Gloo. */
  distributedUnavailable: string;
  /** Backends compiled in: 'gloo', and 'nccl' only with a CUDA libtorch built with NCCL. */
  distributedBackends: string[];
  storeCreate(host: string, port: number, isServer: boolean, timeoutMs: number): Promise<StoreHandle>;
  storePort(store: StoreHandle): number;
  storeClose(store: StoreHandle): void;
  groupCreate(
    store: StoreHandle,
    prefix: string,
    rank: number,
    size: number,
    timeoutMs: number,
    device: { interface?: string; hostname?: string },
    backend: string,
  ): Promise<GroupHandle>;
  groupDestroy(group: GroupHandle): void;
  allReduce(group: GroupHandle, tensors: Handle[], op: NativeReduceOp): Promise<void>;
  broadcast(group: GroupHandle, tensors: Handle[], root: number): Promise<void>;
  barrier(group: GroupHandle): Promise<void>;
  allReduceSumDifferentiable(group: GroupHandle, x: Handle): Handle;
  reducerCreate(group: GroupHandle, params: Handle[], firstBucketBytes: number, bucketBytes: number, overlap: boolean): ReducerHandle;
  reducerBuckets(reducer: ReducerHandle): number[][];
  reducerStats(reducer: ReducerHandle): { steps: number; bucketsStartedInBackward: number };
  reducerSetEnabled(reducer: ReducerHandle, enabled: boolean): void;
  reducerFinish(reducer: ReducerHandle): Promise<void>;
  reducerDestroy(reducer: ReducerHandle): void;
}

const addon = native as unknown as Partial<DistributedAddon>;

/**
 * Whether distributed training works here: the addon was built with Gloo (libgloo-dev) and
 * PIXELWISE_NO_GLOO=1 does not ask to behave as if it were not.
 */
export function distributedAvailable(): boolean {
  return process.env.PIXELWISE_NO_GLOO !== '1' && typeof addon.distributedAvailable === 'function' && addon.distributedAvailable();
}

/** Why distributed training is unavailable (one line), or null. */
export function distributedUnavailableReason(): string | null {
  if (distributedAvailable()) return null;
  if (typeof addon.distributedUnavailable !== 'string') {
    return 'this build of the pixelwise addon predates distributed training: rebuild it (`npm run build:native`)';
  }
  return addon.distributedUnavailable;
}

/** The distributed functions; throws the one-line reason when they are unavailable. */
export function distAddon(): DistributedAddon {
  const reason = distributedUnavailableReason();
  if (reason !== null) throw new Error(reason);
  return addon as DistributedAddon;
}
