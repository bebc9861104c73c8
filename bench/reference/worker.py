"""PyTorch side of a benchmark case; the mirror of bench/worker.ts (same protocol, same work).

Run by the harness as: python3 worker.py '<case JSON>'. It builds the workload, warms up,
prints a 'ready' line, then answers stdin commands: 'run N' times N steps and prints one
JSON line; 'quit' prints the final report and exits.
"""
import contextlib
import gc
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import nets  # noqa: E402
import zoo  # noqa: E402

MODELS = {
    'vgg-small': nets.vgg_small,
    'unet-small': nets.unet_small,
    'fcn8s': zoo.fcn8s,
    'unet': zoo.unet,
    'unet16': zoo.unet16,
}


def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    # maxrss in KiB on Linux, as Node's maxRSS; CPU time of all threads, as Node's resourceUsage.
    return r.ru_maxrss, r.ru_minflt, (r.ru_utime + r.ru_stime) * 1e3


def precise(spec):
    """torch.autocast('cpu', bfloat16) for bf16 cases (bench/workloads.ts: autocast)."""
    if spec.get('precision') == 'bf16':
        return torch.autocast('cpu', dtype=torch.bfloat16)
    return contextlib.nullcontext()


def memory_format(spec):
    return torch.channels_last if spec['channelsLast'] else torch.contiguous_format


def conv_workload(spec):
    w = spec['workload']
    fmt = memory_format(spec)
    x = torch.randn(w['n'], w['cin'], w['h'], w['w']).contiguous(memory_format=fmt).requires_grad_()
    transposed = w['kind'] == 'convTranspose2d'
    shape = (w['cin'], w['cout'], w['k'], w['k']) if transposed else (w['cout'], w['cin'], w['k'], w['k'])
    weight = (torch.randn(*shape) * 0.05).contiguous(memory_format=fmt).requires_grad_()
    bias = torch.zeros(w['cout']).requires_grad_()

    def forward():
        with precise(spec):
            if transposed:
                return F.conv_transpose2d(x, weight, bias, stride=w['stride'], padding=w['padding'])
            return F.conv2d(x, weight, bias, stride=w['stride'], padding=w['padding'])

    with torch.no_grad():
        grad = torch.randn_like(forward())

    def step():
        y = forward()
        y.backward(grad)
        x.grad = weight.grad = bias.grad = None

    return step, {}


def model_inputs(spec):
    w = spec['workload']
    torch.manual_seed(spec['seed'])
    model = MODELS[w['model']](w['channels'], w['classes'], spec['inplace'])
    x = torch.randn(w['batch'], w['channels'], w['height'], w['width'])
    labels = torch.randint(0, w['classes'], (w['batch'], w['height'], w['width']))
    if spec['channelsLast']:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    info = {'params': sum(p.numel() for p in model.parameters())}
    return model, x, labels, info


def train_workload(spec):
    w = spec['workload']
    model, x, labels, info = model_inputs(spec)
    model.train()
    if w['optimizer'] == 'adam':
        opt = torch.optim.Adam(model.parameters(), lr=w['lr'])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=w['lr'], momentum=0.9)

    def step():
        # set_to_none as pixelwise's zeroGrad (and PyTorch 2's default).
        opt.zero_grad(set_to_none=True)
        with precise(spec):
            out = model(x)
        # The loss in float32 (a no-op cast in fp32 cases), as on the pixelwise side.
        loss = F.cross_entropy(out.float(), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step, info


def infer_workload(spec):
    model, x, _, info = model_inputs(spec)
    model.eval()

    def step():
        with torch.no_grad(), precise(spec):
            return model(x).argmax(1).sum().item()

    return step, info


def overhead_workload(spec):
    w = spec['workload']
    a = torch.ones(1, requires_grad=w['op'] == 'addGrad')
    b = torch.ones(1)
    count = w['count']

    def step():
        for _ in range(count):
            a + b

    return step, {}


BUILDERS = {
    'conv2d': conv_workload,
    'convTranspose2d': conv_workload,
    'train': train_workload,
    'infer': infer_workload,
    'overhead': overhead_workload,
}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec['threads'])
    torch.manual_seed(spec['seed'])
    step, info = BUILDERS[spec['workload']['kind']](spec)
    rss_setup = usage()[0]
    first = step()
    for _ in range(max(1, spec['warmup']) - 1):
        step()
    gc.collect()
    emit({'event': 'ready', 'runtime': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(),
          'setupRssKb': rss_setup, 'firstLoss': first if isinstance(first, float) else None, **info})
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == 'quit':
            break
        n = int(cmd[1])
        _, flt0, cpu0 = usage()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        rss, flt1, cpu1 = usage()
        emit({'event': 'block', 'timesMs': times, 'maxRssKb': rss, 'minorFaults': flt1 - flt0, 'cpuMs': cpu1 - cpu0})
    emit({'event': 'done', 'maxRssKb': usage()[0]})


if __name__ == '__main__':
    main()
