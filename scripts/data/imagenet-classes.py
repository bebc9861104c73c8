"""Writes assets/imagenet-classes.json: the 1000 ImageNet class names in the order of
VGG's 1000 outputs (torchvision's list). Source: Debian's python3-torchvision
(`apt-get download python3-torchvision && dpkg -x python3-torchvision_*.deb /tmp/tv`),
read without importing torchvision:
    /usr/bin/python3 scripts/data/imagenet-classes.py /tmp/tv/usr/lib/python3/dist-packages/torchvision/models/_meta.py
"""
import ast
import json
import os
import sys

meta_path = sys.argv[1]
tree = ast.parse(open(meta_path).read())
names = next(
    ast.literal_eval(node.value)
    for node in tree.body
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_IMAGENET_CATEGORIES"
)
assert len(names) == 1000
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "assets", "imagenet-classes.json")
with open(out, "w") as f:
    source = "torchvision _IMAGENET_CATEGORIES (scripts/data/imagenet-classes.py)"
    f.write(json.dumps({"source": source, "names": names}, separators=(",", ":"), ensure_ascii=False) + "\n")
print("wrote", out)
