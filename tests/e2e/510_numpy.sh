#!/usr/bin/env bash
# 510_numpy: NumPy (an independent implementation) recomputes attention from the traces' Q/K/V
# and checks the golden outputs within the documented fixed-point bound, the LSB re-fetch
# decisions, and the dense float model within 1e-6 relative (tests/py/check_trace.py).
source "$(dirname "$0")/../lib.bash"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
W=$PWD/configs/workloads
"$PYTHON" -c "import numpy" || fail "NumPy missing: apt-get install python3-numpy"
# progressive quantisation + token/head pruning, no local V (its subset is checked in C, 720_model)
printf '{"include": "%s/tiny-gpt2.json", "policy": {"local_v": false}}' "$W" >"$d/g.json"
"$SPATTEN" trace "$d/g.json" -o "$d/g.spt" --float-dump "$d/g.f64" -q || fail "trace g"
"$PYTHON" tests/py/check_trace.py "$d/g.spt" --float "$d/g.f64" || fail "numpy check (gpt2 tiny)"
# Attention Pruning static block mask
printf '{"include": "%s/tiny-gpt2.json", "n_prompt": 40, "policy": {"name": "ap", "ap_block": 4}}' "$W" >"$d/ap.json"
"$SPATTEN" trace "$d/ap.json" -o "$d/ap.spt" -q || fail "trace ap"
"$PYTHON" tests/py/check_trace.py "$d/ap.spt" || fail "numpy check (ap)"
# bidirectional, larger: 4 heads x d 32, 96 tokens, static entropy head pruning
printf '{"model": "custom", "arch": "bert", "layers": 3, "heads": 4, "d_model": 128, "n_prompt": 96, "policy": {"name": "head-entropy", "head_ratio": 0.5}}' >"$d/b.json"
"$SPATTEN" trace "$d/b.json" -o "$d/b.spt" --float-dump "$d/b.f64" -q || fail "trace b"
"$PYTHON" tests/py/check_trace.py "$d/b.spt" --float "$d/b.f64" || fail "numpy check (bert custom)"
exit 0
