#!/usr/bin/python3
"""bad_ckpt.py IN.safetensors OUTDIR: writes one broken variant of a GPT-2 checkpoint per defect
(NumPy only), each named after the defect; tests/e2e/546_bad_weights.sh expects a one-line error
naming the tensor for each."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "train"))
import stio  # noqa: E402

stio._DT[np.dtype("int32")] = "I32"

src, out = sys.argv[1:3]
t = stio.load_safetensors(src)
T = "h.1.mlp.c_fc.weight"          # the victim (works with or without the "transformer." prefix)
name = [k for k in t if k.endswith(T)][0]


def variant(tag, f):
    d = {k: np.array(v) for k, v in t.items()}
    f(d)
    stio.save_safetensors(os.path.join(out, tag + ".safetensors"), d)


variant("missing", lambda d: d.pop(name))
variant("shape", lambda d: d.__setitem__(name, d[name][:, :-1].copy()))
variant("dtype", lambda d: d.__setitem__(name, d[name].astype(np.int32)))


def put(v):
    def f(d):
        a = d[name].astype(np.float32).copy()
        a[1, 2] = v
        d[name] = a
    return f


variant("nan", put(np.nan))
variant("inf", put(np.inf))
raw = open(os.path.join(out, "nan.safetensors"), "rb").read()
open(os.path.join(out, "truncated.safetensors"), "wb").write(raw[:len(raw) - 100])
print(name)
