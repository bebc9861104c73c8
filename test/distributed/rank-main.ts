// One rank of the multi-process tests, started by launch() with torchrun's environment.
// argv: <scenario> [json]. Prints one `RESULT <json>` line on stdout per result.
import * as dist from '../../src/distributed/index.js';
import { arange, manualSeed, ones, tensor } from '../../src/torch/index.js';
import { Linear, ModuleDict } from '../../src/nn/index.js';
import { makeModel, RECIPE, snapshot, train, type Recipe } from './recipe.js';

const [scenario = '', arg = '{}'] = process.argv.slice(2);
const config = JSON.parse(arg) as Record<string, unknown>;
const result = (value: unknown) => console.log('RESULT ' + JSON.stringify(value));

const group = await dist.init({ timeout: Number(config.timeout ?? 20) });

if (scenario === 'collectives') {
  const r = group.rank;
  const sum = tensor([r + 1, 10 * (r + 1)]);
  await dist.allReduce(sum);
  const avg = tensor([r, 2 * r], { dtype: 'float64' });
  await dist.allReduce(avg, 'avg');
  const max = tensor([r, -r], { dtype: 'int32' });
  await dist.allReduce(max, 'max');
  // Mixed dtypes and a non-contiguous view travel in one call.
  const a = arange(0, 6).float().reshape([2, 3]).transpose(0, 1).mul(r + 1);
  const b = tensor([r], { dtype: 'int64' });
  await dist.broadcast([a, b], 1);
  await dist.barrier();
  result({ rank: r, worldSize: group.worldSize, localRank: group.localRank, sum: sum.toArray(), avg: avg.toArray(), max: max.toArray(), a: a.toArray(), b: b.toArray() });
} else if (scenario === 'train') {
  // Several variants in one launch (process start-up dominates these tests).
  for (const variant of config.variants as { recipe: Partial<Recipe>; ddp: dist.DDPOptions }[]) {
    const recipe = { ...RECIPE, ...variant.recipe };
    // Rank 1 starts from other weights: DDP must copy rank 0's.
    const model = makeModel(recipe, recipe.modelSeed + group.rank);
    const ddp = await dist.DistributedDataParallel.create(model, variant.ddp);
    const losses = await train(recipe, model, group.rank, group.worldSize, (loss) => ddp.backward(loss));
    // The global loss of a step: the mean over the ranks' equal shares.
    const global = tensor(losses, { dtype: 'float64' });
    await dist.allReduce(global, 'avg');
    result({ rank: group.rank, buckets: ddp.buckets(), stats: ddp.stats(), losses: Array.from(global.data() as Float64Array), state: snapshot(model) });
    ddp.destroy();
  }
} else if (scenario === 'unused') {
  // Three heads: 'a' used by both ranks, 'b' by rank 0 only, 'c' by none; then two micro-batches
  // accumulated under noSync before one synchronized backward.
  manualSeed(5);
  const model = new ModuleDict({ a: new Linear(3, 2), b: new Linear(3, 2), c: new Linear(3, 2) });
  const ddp = await dist.DistributedDataParallel.create(model, { overlap: Boolean(config.overlap) });
  const [a, b] = [model.get('a') as Linear, model.get('b') as Linear];
  const x = tensor([[1, 2, 3]]).mul(group.rank + 1);
  const loss = group.rank === 0 ? a.forward(x).sum().add(b.forward(x).sum()) : a.forward(x).sum();
  await ddp.backward(loss);
  const grads = Object.fromEntries([...model.namedParameters()].map(([n, p]) => [n, p.grad?.toArray() ?? null]));
  for (const p of model.parameters()) p.grad = null;
  ddp.noSync(() => {
    a.forward(x).sum().backward();
    a.forward(x).mul(2).sum().backward();
  });
  const local = a.weight.grad!.toArray();
  await ddp.backward(a.forward(x).sum());
  result({ rank: group.rank, grads, local, accumulated: a.weight.grad!.toArray() });
} else if (scenario === 'evaluate') {
  // Validation as a distributed training run does it: this rank's shard, counts summed.
  const { startParallel } = await import('../../src/train/distributed.js');
  const { evaluateShard } = await import('./shard-eval.js');
  const par = await startParallel(true);
  for (const binary of [false, true]) {
    const e = await evaluateShard(binary, par.valIndices(), par.combine);
    result({ rank: group.rank, binary, summary: e.summary, loss: e.loss, details: e.binary, images: e.images });
  }
  par.close();
} else if (scenario === 'fault') {
  // Rank `victim` fails at step 3 of a loop of all-reduces; the others must end within the timeout.
  const t = ones([1000]);
  for (let step = 0; step < 1000; step++) {
    if (group.rank === config.victim && step === 3) {
      if (config.mode === 'kill') process.kill(process.pid, 'SIGKILL');
      if (config.mode === 'hang') process.kill(process.pid, 'SIGSTOP');
      if (config.mode === 'throw') throw new Error(`rank ${group.rank} failed on purpose`);
    }
    await dist.allReduce(t, 'avg');
  }
  result({ rank: group.rank, finished: true });
} else {
  throw new Error(`rank-main: unknown scenario '${scenario}'`);
}
dist.destroy();
