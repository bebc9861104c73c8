#!/usr/bin/env python3
"""The real-data recipes of bench/realdata/ in plain PyTorch: the same run as `pixelwise train
... --time-budget S` followed by `pixelwise eval --json` on the best checkpoint.

Same as pixelwise (src/train/run.ts, src/train/trainer.ts, src/data/...), written independently:
- data: files sorted by name; images resized bilinearly with half-pixel centres (align_corners
  False), rounded to 8 bit; labels by half-pixel nearest neighbour ("nearest-exact"); membrane
  masks thresholded at 128 (255 = cell = class 1); CamVid class 11 (void) ignored;
  normalisation x / 255 ('unit');
- augmentation (--augment): after normalisation, a random scale 0.75-1.25 (bilinear, labels
  nearest), padding at the bottom/right to the crop size (image 0, label = ignore index or 0),
  a random crop back to the input size, a horizontal flip with probability 0.5. Shuffling and
  every random draw come from a port of pixelwise's seeded generators (mulberry32 on
  (seed, epoch, sample)), so both sides see the very same batches;
- model: U-Net (src/models/unet.ts) layer for layer, under the same parameter names, built in
  the same order, so that torch.manual_seed(seed) draws the same initial weights as pixelwise's
  manualSeed(seed); parameter count printed;
- training: Adam (PyTorch defaults), constant or poly lr per step, cross-entropy with the
  ignore index; after every epoch (or when the time budget is reached, checked after every
  step from the start of the first epoch, validations included) a validation over the val
  split, a checkpoint of weights + optimizer state (and of the weights when the score
  improved), written atomically like pixelwise's;
- metrics: one confusion matrix over every valid pixel of the split at the training
  resolution (as `pixelwise eval` preprocesses with the checkpoint's spec), score.py's pixel
  accuracy, mean accuracy, mean IoU (nanmean), frequency-weighted IoU, of the best epoch.
- runtime: torch.set_num_threads(--threads), OMP_WAIT_POLICY=PASSIVE set before torch loads
  (pixelwise's default), glibc malloc tuned like pixelwise's addon (mmap threshold 32 MiB, trim
  threshold 256 MiB; --no-malloc-tuning keeps glibc's defaults), one data-loading worker
  (pixelwise's default on 2 cores: min(2, cores - 1)).

--check-checkpoint RUN/checkpoints/best.safetensors scores a pixelwise checkpoint with this
script's data pipeline and metrics (must equal `pixelwise eval`).

Prints one JSON line on stdout; progress on stderr.
"""
import argparse
import ctypes
import json
import math
import os
import struct
import sys
import tempfile
import time
from collections import OrderedDict

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

M32 = 0xFFFFFFFF


# ---------------------------------------------------------------- seeded randomness (port)

def imul(a, b):
    return (a * b) & M32


def mix_seed(*parts):
    """src/data/transforms/random.ts mixSeed (murmur3-style), in uint32 arithmetic."""
    h = 0x9E3779B9
    for part in parts:
        k = imul(part & M32, 0xCC9E2D51)
        k = ((k << 15) | (k >> 17)) & M32
        h = (imul(h ^ imul(k, 0x1B873593), 5) + 0xE6546B64) & M32
        h = ((h << 13) | (h >> 19)) & M32
    h ^= h >> 16
    h = imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h & M32


class Rng:
    """mulberry32, as src/data/transforms/random.ts Rng."""

    def __init__(self, seed):
        self.state = seed & M32

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, lo, hi):
        return lo + math.floor(self.next() * (hi - lo + 1))

    def chance(self, p):
        return self.next() < p


