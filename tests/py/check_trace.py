"""Recompute attention from a .spt trace's fixed-point Q/K/V with NumPy and check the golden
outputs against the documented error bound (docs/number-formats.md, "Error bound"):

  |out * 2^-frac - o| <= 2^-(frac+1) + (2^-(pb+1) + 2e-6) * sum_j |v_j|      (per element)

where o is the float64 attention of the dequantised Q, K (MSB-only K for rows that did not
re-fetch LSBs), V over the pass's unmasked keys. Also checks the LSB re-fetch decisions within
one probability step. Rows under local-V pruning are skipped (their V subset is a top-k of the
quantised probabilities, checked bit-exactly by the C test 530_model).

With --float FILE (a `spatten trace --float-dump`), recomputes the dense float model's attention
from its F64 Q/K/V and requires agreement within 1e-6 relative.
usage: check_trace.py TRACE.spt [--float DUMP]
"""
import json
import sys

import numpy as np

import spt


def softmax(s, mask):
    s = np.where(mask, -np.inf, s)
    m = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / np.sum(e, axis=-1, keepdims=True)


def check_trace(path):
    t, meta = spt.load(path)
    assert meta["format"] == "spatten-trace", meta["format"]
    tr = json.loads(meta["trace"])
    fm = json.loads(meta["formats"])
    pol = tr["policy"]
    frac, pb, lsb_bits, d = fm["frac"], fm["prob_bits"], fm["k_lsb_bits"], fm["d"]
    causal = tr["causal"]
    thr = np.floor(pol["pq_threshold"] * 2 ** pb + 0.5)
    cache = {}
    worst = 0.0
    rows_checked = 0
    passes = t["passes"]
    for step, layer in passes:
        pre = "s%d.l%d." % (step, layer)
        tok, qpos, new, heads = (t[pre + k] for k in ("tok_idx", "q_pos", "new_pos", "head_idx"))
        for hi, h in enumerate(heads):
            for r, p in enumerate(new):
                cache[(layer, int(h), int(p))] = (t[pre + "k"][hi, r], t[pre + "v"][hi, r])
        n = len(tok)
        blk = t.get(pre + "blk_mask")
        for hi, h in enumerate(heads):
            K = np.array([cache[(layer, int(h), int(p))][0] for p in tok], dtype=np.int64)
            V = np.array([cache[(layer, int(h), int(p))][1] for p in tok], dtype=np.float64) * 2.0 ** -frac
            Kmsb = (K >> lsb_bits) << lsb_bits
            Q = t[pre + "q"][hi].astype(np.int64)
            out = t[pre + "out"][hi].astype(np.float64) * 2.0 ** -frac
            for r in range(len(qpos)):
                mask = np.zeros(n, dtype=bool)
                if causal:
                    mask |= tok > qpos[r]
                if blk is not None:
                    B = pol["mask_block"]
                    mask |= blk[r // B][np.arange(n) // B].astype(bool)
                scale = 2.0 ** (-2 * frac) / np.sqrt(d)
                if pol["progressive"]:
                    pm = softmax((Kmsb @ Q[r]).astype(np.float64) * scale, mask)
                    ref = t[pre + "lsb_refetch"][hi, r]
                    pmax = pm.max() * 2 ** pb
                    if ref:
                        assert pmax <= thr + 1, (pre, h, r, pmax, thr)
                    else:
                        assert pmax >= thr - 1, (pre, h, r, pmax, thr)
                    Kr = K if ref else Kmsb
                else:
                    Kr = K
                if pol["local_v"]:
                    continue
                pr = softmax((Kr @ Q[r]).astype(np.float64) * scale, mask)
                o = pr @ V
                bound = 2.0 ** -(frac + 1) + (2.0 ** -(pb + 1) + 2e-6) * np.sum(np.abs(V[~mask]), axis=0)
                err = np.abs(out[r] - o)
                assert np.all(err <= bound + 1e-12), (pre, int(h), r, err.max(), bound.min())
                worst = max(worst, float(np.max(err / bound)))
                rows_checked += 1
    print("%s: %d passes, %d rows checked, worst error %.3f of the bound"
          % (path, len(passes), rows_checked, worst))
    return rows_checked


def check_float(path):
    t, meta = spt.load(path)
    causal = meta["causal"] == "true"
    worst = 0.0
    names = sorted(k[:-2] for k in t if k.endswith(".q"))
    for nm in names:
        q, k, v, out = (t[nm + s] for s in (".q", ".k", ".v", ".out"))
        n, d = q.shape
        mask = np.triu(np.ones((n, n), dtype=bool), 1) if causal else np.zeros((n, n), dtype=bool)
        o = softmax(q @ k.T / np.sqrt(d), mask) @ v
        rel = np.max(np.abs(o - out)) / max(np.max(np.abs(o)), 1e-300)
        assert rel <= 1e-6, (nm, rel)
        worst = max(worst, rel)
    print("%s: %d heads, worst relative error %.2e (limit 1e-6)" % (path, len(names), worst))


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    if "--float" in args:
        i = args.index("--float")
        check_float(args[i + 1])
        del args[i:i + 2]
    for a in args:
        if check_trace(a) == 0:
            sys.exit("%s: no output row was checked" % a)
