// Process groups: joining one (init), the collectives, leaving (destroy). The collectives work
// in place and return promises; they wait on libuv's pool, so Node's event loop keeps running.
import { noGrad, Tensor, type DType } from '../torch/index.js';
import { distAddon, type GroupHandle, type NativeReduceOp, type StoreHandle } from './addon.js';
import { localAddressToward, resolveRank, type Backend, type InitOptions, type RankSpec } from './env.js';

export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';

/** Prefix of this library's keys in the rendezvous store. */
const STORE_PREFIX = 'pixelwise/default_pg/';

export class ProcessGroup {
  readonly backend: Backend;
  readonly rank: number;
  readonly worldSize: number;
  /** Rank among the processes of this host, and their number. */
  readonly localRank: number;
  readonly localWorldSize: number;
  readonly timeoutSeconds: number;
  #handle: GroupHandle | null;
  #store: StoreHandle | null;

  /** @internal use init() */
  constructor(spec: RankSpec, handle: GroupHandle, store: StoreHandle) {
    this.backend = spec.backend;
    this.rank = spec.rank;
    this.worldSize = spec.worldSize;
    this.localRank = spec.localRank;
    this.localWorldSize = spec.localWorldSize;
    this.timeoutSeconds = spec.timeoutSeconds;
    this.#handle = handle;
    this.#store = store;
  }

  /** @internal the native group */
  get handle(): GroupHandle {
    if (this.#handle === null) throw new Error(`rank ${this.rank}: the process group was destroyed`);
    return this.#handle;
  }

  get isDestroyed(): boolean {
    return this.#handle === null;
  }

  /**
   * Reduces the tensors over all ranks, in place. 'avg' is a SUM divided by the world size
   * (Gloo has no average). Several tensors travel as one buffer per dtype.
   */
  async allReduce(tensors: Tensor | readonly Tensor[], op: ReduceOp = 'sum'): Promise<void> {
    const list = asList(tensors, 'allReduce');
    if (op === 'avg') {
      const bad = list.find((t) => !t.dtype.startsWith('float') && t.dtype !== 'bfloat16');
      if (bad) throw new Error(`allReduce: op 'avg' needs floating tensors, got ${bad}`);
    } else if (!['sum', 'max', 'min', 'product'].includes(op)) {
      throw new Error(`allReduce: unknown op '${String(op)}' (expected sum, avg, max, min or product)`);
    }
    const addon = distAddon();
    const nativeOp: NativeReduceOp = op === 'avg' ? 'sum' : op;
    // Issued now, in a fixed order, so every rank issues the same sequence.
    await Promise.all(byDtype(list).map((group) => addon.allReduce(this.handle, group.map((t) => t.handle), nativeOp)));
    if (op === 'avg' && this.worldSize > 1) noGrad(() => list.forEach((t) => t.div_(this.worldSize)));
  }

  /** Copies root's values into the tensors of every other rank. */
  async broadcast(tensors: Tensor | readonly Tensor[], root = 0): Promise<void> {
    const list = asList(tensors, 'broadcast');
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      throw new Error(`broadcast: root ${root}, expected a rank in 0..${this.worldSize - 1}`);
    }
    const addon = distAddon();
    await Promise.all(byDtype(list).map((group) => addon.broadcast(this.handle, group.map((t) => t.handle), root)));
  }

  /** Resolves once every rank has reached it. */
  async barrier(): Promise<void> {
    await distAddon().barrier(this.handle);
  }

  /** Leaves the group and stops its threads. Idempotent. */
  destroy(): void {
    if (this.#handle === null) return;
    const addon = distAddon();
    addon.groupDestroy(this.#handle);
    if (this.#store) addon.storeClose(this.#store);
    this.#handle = null;
    this.#store = null;
    if (current === this) current = null;
  }
}

function asList(tensors: Tensor | readonly Tensor[], what: string): Tensor[] {
  const list = tensors instanceof Tensor ? [tensors] : [...tensors];
  if (list.length === 0) throw new Error(`${what}: expected at least one tensor`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${what}: tensors[${i}] is not a Tensor: ${String(t)}`);
  });
  return list;
}

function byDtype(list: Tensor[]): Tensor[][] {
  const groups = new Map<DType, Tensor[]>();
  for (const t of list) {
    const g = groups.get(t.dtype);
    if (g) g.push(t);
    else groups.set(t.dtype, [t]);
  }
  return [...groups.values()];
}

let current: ProcessGroup | null = null;

/**
 * Joins the default process group: rank and world size from the options or torchrun's
 * environment. Rank 0 hosts the rendezvous store at masterAddr:masterPort unless a launcher
 * does (TORCHELASTIC_USE_AGENT_STORE=True). Resolves once every rank has joined.
 */
export async function init(options: InitOptions = {}): Promise<ProcessGroup> {
  if (current) throw new Error(`distributed.init: already initialized as rank ${current.rank} of ${current.worldSize}; call destroy() first`);
  const addon = distAddon();
  const spec = resolveRank(options);
  if (!addon.distributedBackends.includes(spec.backend)) {
    throw new Error(
      `distributed.init: backend '${spec.backend}' needs a libtorch built with CUDA and NCCL; this build has ${addon.distributedBackends.join(', ')} (use backend 'gloo')`,
    );
  }
  const timeoutMs = Math.round(spec.timeoutSeconds * 1000);
  const hostsStore = !spec.agentStore && spec.rank === 0;
  const store = await addon.storeCreate(spec.masterAddr, spec.masterPort, hostsStore, timeoutMs);
  try {
    const device = spec.interface !== null ? { interface: spec.interface } : { hostname: spec.hostname ?? (await localAddressToward(spec.masterAddr)) };
    const handle = await addon.groupCreate(store, STORE_PREFIX, spec.rank, spec.worldSize, timeoutMs, device, spec.backend);
    current = new ProcessGroup(spec, handle, store);
    return current;
  } catch (err) {
    addon.storeClose(store);
    throw err;
  }
}

export function isInitialized(): boolean {
  return current !== null;
}

/** The group init() made; throws when there is none. */
export function defaultGroup(): ProcessGroup {
  if (!current) throw new Error('distributed: no process group; call distributed.init() first');
  return current;
}

export function getRank(): number {
  return current?.rank ?? 0;
}

export function getWorldSize(): number {
  return current?.worldSize ?? 1;
}

export function allReduce(tensors: Tensor | readonly Tensor[], op: ReduceOp = 'sum', group: ProcessGroup = defaultGroup()): Promise<void> {
  return group.allReduce(tensors, op);
}

export function broadcast(tensors: Tensor | readonly Tensor[], root = 0, group: ProcessGroup = defaultGroup()): Promise<void> {
  return group.broadcast(tensors, root);
}

export function barrier(group: ProcessGroup = defaultGroup()): Promise<void> {
  return group.barrier();
}

/** Leaves the default group (no-op without one). */
export function destroy(): void {
  current?.destroy();
  current = null;
}
