#!/usr/bin/env bash
# 800_sim: `spatten sim` end to end on reference-model traces: golden check passes, reports are
# written, skipping on/off gives byte-identical reports and stats, the authors' CSV runs timing
# only, and every error is one line with the documented exit code.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROOT=$PWD

"$SPATTEN" trace configs/workloads/tiny-gpt2.json -o "$T/g.spt" --csv "$T/g.csv" -q || fail "trace"
out=$("$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --json "$T/a.json" \
      --csv "$T/a.csv" --timeline "$T/tl.json" --stats "$T/a.txt") || fail "sim exit $?"
echo "$out" | grep -q "golden check" || fail "no golden-check line in: $out"
for f in a.json a.csv tl.json a.txt; do [ -s "$T/$f" ] || fail "missing $f"; done
"$PYTHON" -c "import json,sys; json.load(open('$T/tl.json')); json.load(open('$T/a.json'))" || fail "bad JSON"

# time skipping off: identical reports and stats
"$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" -q --no-skip --json "$T/b.json" \
    --csv "$T/b.csv" --stats "$T/b.txt" >/dev/null || fail "no-skip run"
cmp -s "$T/a.json" "$T/b.json" || fail "JSON differs with --no-skip"
cmp -s "$T/a.csv" "$T/b.csv" || fail "CSV differs with --no-skip"
cmp -s "$T/a.txt" "$T/b.txt" || fail "stats differ with --no-skip"

# the tiny-FIFO machine gives the same golden values
"$SPATTEN" sim --hw configs/hw/tiny.json --trace "$T/g.spt" -q >/dev/null || fail "tiny machine"

# authors' CSV: timing only
out=$("$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/g.csv" -q) || fail "csv mode"

# errors: one line, documented exit codes
expect_exit 1 "$SPATTEN" sim --trace "$T/g.spt"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --workload-csv "$T/g.csv"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json
expect_exit 3 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/does-not-exist.spt"
echo '{ "include": "'"$ROOT"'/configs/hw/spatten.json", "qk_latency": 0 }' >"$T/bad.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/bad.json" --trace "$T/g.spt"
echo "$LAST_ERR" | grep -q "qk_latency" || fail "bad field not named: $LAST_ERR"
cat >"$T/wd.json" <<JSON
{ "include": "$ROOT/configs/hw/spatten.json", "watchdog_cycles": 5,
  "dram_config": "$ROOT/configs/dram/hbm2-spatten.json", "energy_config": "", "gpu_config": "" }
JSON
expect_exit 4 "$SPATTEN" sim --hw "$T/wd.json" --trace "$T/g.spt" -q
echo "$LAST_ERR" | grep -q "deadlock: no progress for 5 cycles" || fail "watchdog message: $LAST_ERR"
echo "$LAST_ERR" | grep -q "qk.in" || fail "watchdog dump lacks FIFOs: $LAST_ERR"
exit 0