def permutation(n, seed, epoch):
    order = list(range(n))
    rng = Rng(mix_seed(seed, epoch, 0x5F3759DF))
    for i in range(n - 1, 0, -1):
        j = math.floor(rng.next() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


def js_round(x):
    return math.floor(x + 0.5)


# ---------------------------------------------------------------- resizing (channels-first)

def axis_weights(in_size, out_size, mode):
    idx = np.zeros((out_size, 2), np.int64)
    w = np.zeros((out_size, 2), np.float64)
    scale = in_size / out_size
    for o in range(out_size):
        if mode == 'nearest':
            i = min(in_size - 1, math.floor(((o + 0.5) * in_size) / out_size))
            idx[o] = (i, i)
            w[o] = (1.0, 0.0)
        else:  # bilinear, half-pixel centres, negative sources clamped (torch align_corners=False)
            src = max(0.0, (o + 0.5) * scale - 0.5)
            i0 = min(math.floor(src), in_size - 1)
            i1 = min(i0 + 1, in_size - 1)
            frac = src - i0
            idx[o] = (i0, i1)
            w[o] = (1 - frac, frac)
    return idx, w


_WEIGHTS = {}


def weights_for(in_size, out_size, mode):
    key = (in_size, out_size, mode)
    if key not in _WEIGHTS:
        _WEIGHTS[key] = axis_weights(in_size, out_size, mode)
    return _WEIGHTS[key]


def resize_image(img, width, height):
    """Bilinear resize of a (C, H, W) uint8 or float32 array; uint8 results rounded and clamped."""
    c, h0, w0 = img.shape
    if (w0, h0) == (width, height):
        return img
    (ix, wx), (iy, wy) = weights_for(w0, width, 'bilinear'), weights_for(h0, height, 'bilinear')
    d = img.astype(np.float64)
    tmp = wx[:, 0] * d[:, :, ix[:, 0]] + wx[:, 1] * d[:, :, ix[:, 1]]
    out = wy[:, 0][:, None] * tmp[:, iy[:, 0], :] + wy[:, 1][:, None] * tmp[:, iy[:, 1], :]
    if img.dtype == np.uint8:
        return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)
    return out.astype(np.float32)


def resize_label(label, width, height):
    h0, w0 = label.shape
    if (w0, h0) == (width, height):
        return label
    xs = weights_for(w0, width, 'nearest')[0][:, 0]
    ys = weights_for(h0, height, 'nearest')[0][:, 0]
    return label[ys][:, xs]


# ---------------------------------------------------------------- datasets

def list_pairs(images_dir, labels_dir):
    stems = {}
    for f in os.listdir(images_dir):
        if not f.startswith('.') and f.lower().endswith('.png'):
            stems[os.path.splitext(f)[0]] = f
    pairs = []
    for stem in sorted(stems):
        label = os.path.join(labels_dir, stem + '.png')
        if not os.path.exists(label):
            raise SystemExit(f'{label}: missing label map for {stems[stem]}')
        pairs.append((stem, os.path.join(images_dir, stems[stem]), label))
    return pairs


class Split:
    """One split: decode, resize, normalise, (augment); samples as pixelwise's loader makes them."""

    def __init__(self, kind, root, split, size, augment, seed):
        self.kind = kind
        if kind == 'membrane':
            self.pairs = list_pairs(os.path.join(root, split, 'images'), os.path.join(root, split, 'masks'))
            self.num_classes, self.ignore_index, self.channels = 2, None, 1
        elif kind == 'camvid':
            self.pairs = list_pairs(os.path.join(root, split), os.path.join(root, split + 'annot'))
            self.num_classes, self.ignore_index, self.channels = 11, 11, 3
        else:
            raise SystemExit(f'unknown dataset {kind}, expected membrane or camvid')
        self.size = size  # (height, width)
        self.augment = augment
        self.seed = seed

    def __len__(self):
        return len(self.pairs)

    def prepare(self, i):
        _, image_path, label_path = self.pairs[i]
        im = Image.open(image_path)
        if self.channels == 1:
            img = np.asarray(im.convert('L'))[None]
        else:
            img = np.ascontiguousarray(np.asarray(im.convert('RGB')).transpose(2, 0, 1))
        lab = np.asarray(Image.open(label_path))
        if lab.ndim == 3:
            lab = lab[:, :, 0]
        if self.kind == 'membrane':
            lab = (lab >= 128).astype(np.int64)
        else:
            lab = lab.astype(np.int64)
            bad = (lab > 10) & (lab != 11)
            if bad.any():
                raise SystemExit(f'{label_path}: label values outside 0..11')
        h, w = self.size
        return resize_image(img, w, h), resize_label(lab, w, h)

    def __getitem__(self, key):
        epoch, i = key
        img, lab = self.prepare(i)
        x = ((img.astype(np.float64) * (1 / 255) - 0.0) * 1.0).astype(np.float32)
        if self.augment:
            rng = Rng(mix_seed(self.seed, epoch, i))
            ch, cw = self.size
            s = rng.uniform(0.75, 1.25)
            w = max(1, js_round(x.shape[2] * s))
            h = max(1, js_round(x.shape[1] * s))
            x = resize_image(x, w, h)
            lab = resize_label(lab, w, h)
            pb, pr = max(0, ch - h), max(0, cw - w)
            if pb or pr:
                x = np.pad(x, ((0, 0), (0, pb), (0, pr)))
                fill = self.ignore_index if self.ignore_index is not None else 0
                lab = np.pad(lab, ((0, pb), (0, pr)), constant_values=fill)
            cx = rng.int(0, x.shape[2] - cw)
            cy = rng.int(0, x.shape[1] - ch)
            x = x[:, cy:cy + ch, cx:cx + cw]
            lab = lab[cy:cy + ch, cx:cx + cw]
            if rng.chance(0.5):
                x = x[:, :, ::-1]
                lab = lab[:, ::-1]
            rng.chance(0)  # vflip off (pixelwise still draws)
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(lab))


