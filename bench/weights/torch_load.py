"""The reference side of the weight-reader benchmark: torch.load of a VGG16 state dict plus
load_state_dict into a VGG16 built beforehand (torchvision's layout, built with torch.nn so
torchvision is not needed). Prints one JSON line: seconds and peak RSS (MiB)."""
import json
import resource
import sys
import time

import torch
from torch import nn


def vgg16():
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    m = nn.Module()
    m.features = nn.Sequential(*layers)
    m.classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))
    return m


def main():
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    model = vgg16()
    c0 = time.process_time()
    t0 = time.perf_counter()
    sd = torch.load(sys.argv[1])
    t1 = time.perf_counter()
    model.load_state_dict(sd)
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    print(json.dumps({"side": "torch", "read": t1 - t0, "copy": t2 - t1, "total": t2 - t0, "cpu": cpu,
                      "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
