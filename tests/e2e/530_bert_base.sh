#!/usr/bin/env bash
# 530_bert_base: the shipped BERT-base workload end to end: trace, info, and the file opens
# with a plain safetensors reader (NumPy only) with the documented tensors; simulated, its
# per-pass report rows tile the run and sum to the totals (one accounting path), and its output
# bytes are rows x 96 B (64 elements of 12 bits).
source "$(dirname "$0")/../lib.bash"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
"$SPATTEN" trace configs/workloads/bert-base.json -o "$d/bert-base.spt" -q || fail "trace bert-base"
"$SPATTEN" info "$d/bert-base.spt" | grep -q "12 layers x 12 heads x d_head 64; N 384" || fail "info"
"$PYTHON" - "$d/bert-base.spt" <<'P' || fail "safetensors read"
import json, sys
sys.path.insert(0, "tests/py")
import spt
t, meta = spt.load(sys.argv[1])
assert meta["format"] == "spatten-trace"
tr = json.loads(meta["trace"])
assert tr["layers"] == 12 and tr["n_prompt"] == 384, tr
assert t["s0.l0.q"].shape == (12, 384, 64), t["s0.l0.q"].shape
assert t["s0.l2.tok_idx"].shape == (323,), t["s0.l2.tok_idx"].shape   # ceil(0.84 * 384)
assert t["s0.l11.out"].dtype.kind == "i"
print("ok", len(t), "tensors")
P
"$SPATTEN" sim --hw configs/hw/spatten.json --trace "$d/bert-base.spt" --json "$d/r.json" -q \
    || fail "sim bert-base"
"$PYTHON" - "$d/r.json" <<'P' || fail "per-pass rows do not sum to the totals"
import json, sys
r = json.load(open(sys.argv[1]))
acc, ps = r["accelerator"], r["passes"]
assert ps[0]["start_cycle"] == 0
for a, b in zip(ps, ps[1:]):
    assert b["start_cycle"] == a["start_cycle"] + a["cycles"], (a["start_cycle"], b["start_cycle"])
assert sum(p["cycles"] for p in ps) == acc["cycles"]
for k in ("dram_read_bytes", "dram_write_bytes", "rows", "k_rows", "v_rows", "qk_macs", "pv_macs"):
    assert sum(p[k] for p in ps) == acc[k], k
for k in acc["bytes"]:
    assert sum(p["bytes"][k] for p in ps) == acc["bytes"][k], k
for m in acc["busy_cycles"]:
    assert sum(p["busy_cycles"][m] for p in ps) == acc["busy_cycles"][m], m
    assert sum(p["stall_cycles"][m] for p in ps) == acc["stall_cycles"][m], m
e = sum(p["energy_total_pj"] for p in ps)
assert abs(e - acc["energy_total_pj"]) <= 1e-9 * acc["energy_total_pj"], (e, acc["energy_total_pj"])
assert acc["bytes"]["out"] == acc["rows"] * 96, (acc["bytes"]["out"], acc["rows"])
P
exit 0
