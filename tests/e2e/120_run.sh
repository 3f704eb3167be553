#!/usr/bin/env bash
# 120_run: `spatten run` end to end on the tiny workload: golden check, report files, the
# analytical GPU figure against a hand calculation, byte-identical reruns, one-line errors.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ROOT=$PWD
out=$("$SPATTEN" run configs/workloads/tiny.json -o "$T/a" -q --timeline) || fail "run exit $?"
echo "$out" | grep -q "^golden check: " || fail "no golden check line"
echo "$out" | grep -q "ANALYTICAL model of TITAN Xp" || fail "GPU column not labelled analytical"
for f in report.json report.csv timeline.json; do [ -s "$T/a/$f" ] || fail "missing $f"; done
"$PYTHON" - "$T/a/report.json" "$T/a/report.csv" <<'P' || fail "report content"
import csv, json, sys
r = json.load(open(sys.argv[1]))
w = r["workload"]
assert (w["layers"], w["heads"], w["d_head"], w["n_prompt"]) == (2, 2, 8, 16), w
# gpu-baseline.md, unfused, per layer: 4*N*D*b + 4*H*N^2*b with N=16, D=16, H=2, b=4 (fp32)
N, D, H, b, L = 16, 16, 2, 4, 2
want = L * (4 * N * D * b + 4 * H * N * N * b)      # = 24576 by hand
g = [x for x in r["gpu_baseline"] if x["kernel"] == "unfused"][0]
assert g["model"] == "analytical" and g["dram_bytes"] == want, g
a = r["accelerator"]
assert a["dram_read_bytes"] + a["dram_write_bytes"] > 0
assert abs(g["ratios"]["dram_reduction"] - want / (a["dram_read_bytes"] + a["dram_write_bytes"])) < 1e-9
# energy breakdown sums to the total; per-pass cycles sum to the total
total = 0.0
for v in a["energy_pj"].values(): total += v        # module order, as the report adds them
assert total == a["energy_total_pj"], (total, a["energy_total_pj"])
passes = r["passes"]
assert len(passes) == 2 and sum(p["cycles"] for p in passes) <= a["cycles"]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 2 and [int(x["layer"]) for x in rows] == [0, 1]
# cascade token pruning (tiny.json: keep 0.5 from layer 1): 16 tokens, then ceil(0.5*16) = 8
assert [p["tokens"] for p in passes] == [16, 8], [p["tokens"] for p in passes]
P
# same inputs, same bytes; time skipping off changes nothing
"$SPATTEN" run configs/workloads/tiny.json -o "$T/b" -q --no-skip >/dev/null || fail "rerun"
cmp -s "$T/a/report.json" "$T/b/report.json" || fail "report.json differs between runs"
cmp -s "$T/a/report.csv" "$T/b/report.csv" || fail "report.csv differs between runs"
# errors: one line, documented exit codes
expect_exit 1 "$SPATTEN" run --bogus
expect_exit 1 "$SPATTEN" run a.json b.json
expect_exit 3 "$SPATTEN" run "$T/missing.json"
echo '{ "name": "x", "model": "tiny", "n_prompt": 16, "colour": 1 }' >"$T/bad.json"
expect_exit 2 "$SPATTEN" run "$T/bad.json" -o "$T/c"
[ "$LAST_ERR" = "spatten: $T/bad.json: unknown field 'colour' in workload config" ] || fail "$LAST_ERR"
echo '{ "include": "'"$ROOT"'/configs/hw/spatten.json", "topk_comparators": 0 }' >"$T/hw.json"
expect_exit 2 "$SPATTEN" run configs/workloads/tiny.json --hw "$T/hw.json" -o "$T/c"
echo "$LAST_ERR" | grep -q "$T/hw.json: field 'topk_comparators' = 0 is out of range" || fail "$LAST_ERR"
# a hw file in another directory that includes the shipped one still finds its DRAM config
mkdir -p "$T/elsewhere"
echo '{ "include": "'"$ROOT"'/configs/hw/spatten.json", "name": "moved" }' >"$T/elsewhere/hw.json"
"$SPATTEN" run configs/workloads/tiny.json --hw "$T/elsewhere/hw.json" -o "$T/d" -q >/dev/null \
    || fail "included hw config did not resolve its paths against its own directory"
exit 0
