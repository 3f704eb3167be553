#!/usr/bin/env bash
# 130_sweep: `spatten sweep` runs the cross product, in point order, the same for any -j;
# points with the same workload share one cached trace; --resume reuses finished points;
# --slurm writes an array script; bad sweeps are one line.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ROOT=$PWD
cat >"$T/s.json" <<JSON
{ "hw": "$ROOT/configs/hw/spatten.json",
  "workloads": ["$ROOT/configs/workloads/tiny-gpt2.json"],
  "vary_hw": { "topk_comparators": [8, 16] },
  "vary_workload": { "policy.v_keep": [0.5, 1.0] } }
JSON
"$SPATTEN" sweep "$T/s.json" -o "$T/r1.csv" >/dev/null || fail "sweep -j1"
"$SPATTEN" sweep "$T/s.json" -j 2 -o "$T/r2.csv" >/dev/null || fail "sweep -j2"
cmp -s "$T/r1.csv" "$T/r2.csv" || fail "-j 2 result differs from -j 1"
"$PYTHON" - "$T/r1.csv" <<'P' || fail "sweep content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["point"] for r in rows] == ["0", "1", "2", "3"], rows
# last axis varies fastest: (8,0.5) (8,1.0) (16,0.5) (16,1.0)
assert [r["workload"] for r in rows] == ["tiny-gpt2"] * 4
assert [(r["hw.topk_comparators"], r["wl.policy.v_keep"]) for r in rows] == \
    [("8", "0.5"), ("8", "1"), ("16", "0.5"), ("16", "1")], rows
c = {(r["hw.topk_comparators"], r["wl.policy.v_keep"]): r for r in rows}
# generation: keeping every V row fetches more than keeping half (summarization fetches the
# union over all query rows, so there local V saves compute, not traffic); comparators change
# timing, not traffic
assert int(c[("8", "1")]["dram_read_bytes"]) > int(c[("8", "0.5")]["dram_read_bytes"])
assert c[("8", "0.5")]["dram_read_bytes"] == c[("16", "0.5")]["dram_read_bytes"]
# fewer comparators: the top-k engine is slower, never faster
assert int(c[("8", "0.5")]["cycles"]) >= int(c[("16", "0.5")]["cycles"])
P
# one trace per distinct workload (two v_keep values), shared by the hardware variations; the
# -j 1 run's results (computed from the model or the cache) equal a run with no cache at all
n=$(ls "$T/r1.csv.d"/trace-*.spt | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 cached traces, found $n"
for p in 0 1 2 3; do
    "$SPATTEN" run "$T/r1.csv.d/point-0000$p-workload.json" --hw "$T/r1.csv.d/point-0000$p-hw.json" \
        -o "$T/direct$p" -q >/dev/null || fail "direct run of point $p"
    cyc=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['accelerator']['cycles'])" \
          "$T/direct$p/report.json")
    grep -q "^$p,tiny-gpt2,[^,]*,[^,]*,$cyc," "$T/r1.csv" || fail "point $p: sweep cycles differ from a direct run ($cyc)"
done
# resume: a finished point is not rerun (its row file is kept as is)
echo "sentinel" >>"$T/r1.csv.d/point-00001.csv"
"$SPATTEN" sweep "$T/s.json" --resume -o "$T/r1.csv" >/dev/null || fail "resume"
grep -q sentinel "$T/r1.csv" || fail "--resume reran a finished point"
"$SPATTEN" sweep "$T/s.json" --slurm -o "$T/r3.csv" >/dev/null || fail "slurm"
grep -q "^#SBATCH --array=0-3$" "$T/r3.csv.sbatch" || fail "sbatch array line"
# bad sweeps
echo '{ "hw": "x.json", "workloads": [], "colour": 1 }' >"$T/bad1.json"
expect_exit 2 "$SPATTEN" sweep "$T/bad1.json" -o "$T/x.csv"
echo "$LAST_ERR" | grep -q "unknown field 'colour'" || fail "$LAST_ERR"
sed 's/"topk_comparators": \[8, 16\]/"topk_comparators": [8, 0]/' "$T/s.json" >"$T/bad2.json"
expect_exit 2 "$SPATTEN" sweep "$T/bad2.json" -o "$T/y.csv"
echo "$LAST_ERR" | grep -q "point 2: .*field 'topk_comparators' = 0 is out of range" || fail "$LAST_ERR"
# every shipped sweep loads: its points' hw and workload files are written and validated
for f in configs/sweeps/*.json; do
    "$SPATTEN" sweep "$f" --slurm -o "$T/shipped-$(basename "$f" .json).csv" >/dev/null \
        || fail "shipped sweep $f does not load"
done
exit 0
