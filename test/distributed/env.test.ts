import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dist from '../../src/distributed/index.js';
import { NO_GLOO } from './helpers.js';

test("init's rank description: options, then torchrun's environment, then one process", () => {
  const env = { MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', TORCHELASTIC_USE_AGENT_STORE: 'True' };
  const s = dist.resolveRank({}, env);
  assert.deepEqual(
    { rank: s.rank, worldSize: s.worldSize, localRank: s.localRank, localWorldSize: s.localWorldSize, masterAddr: s.masterAddr, masterPort: s.masterPort, agentStore: s.agentStore },
    { rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, masterAddr: '10.0.0.1', masterPort: 29500, agentStore: true },
  );
  assert.equal(dist.resolveRank({ rank: 0, masterPort: 1234 }, env).rank, 0);
  const single = dist.resolveRank({}, {});
  assert.deepEqual([single.rank, single.worldSize, single.masterAddr, single.timeoutSeconds, single.agentStore], [0, 1, '127.0.0.1', 600, false]);
  assert.equal(dist.resolveRank({ worldSize: 4, rank: 2, masterPort: 5 }, {}).localRank, 2);
  assert.equal(dist.resolveRank({ timeout: 5 }, {}).timeoutSeconds, 5);
  assert.equal(dist.resolveRank({}, { GLOO_SOCKET_IFNAME: 'eth1' }).interface, 'eth1');
});

test('bad rank settings fail with one line naming the variable and value', () => {
  assert.throws(() => dist.resolveRank({}, { RANK: 'two', WORLD_SIZE: '4', MASTER_PORT: '1' }), /^Error: environment variable RANK='two': expected an integer in 0\.\.3$/);
  assert.throws(() => dist.resolveRank({}, { RANK: '4', WORLD_SIZE: '4', MASTER_PORT: '1' }), /RANK='4'/);
  assert.throws(() => dist.resolveRank({}, { WORLD_SIZE: '2' }), /set MASTER_PORT or pass masterPort/);
  assert.throws(() => dist.resolveRank({ rank: 1.5, worldSize: 2, masterPort: 1 }, {}), /rank 1\.5/);
  assert.throws(() => dist.resolveRank({ timeout: 0 }, {}), /timeout 0/);
  assert.throws(() => dist.resolveRank({ backend: 'mpi' as 'gloo' }, {}), /backend 'mpi'/);
});

test('one process forms a group of one: collectives are identities, DDP leaves gradients alone', { skip: NO_GLOO }, async () => {
  const { tensor } = await import('../../src/torch/index.js');
  const { Linear } = await import('../../src/nn/index.js');
  const group = await dist.init({ rank: 0, worldSize: 1, timeout: 10 });
  try {
    assert.equal(dist.getWorldSize(), 1);
    const t = tensor([1, 2, 3]);
    await dist.allReduce(t, 'avg');
    await dist.broadcast(t, 0);
    await dist.barrier();
    assert.deepEqual(t.toArray(), [1, 2, 3]);
    await assert.rejects(dist.init({ rank: 0, worldSize: 1 }), /already initialized as rank 0 of 1/);
    await assert.rejects(dist.broadcast(t, 1), /root 1, expected a rank in 0\.\.0/);
    await assert.rejects(dist.allReduce(tensor([1], { dtype: 'int64' }), 'avg'), /'avg' needs floating tensors/);
    assert.equal(group.backend, 'gloo');
    const model = new Linear(3, 2);
    const ddp = await dist.DistributedDataParallel.create(model);
    const loss = model.forward(tensor([[1, 2, 3]])).sum();
    loss.backward();
    const before = model.weight.grad!.toArray();
    await ddp.synchronize();
    assert.deepEqual(model.weight.grad!.toArray(), before);
    ddp.destroy();
  } finally {
    dist.destroy();
  }
  assert.equal(dist.isInitialized(), false);
  await assert.rejects(dist.barrier(group), /destroyed/);
  assert.throws(() => dist.defaultGroup(), /call distributed\.init\(\) first/);
});

test("backend 'nccl' is refused with one line on a libtorch without NCCL", { skip: NO_GLOO }, async () => {
  await assert.rejects(dist.init({ backend: 'nccl', rank: 0, worldSize: 1 }), /backend 'nccl' needs a libtorch built with CUDA and NCCL; this build has gloo/);
});
