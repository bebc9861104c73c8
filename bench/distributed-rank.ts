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
  // One process (no group) or one rank of DDP; global batch config.batch split over the ranks.
  const ddpMode = config.ddp !== null;
  const group = ddpMode ? await dist.init({ timeout: 120 }) : null;
  const ranks = group?.worldSize ?? 1;
  const batch = config.batch / ranks;
  manualSeed(0);
  const model = await MODELS[config.model]!(config.channels, config.classes, { inplace: true, eager: false });
  const ddp = group ? await dist.DistributedDataParallel.create(model, config.ddp) : null;
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  manualSeed(1 + (group?.rank ?? 0));
  const x = randn([batch, config.channels, config.size, config.size]).keep();
  const y = randint(0, config.classes, [batch, config.size, config.size]).keep();
  const times: number[] = [];
  for (let i = 0; i < config.warmup + config.steps; i++) {
    if (group) await group.barrier();
    const start = now();
    opt.zeroGrad();
    const loss = tidy(() => crossEntropy(model.forward(x), y));
    if (ddp) await ddp.backward(loss);
    else loss.backward();
    loss.dispose();
    opt.step();
    if (i >= config.warmup) times.push(now() - start);
  }
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  if ((group?.rank ?? 0) === 0) result({ msPerStep: median(times), imagesPerSecond: (1000 * config.batch) / median(times), params, stats: ddp?.stats() ?? null });
  ddp?.destroy();
  if (group) dist.destroy();
} else {
  throw new Error(`distributed-rank: unknown benchmark '${what}'`);
}
