#!/usr/bin/env bash
# `make bench`: runs every bench/[0-9]*.sh in order. Benchmarks measure; they never fail on time.
set -eu
BUILD=${BUILD:-build}
export BUILD SPATTEN="$PWD/$BUILD/spatten"
for b in bench/[0-9]*.sh; do
    [ -e "$b" ] || continue
    echo "== $b"
    bash "$b"
done
