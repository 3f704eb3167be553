#!/usr/bin/env bash
# 120_run: `spatten run` end to end on the tiny workload: golden check, report files, the
# analytical GPU figure against a hand calculation, byte-identical reruns, one-line errors;
# the workload name cannot steer the default report directory, paths are never truncated or
# defaulted when empty, and a failed stdout is exit 3.
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
# the default report directory is out/<workload name>, relative to the working directory
mkdir -p "$T/cwd"
(cd "$T/cwd" && "$SPATTEN" run "$ROOT/configs/workloads/tiny.json" -q >/dev/null) || fail "run without -o"
[ -s "$T/cwd/out/tiny/report.json" ] || fail "no out/tiny/report.json"
# a name that would escape out/ or break a CSV row / console line: exit 2, nothing written
FORM="is not allowed: use 1 to 63 characters from A-Z a-z 0-9 . _ + -, the first a letter or digit"
echo '{ "include": "'"$ROOT"'/configs/workloads/tiny.json", "name": "../../escaped" }' >"$T/trav.json"
(cd "$T/cwd" && expect_exit 2 "$SPATTEN" run "$T/trav.json" -q \
    && [ "$LAST_ERR" = "spatten: $T/trav.json: field 'name' = \"../../escaped\" $FORM" ]) \
    || fail "traversal name accepted or wrong message"
[ ! -e "$T/escaped" ] || fail "run wrote outside out/"
printf '%s\n' '{ "include": "'"$ROOT"'/configs/workloads/tiny.json", "name": "tiny,extra\nline" }' >"$T/comma.json"
expect_exit 2 "$SPATTEN" run "$T/comma.json" -q -o "$T/comma"
# (a control character is refused for every string field, before the name rule)
[ "$LAST_ERR" = "spatten: $T/comma.json: field 'name' holds the control character 0x0a at character 11" ] || fail "$LAST_ERR"
[ ! -e "$T/comma" ] || fail "a rejected workload left a report directory"

# empty option values are usage errors, not the defaults
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q --hw ""
[ "$LAST_ERR" = "spatten: run: --hw value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q --hw=
[ "$LAST_ERR" = "spatten: run: --hw value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q -o ""
[ "$LAST_ERR" = "spatten: run: -o value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q --out=
[ "$LAST_ERR" = "spatten: run: -o value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" run "" -q
[ "$LAST_ERR" = "spatten: run: WORKLOAD.json path is empty" ] || fail "$LAST_ERR"

# a long report path (over the old 1023-byte buffers) is used whole, not cut to a prefix
seg=$(printf 'd%.0s' $(seq 240))
long="$T/$seg/$seg/$seg/$seg/$seg"
[ ${#long} -gt 1200 ] || fail "test path too short: ${#long}"
"$SPATTEN" run configs/workloads/tiny.json -q -o "$long" >/dev/null || fail "long -o path"
[ -s "$long/report.json" ] && [ -s "$long/report.csv" ] || fail "reports not under the full long path"
[ -z "$(find "$T/$seg" -name 'report.json' ! -path "$long/report.json")" ] || fail "a report went elsewhere"
# one longer than any path can be: refused before any work, naming the option and the limit
huge=$(printf 'a%.0s' $(seq 5000))
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q -o "$huge"
[ "$LAST_ERR" = "spatten: run: -o value is too long (5000 bytes; at most 4065)" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q --hw "$huge"
[ "$LAST_ERR" = "spatten: run: --hw value is too long (5000 bytes; at most 4095)" ] || fail "$LAST_ERR"
SPATTEN_CONFIGS="$huge" expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q -o "$T/e"
[ "$LAST_ERR" = "spatten: run: the default hardware config path is too long (check \$SPATTEN_CONFIGS)" ] \
    || fail "$LAST_ERR"

# a workload the hardware cannot hold: the message names the workload file and the hw file
echo '{ "include": "'"$ROOT"'/configs/hw/spatten.json", "topk_max_n": 8 }' >"$T/small.json"
expect_exit 2 "$SPATTEN" run configs/workloads/tiny.json --hw "$T/small.json" -q -o "$T/f"
[ "$LAST_ERR" = "spatten: configs/workloads/tiny.json: top-k engine holds 8 values; the workload needs 16 (hardware $T/small.json)" ] \
    || fail "$LAST_ERR"

# the summary cannot be written (stdout on /dev/full): exit 3, one line
err=$("$SPATTEN" run configs/workloads/tiny.json -q -o "$T/g" 2>&1 >/dev/full); rc=$?
[ "$rc" -eq 3 ] && [ "$err" = "spatten: <stdout>: write failed: No space left on device" ] \
    || fail "run with stdout on /dev/full: exit $rc, '$err'"
# configs in a deep directory (paths past the old 255-byte fields) load whole; a resolved path
# longer than PATH_MAX is a one-line error naming the field, never a truncated path
deep="$T/$(printf 'd%.0s' $(seq 100))/$(printf 'e%.0s' $(seq 100))/$(printf 'f%.0s' $(seq 100))"
mkdir -p "$deep" && cp -r configs/hw configs/dram configs/energy configs/gpu "$deep/"
"$SPATTEN" run configs/workloads/tiny.json --hw "$deep/hw/spatten.json" -q -o "$T/deep" >/dev/null \
    || fail "run with configs under a ${#deep}-byte directory"
long="$(printf 'x%.0s' $(seq 4100)).json"
printf '{"include": "%s", "dram_config": "%s"}\n' "$deep/hw/spatten.json" "$long" > "$T/long.json"
expect_exit 2 "$SPATTEN" run configs/workloads/tiny.json --hw "$T/long.json" -q -o "$T/deep2"
[ "$LAST_ERR" = "spatten: $T/long.json: field 'dram_config': the path relative to this file is longer than 4095 bytes" ] \
    || fail "$LAST_ERR"
# the reports never replace an input: a workload named DIR/report.json with -o DIR is refused
mkdir -p "$T/ow" && cp configs/workloads/tiny.json "$T/ow/report.json"
expect_exit 1 "$SPATTEN" run "$T/ow/report.json" -o "$T/ow" -q
[ "$LAST_ERR" = "spatten: run: report '$T/ow/report.json' is also the workload file" ] || fail "$LAST_ERR"
cmp -s "$T/ow/report.json" configs/workloads/tiny.json || fail "the workload was changed"
exit 0
