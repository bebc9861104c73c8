// Data-parallel training over several processes and hosts on PyTorch's c10d (Gloo): process
// groups and collectives, DistributedDataParallel, SyncBatchNorm, a sampler sharding a
// dataset's indices, and a launcher that starts the ranks.
export { distributedAvailable, distributedUnavailableReason } from './addon.js';
export { resolveRank, DEFAULT_TIMEOUT_SECONDS, type Backend, type InitOptions, type RankSpec } from './env.js';
export {
  ProcessGroup,
  init,
  isInitialized,
  defaultGroup,
  getRank,
  getWorldSize,
  allReduce,
  broadcast,
  barrier,
  destroy,
  type ReduceOp,
} from './group.js';
export { DistributedDataParallel, type DDPOptions } from './ddp.js';
export { convertSyncBatchNorm, syncBatchNorm2d } from './sync-batchnorm.js';
export { DistributedSampler, type DistributedSamplerOptions } from './sampler.js';
export { launch, type LaunchOptions, type LaunchResult } from './launch.js';