class EpochBatches:
    """Batch sampler: pixelwise's plan (a permutation per epoch, last batch kept)."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.shuffle, self.seed, self.epoch = n, batch_size, shuffle, seed, 0

    def __iter__(self):
        order = permutation(self.n, self.seed, self.epoch) if self.shuffle else list(range(self.n))
        for s in range(0, self.n, self.batch_size):
            yield [(self.epoch, i) for i in order[s:s + self.batch_size]]

    def __len__(self):
        return math.ceil(self.n / self.batch_size)


# ---------------------------------------------------------------- the model (src/models/unet.ts)

def double_conv(cin, cout, batch_norm):
    layers = OrderedDict()
    for i in (1, 2):
        layers[f'conv{i}'] = nn.Conv2d(cin if i == 1 else cout, cout, 3, padding=1)
        if batch_norm:
            layers[f'bn{i}'] = nn.BatchNorm2d(cout)
        layers[f'relu{i}'] = nn.ReLU(inplace=True)
    return layers


class UpBlock(nn.Module):
    """up (2x2 transposed conv, stride 2), concat with the skip, conv1 bn1 relu1 conv2 bn2 relu2."""

    def __init__(self, cin, cout, batch_norm):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.convs = list(double_conv(2 * cout, cout, batch_norm).items())
        for name, m in self.convs:
            self.add_module(name, m)

    def forward(self, x, skip):
        x = torch.cat([self.up(x), skip], 1)
        for _, m in self.convs:
            x = m(x)
        return x


class UNet(nn.Module):
    """encoder.i ([pool], conv1, bn1, relu1, conv2, bn2, relu2), bottleneck (pool, convs),
    decoder.j (up, conv1, ..., deepest first), head (1x1): pixelwise's names and order."""

    def __init__(self, in_channels, num_classes, depth=4, base_width=64, batch_norm=True):
        super().__init__()
        width = lambda level: base_width * 2 ** level  # noqa: E731
        self.encoder = nn.ModuleList()
        for i in range(depth):
            pool = OrderedDict() if i == 0 else OrderedDict(pool=nn.MaxPool2d(2))
            pool.update(double_conv(in_channels if i == 0 else width(i - 1), width(i), batch_norm))
            self.encoder.append(nn.Sequential(pool))
        b = OrderedDict(pool=nn.MaxPool2d(2))
        b.update(double_conv(width(depth - 1), width(depth), batch_norm))
        self.bottleneck = nn.Sequential(b)
        self.decoder = nn.ModuleList(UpBlock(width(level + 1), width(level), batch_norm) for level in range(depth - 1, -1, -1))
        self.head = nn.Conv2d(width(0), num_classes, 1)

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        x = self.bottleneck(x)
        for block in self.decoder:
            x = block(x, skips.pop())
        return self.head(x)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- metrics (FCN score.py)

def update_confusion(conf, pred, label, num_classes, ignore_index):
    pred = pred.reshape(-1).numpy()
    label = label.reshape(-1).numpy()
    keep = (label >= 0) & (label < num_classes)
    if ignore_index is not None:
        keep &= label != ignore_index
    conf += np.bincount(num_classes * label[keep] + pred[keep], minlength=num_classes ** 2).reshape(num_classes, num_classes)


