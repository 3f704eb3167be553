#!/usr/bin/python3
"""check_logits.py CKPT_DIR TOKENS LOGITS.safetensors: the C reference model's dense float logits
(spatten quality --logits) against PyTorch running the same checkpoint (tools/train/nets.py, in
float64). Passes when max |C - torch| / max |torch| <= 1e-4 for every logits tensor.
Exit 77 (skip) when torch is not installed."""
import json
import os
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed")
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "train"))
import nets  # noqa: E402
from stio import load_safetensors  # noqa: E402

TOL = 1e-4


def main():
    ckpt, tokens, dump = sys.argv[1:4]
    cfg = json.load(open(os.path.join(ckpt, "config.json")))
    sd = {k: torch.from_numpy(v.astype("float64")) for k, v in
          load_safetensors(os.path.join(ckpt, "model.safetensors")).items()}
    gpt = cfg["model_type"] == "gpt2"
    model = (nets.GPT2LM(cfg) if gpt else nets.BertMLMCls(cfg)).double()
    model.load_state_dict(sd, strict=True)
    model.eval()
    ids = torch.tensor([[int(t) for t in open(tokens).read().split()]])
    c = load_safetensors(dump)
    with torch.no_grad():
        if gpt:
            ref = {"lm_logits": model(ids)[0]}
        else:
            x = model.encode(ids)
            ref = {"mlm_logits": model.mlm_logits(x)[0], "cls_logits": model.cls_logits(x)}
    bad = 0
    for name, r in ref.items():
        r = r.numpy()
        got = c[name]
        if got.shape != r.shape:
            print("FAIL %s: shape %s, torch %s" % (name, got.shape, r.shape))
            bad += 1
            continue
        rel = float(abs(got - r).max() / abs(r).max())
        print("%s %s: max |C - torch| / max |torch| = %.3e (limit %.0e)" % (name, list(r.shape), rel, TOL))
        bad += rel > TOL
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
