#!/usr/bin/env bash
# Trains both shipped checkpoints (models/weights/{gpt2,bert}-kjv) from scratch, one torch thread
# each, one after the other. Installs what it needs (Debian packages) when missing.
# Wall time on the project machine (2 shared cores): about 15 + 12 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
for p in python3-torch python3-numpy bible-kjv libopenblas0-serial; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "train: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
/usr/bin/python3 tools/train/train.py gpt --steps 300 --seed 1 --out models/weights/gpt2-kjv
/usr/bin/python3 tools/train/train.py bert --steps 1400 --lr 0.001 --seed 1 --out models/weights/bert-kjv
