// One rank of bench/distributed.ts (started by launch(), or alone as the single process).
// argv: allreduce <json> | train <json>. Prints `RESULT <json>` lines.
import * as dist from '../src/distributed/index.js';
import { crossEntropy } from '../src/nn/losses.js';
import { SGD } from '../src/optim/index.js';
import { empty, manualSeed, randint, randn, tidy } from '../src/torch/index.js';
import { MODELS } from './models.js';
import { median } from './stats.js';

const [what = '', arg = '{}'] = process.argv.slice(2);
const config = JSON.parse(arg) as Record<string, any>;
const result = (v: unknown) => console.log('RESULT ' + JSON.stringify(v));
const now = () => performance.now();

if (what === 'allreduce') {
  const group = await dist.init({ timeout: 120 });
  for (const mb of config.sizesMB as number[]) {
    const t = empty([Math.round((mb * 1e6) / 4)]).fill_(1);
    const times: number[] = [];
    for (let i = 0; i < config.warmup + config.reps; i++) {
      await group.barrier();
      const start = now();
      await group.allReduce(t);
      if (i >= config.warmup) times.push(now() - start);
    }
    t.dispose();
    if (group.rank === 0) result({ mb, ms: median(times), all: times });
  }
  dist.destroy();
} else if (what === 'train') {
  // One process (config.ranks 1, no group), or one rank of DDP with the global batch config.batch
  // split over the ranks. DDP steps alternate between gradients reduced after backward and
  // overlapped with it (two reducers on one model; the idle one inside noSync), so machine
  // drift hits both alike.
  const distributed = config.ranks > 1;
  const group = distributed ? await dist.init({ timeout: 120 }) : null;
  const batch = config.batch / (group?.worldSize ?? 1);
  manualSeed(0);
  const model = await MODELS[config.model]!(config.channels, config.classes, { inplace: true, eager: false });
  const after = group ? await dist.DistributedDataParallel.create(model, { overlap: false }) : null;
  const overlapped = group ? await dist.DistributedDataParallel.create(model, { overlap: true }) : null;
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  manualSeed(1 + (group?.rank ?? 0));
  const x = randn([batch, config.channels, config.size, config.size]).keep();
  const y = randint(0, config.classes, [batch, config.size, config.size]).keep();
  const times: Record<string, number[]> = { single: [], after: [], overlapped: [] };
  const modes = group ? ['after', 'overlapped'] : ['single'];
  for (let i = 0; i < (config.warmup + config.steps) * modes.length; i++) {
    const mode = modes[i % modes.length]!;
    if (group) await group.barrier();
    const start = now();
    opt.zeroGrad();
    const loss = tidy(() => crossEntropy(model.forward(x), y));
    if (mode === 'after') {
      overlapped!.noSync(() => loss.backward());
      await after!.synchronize();
    } else if (mode === 'overlapped') {
      after!.noSync(() => loss.backward());
      await overlapped!.synchronize();
    } else {
      loss.backward();
    }
    loss.dispose();
    opt.step();
    if (i >= config.warmup * modes.length) times[mode]!.push(now() - start);
  }
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  if ((group?.rank ?? 0) === 0) {
    for (const mode of modes) result({ mode, msPerStep: median(times[mode]!), imagesPerSecond: (1000 * config.batch) / median(times[mode]!), params });
    if (overlapped) result({ mode: 'stats', overlapped: overlapped.stats() });
  }
  after?.destroy();
  overlapped?.destroy();
  if (group) dist.destroy();
} else {
  throw new Error(`distributed-rank: unknown benchmark '${what}'`);
}
