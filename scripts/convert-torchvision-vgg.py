"""Converts a torchvision VGG state dict (.pth) to safetensors for pixelwise.

    python3 scripts/convert-torchvision-vgg.py vgg16-397923af.pth vgg16.safetensors

The input is a file you already have (e.g. from torchvision's model zoo cache,
~/.cache/torch/hub/checkpoints/); this script downloads nothing. Keys stay torchvision's
(features.<i>.weight, classifier.0/3/6), which is pixelwise's VGG layout, so

    const model = vgg16();  loadVggWeights(model, 'vgg16.safetensors');

loads them strictly; initFromVgg(fcn, model) then starts an FCN from them. Works for vgg11..19 and
the _bn variants. Those weights expect torchvision's preprocessing (RGB in [0, 1], ImageNet mean / std):
vggInput(image, 'torchvision'). Needs torch and numpy only.
"""
import json
import struct
import sys

import numpy as np
import torch

CODES = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"), torch.float64: ("F64", "<f8"),
         torch.int64: ("I64", "<i8")}
# The safetensors reference writes larger elements first (then by name), keeping data aligned.
ALIGN = {"F64": 0, "I64": 0, "F32": 1, "F16": 2}


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors, key=lambda n: (ALIGN[CODES[tensors[n].dtype][0]], n)):
        t = tensors[name]
        code, np_dtype = CODES[t.dtype]
        raw = np.ascontiguousarray(t.detach().cpu().numpy()).astype(np_dtype).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    state = torch.load(source, map_location="cpu")
    if isinstance(state, torch.nn.Module):
        state = state.state_dict()
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    state = {k.removeprefix("module."): v for k, v in state.items()}
    keys = [k for k in state if k.startswith(("features.", "classifier."))]
    if not keys or "classifier.0.weight" not in state:
        sys.exit(f"{source}: no torchvision VGG keys (features.<i>.*, classifier.0/3/6.*) found; keys: {list(state)[:8]}")
    unknown = sorted(set(state) - set(keys))
    if unknown:
        sys.exit(f"{source}: unexpected keys for a torchvision VGG: {unknown[:8]}")
    convs = sum(1 for k in keys if k.startswith("features.") and k.endswith(".weight") and state[k].ndim == 4)
    batch_norm = any(k.endswith("running_mean") for k in keys)
    # torchvision's *_bn weights predate BatchNorm's num_batches_tracked; add it as PyTorch does
    # when it loads them (0), so the file holds every key a BatchNorm VGG has.
    for k in [k for k in keys if k.endswith(".running_mean")]:
        counter = k[: -len("running_mean")] + "num_batches_tracked"
        if counter not in state:
            state[counter] = torch.tensor(0, dtype=torch.int64)
            keys.append(counter)
    save_safetensors(target, {k: state[k] for k in keys},
                     {"format": "pt", "source": source, "architecture": f"vgg{convs + 3}{'_bn' if batch_norm else ''}"})
    total = sum(state[k].numel() for k in keys if not k.endswith("num_batches_tracked"))
    print(f"wrote {target}: VGG{convs + 3}{'-BN' if batch_norm else ''}, {len(keys)} tensors, {total:,} values")


if __name__ == "__main__":
    main()
