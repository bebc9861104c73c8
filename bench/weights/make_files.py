"""Writes full-size VGG16 weight files (random values, seeded; ~528 MB each) in the layouts users
download, for the weight benchmark and the opt-in slow test. Big files go under /tmp, never into
the repository. The layouts come from the mapping fixtures' writers
(scripts/fixtures/weights_mappings.py), so they are what the small fixtures test:

    /usr/bin/python3 bench/weights/make_files.py [--dir /tmp/pixelwise-weights-bench] [--all]

Default: vgg16.pth (torchvision, torch.save zip) and reference.json (PyTorch's logits for the
fixed 224x224 input). With --all also vgg16_legacy.pth (legacy torch.save), vgg16_keras.h5 (Keras
applications, Keras 1 names, HWIO kernels, fc1 rows channels-last), vgg16.caffemodel (the VGG
team's Caffe layout, legacy 4-d blobs), vgg16_slim.index/.data-00000-of-00001 (TF-slim vgg_16 as a
V2 bundle) and vgg16_tfvgg.npy (tensorflow-vgg's Python 2 pickled dict)."""
import argparse
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "fixtures"))

import weights_mappings as wm  # noqa: E402


def node_crc(path, offset, size):
    """The masked crc32c of a byte range, by @node-rs/crc32 (pure Python would take minutes for 400 MB)."""
    script = (
        "const {crc32c}=require('@node-rs/crc32');const fs=require('fs');"
        "const [p,o,n]=process.argv.slice(1);const fd=fs.openSync(p,'r');let c=0;const b=Buffer.alloc(1<<24);"
        "for(let at=0;at<+n;){const k=fs.readSync(fd,b,0,Math.min(b.length,+n-at),+o+at);c=crc32c(b.subarray(0,k),c);at+=k;}"
        "const m=(((c>>>15)|(c<<17))+0xa282ead8)>>>0;console.log(m);"
    )
    out = subprocess.run(["node", "-e", script, path, str(offset), str(size)], cwd=ROOT, capture_output=True, check=True, text=True)
    return int(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/pixelwise-weights-bench")
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    path = lambda name: os.path.join(args.dir, name)  # noqa: E731
    vgg = wm.random_vgg(16, 64, 4096, 1000, seed=0)
    sd = vgg.state_dict()
    wm.write_torch(path("vgg16.pth"), sd)
    x = wm.fixed_input((1, 3, 224, 224))
    with torch.no_grad():
        y = vgg(x)
    with open(path("reference.json"), "w") as f:
        json.dump({"generator": "bench/weights/make_files.py", "input": [1, 3, 224, 224], "logits": wm.floats(y)}, f)
    if args.all:
        wm.write_torch(path("vgg16_legacy.pth"), sd, legacy=True)
        wm.write_keras(path("vgg16_keras.h5"), sd, 16)
        wm.write_caffe(path("vgg16.caffemodel"), "VGG_ILSVRC_16_layers", wm.caffe_vgg_layers(sd, 16), v1=True)
        wm.write_slim_v2(path("vgg16_slim"), sd, 16, crc=node_crc)
        wm.write_tfvgg(path("vgg16_tfvgg.npy"), sd, 16)
    for name in sorted(os.listdir(args.dir)):
        print(f"{os.path.getsize(path(name)) / 1e6:8.1f} MB  {path(name)}")


if __name__ == "__main__":
    main()
