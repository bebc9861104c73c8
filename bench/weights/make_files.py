"""Writes full-size VGG16 weight files (torchvision's 32 tensor names and shapes, random values,
~528 MB each) for the weight-reader benchmark. Big files go under /tmp, never into the repo.

    /usr/bin/python3 bench/weights/make_files.py [--dir /tmp/pixelwise-weights-bench] [--all]

Default: vgg16.pth (torch.save zip). With --all also vgg16_legacy.pth (legacy torch.save),
vgg16_keras.h5 (Keras-1 weights-only layout, HWIO kernels), vgg16_tfvgg.npy (tensorflow-vgg's
Python 2 pickled dict) and vgg16.caffemodel (V2 layers, BlobShape)."""
import argparse
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "fixtures"))

CONVS = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M", (128, 256), (256, 256), (256, 256), "M",
         (256, 512), (512, 512), (512, 512), "M", (512, 512), (512, 512), (512, 512), "M"]
KERAS_CONV = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2", "block3_conv3",
              "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3"]
TFVGG_CONV = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
              "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"]


def state_dict():
    g = torch.Generator().manual_seed(0)
    sd = OrderedDict()
    i = 0
    for c in CONVS:
        if c == "M":
            i += 1
            continue
        sd[f"features.{i}.weight"] = torch.randn(c[1], c[0], 3, 3, generator=g) * 0.01
        sd[f"features.{i}.bias"] = torch.randn(c[1], generator=g) * 0.01
        i += 2
    for j, (fin, fout) in zip((0, 3, 6), ((25088, 4096), (4096, 4096), (4096, 1000))):
        sd[f"classifier.{j}.weight"] = torch.randn(fout, fin, generator=g) * 0.01
        sd[f"classifier.{j}.bias"] = torch.randn(fout, generator=g) * 0.01
    return sd


def layer_pairs(sd):
    """(conv or fc index, weight, bias) in order, as numpy."""
    items = list(sd.items())
    return [(items[k][1].numpy(), items[k + 1][1].numpy()) for k in range(0, len(items), 2)]


def write_keras(path, sd):
    import h5py
    names = KERAS_CONV + ["fc1", "fc2", "predictions"]
    with h5py.File(path, "w") as f:
        for name, (w, b) in zip(names, layer_pairs(sd)):
            g = f.create_group(name)
            kernel = w.transpose(2, 3, 1, 0) if w.ndim == 4 else w.T  # HWIO / (in, out)
            wn = [f"{name}_W_1:0", f"{name}_b_1:0"]
            g.attrs["weight_names"] = np.array([n.encode() for n in wn])
            g.create_dataset(wn[0], data=np.ascontiguousarray(kernel))
            g.create_dataset(wn[1], data=b)
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"1.2.2"


def write_tfvgg(path, sd):
    from weights_numpy import py2_object_npy
    names = TFVGG_CONV + ["fc6", "fc7", "fc8"]
    d = {}
    for name, (w, b) in zip(names, layer_pairs(sd)):
        d[name.encode()] = [np.ascontiguousarray(w.transpose(2, 3, 1, 0) if w.ndim == 4 else w.T), b]
    py2_object_npy(path, d)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def write_caffe(path, sd):
    names = TFVGG_CONV + ["fc6", "fc7", "fc8"]
    with open(path, "wb") as f:
        f.write(field(1, b"VGG_ILSVRC_16_layers"))
        for name, (w, b) in zip(names, layer_pairs(sd)):
            layer = field(1, name.encode()) + field(2, b"Convolution" if w.ndim == 4 else b"InnerProduct")
            for blob in (w, b):
                shape = field(1, b"".join(varint(d) for d in blob.shape))
                layer += field(7, field(7, shape) + field(5, blob.astype("<f4").tobytes()))
            f.write(field(100, layer))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/pixelwise-weights-bench")
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(args.dir, "vgg16.pth"))
    if args.all:
        torch.save(sd, os.path.join(args.dir, "vgg16_legacy.pth"), _use_new_zipfile_serialization=False)
        write_keras(os.path.join(args.dir, "vgg16_keras.h5"), sd)
        write_tfvgg(os.path.join(args.dir, "vgg16_tfvgg.npy"), sd)
        write_caffe(os.path.join(args.dir, "vgg16.caffemodel"), sd)
    for name in sorted(os.listdir(args.dir)):
        print(f"{os.path.getsize(os.path.join(args.dir, name)) / 1e6:8.1f} MB  {os.path.join(args.dir, name)}")


if __name__ == "__main__":
    main()
