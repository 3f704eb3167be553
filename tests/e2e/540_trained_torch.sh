#!/usr/bin/env bash
# 540_trained_torch: the C reference model's dense float forward pass, output heads included,
# matches PyTorch on the shipped checkpoints (models/weights/*): logits within 1e-4 relative
# (tests/py/check_logits.py, float64 torch). Skips (exit 77) when python3-torch is missing.
source "$(dirname "$0")/../lib.bash"
"$PYTHON" -c "import torch" 2>/dev/null || { echo "skipped: python3-torch is not installed (make test installs it: tools/deps.sh)"; exit 77; }
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for m in gpt2:gpt2-kjv bert:bert-kjv; do
    wl=configs/workloads/${m%%:*}-trained.json ck=models/weights/${m#*:}
    "$SPATTEN" quality "$wl" --logits "$d/l.safetensors" || fail "logits $wl"
    "$PYTHON" tests/py/check_logits.py "$ck" "$ck/tokens.txt" "$d/l.safetensors" || fail "$wl: C logits differ from PyTorch"
done
exit 0
