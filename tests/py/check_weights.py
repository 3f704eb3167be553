"""Check that the reference model read a Hugging Face checkpoint correctly: recompute layer 0's
Q, K, V from the checkpoint and token ids with NumPy (BERT: LayerNorm(word + position +
token-type 0) . W^T + b; GPT-2: ln_1(wte + wpe) . c_attn + b) and compare with the trace's
step-0 layer-0 fixed-point tensors: within half an LSB (plus float rounding), saturation aside.
usage: check_weights.py bert|gpt2 CKPT.safetensors TOKENS.txt TRACE.spt
"""
import json
import sys

import numpy as np

import spt


def ln(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def main():
    arch, ck, toks, trace = sys.argv[1:5]
    w, _ = spt.load(ck)
    w = {k: v.astype(np.float64) for k, v in w.items()}
    t, meta = spt.load(trace)
    tr, fm = json.loads(meta["trace"]), json.loads(meta["formats"])
    frac, bits = fm["frac"], fm["bits"]
    ids = np.array(open(toks).read().split(), dtype=np.int64)
    N = tr["n_prompt"]
    H, dh = tr["heads"], tr["d_head"]
    D = H * dh
    if arch == "bert":
        p = "bert.embeddings."
        x = w[p + "word_embeddings.weight"][ids[:N]] + w[p + "position_embeddings.weight"][:N] \
            + w[p + "token_type_embeddings.weight"][0]
        x = ln(x, w[p + "LayerNorm.weight"], w[p + "LayerNorm.bias"], 1e-12)
        e = "bert.encoder.layer.0.attention.self."
        proj = {k: x @ w[e + n + ".weight"].T + w[e + n + ".bias"]
                for k, n in (("q", "query"), ("k", "key"), ("v", "value"))}
    else:
        x = w["wte.weight"][ids[:N]] + w["wpe.weight"][:N]
        a = ln(x, w["h.0.ln_1.weight"], w["h.0.ln_1.bias"], 1e-5)
        y = a @ w["h.0.attn.c_attn.weight"] + w["h.0.attn.c_attn.bias"]
        proj = {"q": y[:, :D], "k": y[:, D:2 * D], "v": y[:, 2 * D:]}
    lim = 2.0 ** (bits - 1 - frac)
    heads = t["s0.l0.head_idx"]
    worst = 0.0
    for key in ("q", "k", "v"):
        got = t["s0.l0." + key].astype(np.float64) * 2.0 ** -frac   # [heads, N, dh]
        for hi, h in enumerate(heads):
            ref = proj[key][:, h * dh:(h + 1) * dh]
            ok = np.abs(ref) < lim - 2.0 ** -frac              # not saturated
            err = np.abs(got[hi] - ref)[ok]
            assert err.size > 0
            assert np.all(err <= 2.0 ** -(frac + 1) + 1e-6), (key, int(h), err.max())
            worst = max(worst, float(err.max()))
    print("%s: layer-0 Q/K/V match the checkpoint (worst %.2e, half LSB %.2e)"
          % (trace, worst, 2.0 ** -(frac + 1)))


if __name__ == "__main__":
    main()
