#!/usr/bin/python3
"""Checks ONNX files written by pixelwise with ONNX's own checker (Debian's python3-onnx).

Usage: /usr/bin/python3 scripts/check-onnx.py [--opset 17] FILE.onnx...

For each file: onnx.checker.check_model with full_check (the structural check plus strict
shape inference over the whole graph), the default-domain opset it imports, and the declared
input and output shapes. Prints one line per file; exits 1 if any file fails.
"""
import argparse
import sys

import onnx


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    out = []
    for d in shape.dim:
        if d.HasField("dim_value"):
            out.append(str(d.dim_value))
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append("?")
    return f"{value_info.name}[{','.join(out)}]"


def check(path, opset):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    imported = {o.domain: o.version for o in model.opset_import}
    if imported.get("", None) != opset:
        raise ValueError(f"imports opset {imported}, expected {opset} for the default domain")
    ops = sorted({n.op_type for n in model.graph.node})
    inputs = " ".join(dims(v) for v in model.graph.input)
    outputs = " ".join(dims(v) for v in model.graph.output)
    meta = ",".join(p.key for p in model.metadata_props)
    return (
        f"ir {model.ir_version}, opset {opset}, {len(model.graph.node)} nodes ({' '.join(ops)}), "
        f"{len(model.graph.initializer)} initializers; {inputs} -> {outputs}" + (f"; metadata {meta}" if meta else "")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    print(f"onnx {onnx.__version__} checker (full_check), expecting opset {args.opset}")
    failed = 0
    for path in args.files:
        try:
            print(f"ok   {path}: {check(path, args.opset)}")
        except Exception as err:  # any checker or load error is a failed file
            failed += 1
            message = str(err).strip().splitlines()
            print(f"FAIL {path}: {message[0] if message else type(err).__name__}")
    print(f"{len(args.files) - failed} of {len(args.files)} files pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
