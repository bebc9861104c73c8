// Where a rank learns who it is: explicit options first, then torchrun's environment
// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE), then defaults
// for a single process. Also the local address this host uses to reach the master.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export type Backend = 'gloo' | 'nccl';

export interface InitOptions {
  /** 'gloo' (CPU); 'nccl' needs a CUDA libtorch with NCCL and is refused otherwise. Default 'gloo'. */
  backend?: Backend;
  /** This process's rank in 0..worldSize-1; default $RANK, else 0. */
  rank?: number;
  /** Number of processes; default $WORLD_SIZE, else 1. */
  worldSize?: number;
  /** Host of the rendezvous store; default $MASTER_ADDR, else 127.0.0.1. */
  masterAddr?: string;
  /** Port of the rendezvous store; default $MASTER_PORT (required for more than one rank). */
  masterPort?: number;
  /** Seconds a collective or the rendezvous may wait for the other ranks; default 600. */
  timeout?: number;
  /** Network interface Gloo uses (e.g. 'eth0'); default $GLOO_SOCKET_IFNAME. */
  interface?: string;
  /** Address Gloo binds to; default the local address of the route to masterAddr. */
  hostname?: string;
}

export interface RankSpec {
  backend: Backend;
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  timeoutSeconds: number;
  /** True when a launcher (pixelwise's or torchrun's agent) hosts the store; rank 0 does otherwise. */
  agentStore: boolean;
  interface: string | null;
  hostname: string | null;
}

export const DEFAULT_TIMEOUT_SECONDS = 600;

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || v < min || v > max) {
    throw new Error(`environment variable ${name}='${raw}': expected an integer in ${min}..${max}`);
  }
  return v;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`distributed.init: ${name} ${v}, expected an integer in ${min}..${max}`);
  return v;
}

/** The rank's description from options and environment; throws one line naming a bad value. */
export function resolveRank(options: InitOptions = {}, env: NodeJS.ProcessEnv = process.env): RankSpec {
  const backend = options.backend ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl') throw new Error(`distributed.init: backend '${String(backend)}', expected 'gloo' or 'nccl'`);
  const worldSize = checkInt('worldSize', options.worldSize ?? envInt(env, 'WORLD_SIZE', 1, 1 << 20) ?? 1, 1, 1 << 20);
  const rank = checkInt('rank', options.rank ?? envInt(env, 'RANK', 0, worldSize - 1) ?? 0, 0, worldSize - 1);
  // Without a launcher's word, all ranks are taken to share this host.
  const localWorldSize = envInt(env, 'LOCAL_WORLD_SIZE', 1, worldSize) ?? worldSize;
  const localRank = envInt(env, 'LOCAL_RANK', 0, localWorldSize - 1) ?? rank % localWorldSize;
  const masterAddr = options.masterAddr ?? (env.MASTER_ADDR || '127.0.0.1');
  const port = options.masterPort ?? envInt(env, 'MASTER_PORT', 0, 65535);
  if (port === undefined && worldSize > 1) {
    throw new Error(`distributed.init: no port for the rendezvous store of ${worldSize} ranks: set MASTER_PORT or pass masterPort`);
  }
  const masterPort = checkInt('masterPort', port ?? 0, 0, 65535);
  if (masterPort === 0 && worldSize > 1) {
    throw new Error('distributed.init: masterPort 0 works for one rank only; the other ranks need the real port');
  }
  const timeoutSeconds = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds))) {
    throw new Error(`distributed.init: timeout ${timeoutSeconds}, expected a positive number of seconds`);
  }
  return {
    backend,
    rank,
    worldSize,
    localRank,
    localWorldSize,
    masterAddr,
    masterPort,
    timeoutSeconds,
    agentStore: env.TORCHELASTIC_USE_AGENT_STORE === 'True',
    interface: options.interface ?? (env.GLOO_SOCKET_IFNAME || null),
    hostname: options.hostname ?? null,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The address of this host on the route to `host` (a UDP "connect" sends nothing). Gloo's
 * default device binds to whatever the machine's hostname resolves to, which on Debian is
 * often 127.0.1.1 and unreachable from other hosts.
 */
export async function localAddressToward(host: string): Promise<string> {
  if (isLoopback(host)) return '127.0.0.1';
  const family = isIP(host) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(family);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, host, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
