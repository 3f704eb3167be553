#!/usr/bin/env bash
# Installs the Debian packages spatten-sim needs, only those missing. Run as root (CI is).
set -euo pipefail
pkgs=(gcc g++ make libcjson-dev libgtest-dev python3 python3-numpy verilator yosys libsystemc-dev bc time)
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
