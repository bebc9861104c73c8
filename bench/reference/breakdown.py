"""PyTorch's fixed cost per operator, for scale beside bench/breakdown.ts."""
import statistics
import time

import torch

N, ROUNDS = 20000, 7
a, b = torch.ones(1), torch.ones(1)


def per_call(body):
    body()
    out = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        body()
        out.append((time.perf_counter() - t0) * 1e6 / N)
    return statistics.median(out)


def loop_numel():
    for _ in range(N):
        a.numel()


def loop_alias():
    for _ in range(N):
        torch.ops.aten.alias(a)


def loop_add():
    for _ in range(N):
        a + b


def loop_add_op():
    add = torch.ops.aten.add.Tensor
    for _ in range(N):
        add(a, b)


print(f'µs per call (median of {ROUNDS} x {N}); 1-element float32 tensors, no grad\n')
for label, fn in [('a.numel()', loop_numel), ('torch.ops.aten.alias(a) (boxed dispatcher path)', loop_alias),
                  ('a + b', loop_add), ('torch.ops.aten.add.Tensor(a, b) (boxed dispatcher path)', loop_add_op)]:
    print(f'{per_call(fn):7.2f}  {label}')
