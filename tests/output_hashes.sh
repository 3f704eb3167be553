#!/usr/bin/env bash
# Prints the sha256 of every output file of a fixed set of runs, one "hash  name" per line.
# Used to prove that a restructuring changed no output byte: run it before and after the
# change (same checkout path, since reports name their config paths) and diff the lists.
# BIN may be another build (a copy of an older build/spatten, say).
#   bash tests/output_hashes.sh [BIN] > hashes.txt
# Runs: BERT-base and GPT-2-small `run --timeline --save-trace`; the tiny workloads on all
# three hw configs (`sim` with every output); a CSV timing-only run; `dram --gen` seq and
# random on each DRAM config; a small sweep. Takes about a minute on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/spatten}
# a fixed directory: reports and console lines name the files they read and write
W=${HASH_DIR:-/tmp/spatten-output-hashes}
rm -rf "$W" && mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

# q NAME CMD...: runs CMD, keeps its stdout as NAME.console (hashed too), fails loudly.
q() { local n=$1; shift; "$@" >"$W/$n.console" 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }; }

q run-bert "$BIN" run configs/workloads/bert-base.json -o "$W/run-bert" --timeline --save-trace -q
q run-gpt2 "$BIN" run configs/workloads/gpt2-small.json -o "$W/run-gpt2" --timeline --save-trace -q
for wl in tiny tiny-gpt2; do
    q trace-$wl "$BIN" trace configs/workloads/$wl.json -o "$W/$wl.spt" --csv "$W/$wl.csv" -q
    for hw in tiny spatten spatten-1-8; do
        q sim-$wl-$hw-q "$BIN" sim --hw configs/hw/$hw.json --trace "$W/$wl.spt" --json "$W/sim-$wl-$hw.json" \
            --csv "$W/sim-$wl-$hw.csv" --timeline "$W/sim-$wl-$hw.tl.json" --stats "$W/sim-$wl-$hw.stats" -q
        "$BIN" sim --hw configs/hw/$hw.json --trace "$W/$wl.spt" >"$W/sim-$wl-$hw.console" 2>&1
    done
done
q csv-tiny-gpt2 "$BIN" sim --hw configs/hw/spatten.json --workload-csv "$W/tiny-gpt2.csv" --json "$W/csv-tiny-gpt2.json" \
    --csv "$W/csv-tiny-gpt2.csv" --stats "$W/csv-tiny-gpt2.stats" -q
q trace-bert "$BIN" trace configs/workloads/bert-base.json -o "$W/bert.spt" --csv "$W/bert.csv" -q
q csv-bert "$BIN" sim --hw configs/hw/spatten.json --workload-csv "$W/bert.csv" --json "$W/csv-bert.json" -q
for d in configs/dram/*.json; do
    n=$(basename "$d" .json)
    for g in seq random; do
        "$BIN" dram --config "$d" --gen $g --count 20000 --read-pct 70 --json "$W/dram-$n-$g.json" >"$W/dram-$n-$g.txt"
    done
done
q sweep "$BIN" sweep configs/sweeps/example.json -j 2 -o "$W/sweep.csv"
rm -rf "$W/sweep.csv.d" "$W/last.err"
(cd "$W" && find . -type f | LC_ALL=C sort | xargs sha256sum)
