#!/usr/bin/env python3
"""Where the time of a CamVid epoch goes in the PyTorch reference (bench/reference/realdata.py):
the training loop with its data loader (waiting for data vs stepping) and one validation pass.
bench/realdata/loop-timing.mjs measures the same in pixelwise.

    /usr/bin/python3 bench/reference/realdata_loop_timing.py [CAMVID_DIR]
"""
import os
import sys
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import realdata as r  # noqa: E402

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../../shared/datasets/camvid')
if not os.path.isdir(root):
    print(f'skipped: {root} is absent')
    sys.exit(0)
r.malloc_tuning()
torch.set_num_threads(2)
torch.manual_seed(0)
loss_fn = lambda logits, labels: F.cross_entropy(logits, labels, ignore_index=11)  # noqa: E731


def loader(split, augment, shuffle):
    ds = r.Split('camvid', root, split, (192, 256), augment, 0)
    sampler = r.EpochBatches(len(ds), 8, shuffle, 0)
    return torch.utils.data.DataLoader(ds, batch_sampler=sampler, num_workers=1, persistent_workers=True, prefetch_factor=2)


model = r.UNet(3, 11, 4, 16, True)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
wait = step = 0.0
n = 0
t = time.time()
for x, y in loader('train', True, True):
    t1 = time.time()
    wait += t1 - t
    loss = loss_fn(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    loss.item()
    t = time.time()
    step += t - t1
    n += 1
print(f'pytorch: {n} steps, {1000 * (wait + step) / n:.0f} ms/step (waiting for data {1000 * wait / n:.0f}, step {1000 * step / n:.0f})')
val = loader('val', False, False)
for _ in range(2):
    t0 = time.time()
    r.evaluate(model, val, 11, 11, loss_fn)
    print(f'pytorch: validation pass {time.time() - t0:.2f} s')