def summarize(conf):
    hist = conf.astype(np.float64)
    diag = np.diag(hist)
    with np.errstate(divide='ignore', invalid='ignore'):
        acc_cls = diag / hist.sum(1)
        iu = diag / (hist.sum(1) + hist.sum(0) - diag)
    freq = hist.sum(1) / hist.sum()
    return {
        'pixelAccuracy': float(diag.sum() / hist.sum()),
        'meanAccuracy': float(np.nanmean(acc_cls)),
        'meanIoU': float(np.nanmean(iu)),
        'fwIoU': float((freq[freq > 0] * iu[freq > 0]).sum()),
        'perClassIoU': [None if np.isnan(v) else float(v) for v in iu],
    }


def evaluate(model, loader, num_classes, ignore_index, loss_fn):
    conf = np.zeros((num_classes, num_classes), np.int64)
    loss_sum, batches = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss_sum += loss_fn(logits, labels).item()
            batches += 1
            update_confusion(conf, logits.argmax(1), labels, num_classes, ignore_index)
    model.train(was_training)
    out = summarize(conf)
    out['valLoss'] = loss_sum / max(batches, 1)
    return out


# ---------------------------------------------------------------- checkpoints

def save_atomic(obj, path):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {'F32': np.float32, 'I64': np.int64, 'F64': np.float64, 'I32': np.int32}
    out = {}
    for name, t in header.items():
        if name == '__metadata__' or name.startswith('optimizer/'):
            continue
        a, b = t['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtypes[t['dtype']]).reshape(t['shape']).copy())
    return out, header.get('__metadata__', {})


# ---------------------------------------------------------------- main

def malloc_tuning():
    """pixelwise's addon: mallopt(M_MMAP_THRESHOLD, 32 MiB), mallopt(M_TRIM_THRESHOLD, 256 MiB)."""
    libc = ctypes.CDLL('libc.so.6')
    libc.mallopt(-3, 32 << 20)
    libc.mallopt(-1, 256 << 20)


def parse_size(text):
    h, w = (int(v) for v in text.lower().split('x'))
    return h, w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--dataset', required=True, choices=['membrane', 'camvid'])
    ap.add_argument('--data', required=True)
    ap.add_argument('--size', required=True, type=parse_size, help='HxW')
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--base-width', type=int, default=64)
    ap.add_argument('--no-batch-norm', action='store_true')
    ap.add_argument('--batch-size', type=int, default=8)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--schedule', choices=['none', 'poly'], default='poly')
    ap.add_argument('--epochs', type=int, default=10, help='epochs (bounds the run; poly decays over them)')
    ap.add_argument('--augment', action='store_true')
    ap.add_argument('--time-budget', type=float, default=None)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--workers', type=int, default=max(0, min(2, (os.cpu_count() or 1) - 1)))
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None, help='run folder for checkpoints (default: a temporary folder)')
    ap.add_argument('--no-malloc-tuning', action='store_true')
    ap.add_argument('--check-checkpoint', default=None, help='score this pixelwise checkpoint on the val split and exit')
    a = ap.parse_args()

    if not a.no_malloc_tuning:
        malloc_tuning()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    log = lambda *m: print(*m, file=sys.stderr, flush=True)  # noqa: E731

    train_set = Split(a.dataset, a.data, 'train', a.size, a.augment, a.seed)
    val_set = Split(a.dataset, a.data, 'val', a.size, False, a.seed)
    num_classes, ignore = train_set.num_classes, train_set.ignore_index
    model = UNet(train_set.channels, num_classes, a.depth, a.base_width, not a.no_batch_norm)
    params = parameter_count(model)
    log(f'pytorch {torch.__version__}: U-Net depth {a.depth} base {a.base_width}, {params:,} parameters; '
        f'{len(train_set)} train / {len(val_set)} val images at {a.size[0]}x{a.size[1]}; {torch.get_num_threads()} threads, '
        f'OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY")}')
    loss_fn = lambda logits, labels: F.cross_entropy(logits, labels, ignore_index=-100 if ignore is None else ignore)  # noqa: E731

    def loader(ds, shuffle):
        sampler = EpochBatches(len(ds), a.batch_size, shuffle, a.seed)
        kw = dict(num_workers=a.workers, persistent_workers=True, prefetch_factor=2) if a.workers > 0 else {}
        return torch.utils.data.DataLoader(ds, batch_sampler=sampler, **kw), sampler

    val_loader, _ = loader(val_set, False)
    if a.check_checkpoint:
        weights, _meta = load_safetensors(a.check_checkpoint)
        result = model.load_state_dict(weights, strict=False)
        missing = [k for k in result.missing_keys if not k.endswith('num_batches_tracked')]
        if missing or result.unexpected_keys:
            raise SystemExit(f'{a.check_checkpoint}: missing {missing[:4]}, unexpected {result.unexpected_keys[:4]}')
        r = evaluate(model, val_loader, num_classes, ignore, loss_fn)
        print(json.dumps({'side': 'pytorch-scored-checkpoint', 'checkpoint': a.check_checkpoint, 'parameters': params, **r}))
        return

    train_loader, train_sampler = loader(train_set, True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps_per_epoch = len(train_sampler)
    total_steps = a.epochs * steps_per_epoch
    sched = (torch.optim.lr_scheduler.LambdaLR(opt, lambda it: (1 - min(it, total_steps) / total_steps) ** 0.9)
             if a.schedule == 'poly' else None)
    out = a.out or tempfile.mkdtemp(prefix='realdata-pt-')
    os.makedirs(out, exist_ok=True)

    history, best, step, images_seen = [], None, 0, 0
    stopped = 'epochs'
    started = time.time()
    model.train()
    epoch = 0
    while epoch < a.epochs:
        epoch_start = time.time()
        train_sampler.epoch = epoch
        loss_sum, seen, images = 0.0, 0, 0
        batches = 0
        for x, y in train_loader:
            logits = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched:
                sched.step()
            loss_sum += loss.item()
            seen += 1
            batches += 1
            images += x.size(0)
            step += 1
            if a.time_budget and time.time() - started >= a.time_budget:
                stopped = 'time budget'
                break
        images_seen += images
        complete = batches == steps_per_epoch
        r = evaluate(model, val_loader, num_classes, ignore, loss_fn)
        seconds = time.time() - epoch_start
        record = {'epoch': epoch + 1, 'step': step, 'complete': complete, 'trainLoss': loss_sum / max(seen, 1),
                  'valLoss': r['valLoss'], 'pixelAccuracy': r['pixelAccuracy'], 'meanIoU': r['meanIoU'],
                  'lr': opt.param_groups[0]['lr'], 'seconds': seconds, 'imagesPerSecond': images / seconds}
        history.append(record)
        improved = best is None or r['meanIoU'] > best['meanIoU']
        if improved:
            best = {**r, 'epoch': epoch + 1, 'step': step}
        save_atomic({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': epoch + 1, 'step': step},
                    os.path.join(out, 'last.pt'))
        if improved:
            save_atomic(model.state_dict(), os.path.join(out, 'best.pt'))
        log(f"epoch {epoch + 1}{'' if complete else ' (partial)'}, train loss {record['trainLoss']:.4f}, "
            f"val mIoU {100 * r['meanIoU']:.2f}%, pixel acc {100 * r['pixelAccuracy']:.2f}%, "
            f"{record['imagesPerSecond']:.1f} img/s, {seconds:.1f} s{' (best)' if improved else ''}")
        epoch += 1
        if stopped != 'epochs':
            break
    seconds = time.time() - started
    with open(os.path.join(out, 'metrics.jsonl'), 'w') as f:
        for rec in history:
            f.write(json.dumps(rec) + '\n')
    print(json.dumps({
        'side': 'pytorch', 'torch': torch.__version__, 'dataset': a.dataset, 'size': list(a.size), 'parameters': params,
        'threads': torch.get_num_threads(), 'stoppedBy': stopped, 'steps': step, 'epochs': len(history),
        'images': images_seen, 'seconds': seconds, 'imagesPerSecond': images_seen / seconds,
        'bestEpoch': best['epoch'], 'bestStep': best['step'],
        'pixelAccuracy': best['pixelAccuracy'], 'meanAccuracy': best['meanAccuracy'], 'meanIoU': best['meanIoU'],
        'fwIoU': best['fwIoU'], 'perClassIoU': best['perClassIoU'], 'out': out,
    }))


if __name__ == '__main__':
    main()
