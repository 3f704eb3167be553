#!/usr/bin/env bash
# 530_bert_base: the shipped BERT-base workload end to end: trace, info, and the file opens
# with a plain safetensors reader (NumPy only) with the documented tensors.
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
exit 0
