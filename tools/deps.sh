#!/usr/bin/env bash
# Installs the Debian packages spatten-sim needs, only those missing. Run as root (CI is).
set -euo pipefail
# python3-torch: the PyTorch cross-check of the trained checkpoints (tests/e2e/540, skipped without it)
pkgs=(gcc g++ make libcjson-dev libgtest-dev python3 python3-numpy python3-torch verilator yosys libsystemc-dev bc time)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "spatten: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "spatten: need root to install: apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
