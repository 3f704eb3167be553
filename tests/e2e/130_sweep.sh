#!/usr/bin/env bash
# 130_sweep: `spatten sweep` runs the cross product, in point order, the same for any -j;
# points with the same workload share one cached trace; --resume reuses finished points;
# (stale and bad point files, locking and cleanup: 135_sweep_resume.sh);
# --slurm writes an array script; bad sweeps are one line: malformed JSON (checked against an
# independent parser), varied paths that cannot be set, contradictory or malformed options; failing
# points give one line naming the first one in point order, with its exit code, for any -j.
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
# resume: a finished point is not rerun (its point file is kept as is: a cycles value changed by
# hand, the file still well-formed and for the same inputs, reaches the result)
mark() {   # mark FILE: set the row's cycles cell (after point, workload and 2 varied cells) to 7
    sed -i '3s/^\([^,]*,[^,]*,[^,]*,[^,]*\),[^,]*,/\1,7,/' "$1"
}
mark "$T/r1.csv.d/point-00001.csv"
"$SPATTEN" sweep "$T/s.json" --resume -o "$T/r1.csv" >/dev/null || fail "resume"
grep -q "^1,tiny-gpt2,8,1,7," "$T/r1.csv" || fail "--resume reran a finished point"
"$SPATTEN" sweep "$T/s.json" --slurm -o "$T/r3.csv" >/dev/null || fail "slurm"
grep -q "^#SBATCH --array=0-3$" "$T/r3.csv.sbatch" || fail "sbatch array line"
# the script quotes its paths: a sweep file named with a space and a quote runs as a task
cp "$T/s.json" "$T/my sweep's.json"
"$SPATTEN" sweep "$T/my sweep's.json" --slurm -o "$T/r4.csv" >/dev/null || fail "slurm, odd name"
SLURM_ARRAY_TASK_ID=1 bash "$T/r4.csv.sbatch" >/dev/null 2>&1 || fail "the sbatch task did not run"
ls "$T/r4.csv.d/" | grep -q "point-00001" || fail "the sbatch task wrote no point 1"
# Slurm cannot quote #SBATCH --output, and expands '%' in it: such an output path is refused,
# as a bad option value (usage, exit 1) like every other, with nothing written
expect_exit 1 "$SPATTEN" sweep "$T/s.json" --slurm -o "$T/r%a.csv"
[ ! -e "$T/r%a.csv.d" ] || fail "a refused --slurm output path created OUT.d"
[ "$LAST_ERR" = "spatten: $T/r%a.csv: --slurm needs an output path without white space, quotes, backslashes or '%' (Slurm's #SBATCH --output cannot quote it)" ] \
    || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" sweep "$T/s.json" --slurm -o "$T/a b.csv"
# bad sweeps
echo '{ "hw": "x.json", "workloads": ["w.json"], "colour": 1 }' >"$T/bad1.json"
expect_exit 2 "$SPATTEN" sweep "$T/bad1.json" -o "$T/x.csv"
echo "$LAST_ERR" | grep -q "unknown field 'colour'" || fail "$LAST_ERR"
# an empty list is never a silent default (as for every list field of every config)
echo '{ "hw": "x.json", "workloads": [] }' >"$T/bad0.json"
expect_exit 2 "$SPATTEN" sweep "$T/bad0.json" -o "$T/x.csv"
echo "$LAST_ERR" | grep -q "field 'workloads' is an empty array" || fail "$LAST_ERR"
sed 's/"topk_comparators": \[8, 16\]/"topk_comparators": [8, 0]/' "$T/s.json" >"$T/bad2.json"
expect_exit 2 "$SPATTEN" sweep "$T/bad2.json" -o "$T/y.csv"
echo "$LAST_ERR" | grep -q "point 2: .*field 'topk_comparators' = 0 is out of range" || fail "$LAST_ERR"
# every shipped sweep loads: its points' hw and workload files are written and validated
for f in configs/sweeps/*.json; do
    "$SPATTEN" sweep "$f" --slurm -o "$T/shipped-$(basename "$f" .json).csv" >/dev/null \
        || fail "shipped sweep $f does not load"
done

HW="$ROOT/configs/hw/spatten.json"
WL="$ROOT/configs/workloads/tiny.json"
# the sweep file goes through the strict JSON check: text after the value, a leading zero
printf '{"hw": "%s", "workloads": ["%s"]} trailing garbage\n' "$HW" "$WL" >"$T/garbage.json"
expect_exit 2 "$SPATTEN" sweep "$T/garbage.json" --slurm -o "$T/g.csv"
col=$(( ${#HW} + ${#WL} + 31 ))     # 30 bytes of the text before the 't' besides the two paths
[ "$LAST_ERR" = "spatten: $T/garbage.json: malformed JSON at line 1, column $col: unexpected 't' after the JSON value" ] \
    || fail "message: $LAST_ERR"
printf '{"hw": "%s",\n "workloads": ["%s"],\n "vary_hw": {"topk_comparators": [08, 16]}}\n' "$HW" "$WL" >"$T/zero.json"
expect_exit 2 "$SPATTEN" sweep "$T/zero.json" --slurm -o "$T/g.csv"
[ "$LAST_ERR" = "spatten: $T/zero.json: malformed JSON at line 3, column 35: number with a leading zero" ] \
    || fail "message: $LAST_ERR"
# Differential check of the sweep loader against Python's json module, made strict where it is
# lax (bytes must be UTF-8; no NaN/Infinity; no lone surrogates) plus our documented limits
# (no \u0000, numbers of at most 63 characters, at most 64 levels): mutated texts are
# "malformed JSON" exactly when Python's verdict says so. Everything else fails later for
# another reason (the base text has an unknown field), never silently.
"$PYTHON" - "$T" "$SPATTEN" <<'P' || fail "JSON differential check"
import json, random, subprocess, sys
T, exe = sys.argv[1], sys.argv[2]
base = ('{"_comment": "caf\u00e9 \u20ac \U0001F600 \\u00e9 \\ud83d\\ude00 \\n",\n'
        ' "colour": [0, -1.5e-3, 2E+2, true, false, null, {"a": [[]]}, "x\\"y\\\\z"]}\n').encode()
pieces = [b'\\u', b'\\ud800', b'\\udc00', b'\\u0000', b'\\x', b'\\', b'"', b'0', b'01', b'-', b'.',
          b'e', b'1.', b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xe2\x82\xac',
          b'\xef\xbb\xbf', b'{', b'[', b'}', b']', b',', b':', b'tru', b'NaN', b'\x00', b'\x0c',
          b'\x7f', b'\xff', b'1' * 64, b'[' * 70]
def strict_ok(b):
    try:
        s = b.decode('utf-8')                    # rejects overlongs, surrogates, > U+10FFFF
    except UnicodeDecodeError:
        return False
    def bad(_): raise ValueError('constant')
    def num(t):
        if len(t) > 63: raise ValueError('long number')
        return float(t)
    try:
        v = json.loads(s, parse_constant=bad, parse_int=num, parse_float=num)
    except (ValueError, RecursionError):
        return False
    def walk(x, depth):
        if isinstance(x, str):
            return '\0' not in x and not any(0xD800 <= ord(c) <= 0xDFFF for c in x)
        if isinstance(x, (list, dict)):
            if depth >= 64: return False
            items = list(x.items()) if isinstance(x, dict) else [(None, e) for e in x]
            return all((k is None or walk(k, depth)) and walk(e, depth + 1) for k, e in items)
        return True
    return walk(v, 0)
rnd = random.Random(130)
def mutated():
    b = bytearray(base)
    for _ in range(rnd.choice([1, 1, 2, 3])):
        pos = rnd.randrange(len(b))
        op = rnd.randrange(5)
        if op == 0: b[pos] = rnd.randrange(256)
        elif op == 1: b[pos:pos] = rnd.choice(pieces)
        elif op == 2: b[pos:pos] = bytes([rnd.randrange(0x21)])
        elif op == 3: b[pos:pos] = rnd.choice([b' ', b'\t', b'\n', b'\r', b'7', b'a', b'\xc3\xa9'])
        else: del b[pos:pos + rnd.randint(1, 3)]
    return b
# every lead byte from 0x80 with second bytes at the edges of RFC 3629's table, followed by
# continuation bytes; every byte after a backslash; then random mutations of the base text
def seqlen(lead):    # length a lead byte announces (bits 110xxxxx, 1110xxxx, 11110xxx)
    return 2 if lead >> 5 == 6 else 3 if lead >> 4 == 14 else 4 if lead >> 3 == 30 else 2
edge = [b'{"hw": "' + bytes([lead, second]) + b'\x80' * (seqlen(lead) - 2) + b'"}'
        for lead in range(0x80, 0x100)
        for second in (0x22, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0)]
edge += [b'{"hw": "\\' + bytes([c]) + b'"}' for c in range(256)]
ok = bad = 0
for b in edge + [mutated() for _ in range(400)]:
    f = f"{T}/fz.json"
    open(f, "wb").write(bytes(b))
    r = subprocess.run([exe, "sweep", f, "--slurm", "-o", f"{T}/fz.csv"], capture_output=True)
    err = r.stderr.decode('utf-8', 'replace')
    assert r.returncode == 2 and err.count("\n") == 1, (bytes(b), r.returncode, err)
    want = strict_ok(bytes(b))
    got = "malformed JSON at line" not in err
    assert want == got, (bytes(b), want, err)
    ok += want; bad += not want
assert ok > 250 and bad > 1200, (ok, bad)
P
# varied paths that a point file cannot hold are errors naming the sweep and the field (the
# 'include' one used to run identical points under a column that claimed they differed)
vary() {   # vary NAME JSON-OBJECT-MEMBERS: a sweep file with those vary_* members
    printf '{"hw": "%s", "workloads": ["%s"], %s}\n' "$HW" "$WL" "$2" >"$T/$1.json"
}
vary inc '"vary_hw": {"include.x": [1, 2]}'
expect_exit 2 "$SPATTEN" sweep "$T/inc.json" -o "$T/inc.csv"
[ "$LAST_ERR" = "spatten: $T/inc.json: field 'vary_hw.include.x': 'include' cannot be varied or entered (the base config comes from the sweep's 'hw' field)" ] \
    || fail "message: $LAST_ERR"
[ ! -e "$T/inc.csv" ] && [ ! -e "$T/inc.csv.d" ] || fail "a rejected sweep left output"
vary inc2 '"vary_workload": {"include": ["a.json"]}'
expect_exit 2 "$SPATTEN" sweep "$T/inc2.json" -o "$T/inc.csv"
echo "$LAST_ERR" | grep -qF "field 'vary_workload.include': 'include' cannot be varied" || fail "$LAST_ERR"
vary com '"vary_workload": {"policy._comment": ["a", "b"]}'
expect_exit 2 "$SPATTEN" sweep "$T/com.json" -o "$T/inc.csv"
[ "$LAST_ERR" = "spatten: $T/com.json: field 'vary_workload.policy._comment': '_comment' is a comment, which the config loader ignores" ] \
    || fail "message: $LAST_ERR"
vary scal '"vary_hw": {"topk_comparators.x": [1, 2]}'
expect_exit 2 "$SPATTEN" sweep "$T/scal.json" -o "$T/inc.csv"
[ "$LAST_ERR" = "spatten: $T/scal.json: field 'vary_hw.topk_comparators.x': 'topk_comparators' is not an object, so it has no field 'x'" ] \
    || fail "message: $LAST_ERR"
vary unk '"vary_workload": {"polcy.v_keep": [0.5]}'
expect_exit 2 "$SPATTEN" sweep "$T/unk.json" -o "$T/inc.csv"
[ "$LAST_ERR" = "spatten: $T/unk.json: field 'vary_workload.polcy.v_keep': 'polcy' is not a field of the workload config" ] \
    || fail "message: $LAST_ERR"
vary ovl '"vary_workload": {"policy.v_keep": [0.5], "policy": [1]}'
expect_exit 2 "$SPATTEN" sweep "$T/ovl.json" -o "$T/inc.csv"
[ "$LAST_ERR" = "spatten: $T/ovl.json: field 'vary_workload.policy' overlaps the varied field 'vary_workload.policy.v_keep' (one lies inside the other)" ] \
    || fail "message: $LAST_ERR"
vary dots '"vary_workload": {"policy..v_keep": [0.5]}'
expect_exit 2 "$SPATTEN" sweep "$T/dots.json" -o "$T/inc.csv"
echo "$LAST_ERR" | grep -qF "field 'vary_workload.policy..v_keep': bad field path" || fail "$LAST_ERR"

# contradictory or malformed options: usage errors (exit 1, one line), nothing created
for args in "--point 0 --collect" "--slurm --point 0" "--slurm --collect" "--resume --collect" \
            "--resume --slurm" "-j 2 --point 0" "-j 2 --collect" "-j 1 --slurm" \
            "--point=" "--point abc" "--point -1" "--point 1x" "--point 4" "--point 0 --point 1" \
            "-j=" "-j 0" "-j 257" "-j 2x" "-j +2" "-j 99999999999999999999" "-j 1 -j 2" \
            "-o $T/other.csv" "--out="; do
    # shellcheck disable=SC2086
    expect_exit 1 "$SPATTEN" sweep "$T/s.json" $args -o "$T/opt.csv"
    [ ! -e "$T/opt.csv.d" ] || fail "'$args' created output"
done
expect_exit 1 "$SPATTEN" sweep "$T/s.json" --point 0 --collect -o "$T/opt.csv"
[ "$LAST_ERR" = "spatten: sweep: --collect cannot be combined with --point (--collect assembles every point)" ] \
    || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN" sweep "$T/s.json" --point "" -o "$T/opt.csv"
[ "$LAST_ERR" = "spatten: sweep: --point takes a point number in [0, 99999], not ''" ] || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN" sweep "$T/s.json" --point 4 -o "$T/opt.csv"
[ "$LAST_ERR" = "spatten: sweep: --point 4 is out of range [0, 3]" ] || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN" sweep "$T/s.json" -j "" -o "$T/opt.csv"
[ "$LAST_ERR" = "spatten: sweep: -j takes a whole number in [1, 256], not ''" ] || fail "message: $LAST_ERR"
# --point runs that point (again, unless --resume finds it done)
"$SPATTEN" sweep "$T/s.json" --point 2 -o "$T/pt.csv" >/dev/null || fail "--point 2"
[ -f "$T/pt.csv.d/point-00002.csv" ] && [ ! -e "$T/pt.csv.d/point-00001.csv" ] || fail "--point 2 files"
mark "$T/pt.csv.d/point-00002.csv"
"$SPATTEN" sweep "$T/s.json" --point 2 --resume -o "$T/pt.csv" >/dev/null || fail "--point --resume"
grep -q "^2,tiny-gpt2,16,0.5,7," "$T/pt.csv.d/point-00002.csv" || fail "--point --resume reran a finished point"
"$SPATTEN" sweep "$T/s.json" --point 2 -o "$T/pt.csv" >/dev/null || fail "--point rerun"
grep -q "^2,tiny-gpt2,16,0.5,7," "$T/pt.csv.d/point-00002.csv" && fail "--point without --resume kept the old row"

# failing points: one line for the first failing point in point order, whatever -j, with its
# exit code (docs: 3 I/O, 4 simulation error) and the count; each message in OUT.d/*.err
printf '{"hw": "%s", "workloads": ["%s"], "vary_hw": {"watchdog_cycles": [1, 2, 3]}}\n' "$HW" "$WL" >"$T/wd.json"
for j in 1 2 3; do
    rm -rf "$T/wd.csv.d"
    expect_exit 4 "$SPATTEN" sweep "$T/wd.json" -j "$j" -o "$T/wd.csv"
    case "$LAST_ERR" in
        "spatten: $T/wd.json: point 0: deadlock: no DRAM completion for 1 DRAM cycles at cycle "*" (3 of 3 points run failed; each failed point's message is in $T/wd.csv.d/point-NNNNN.err)") ;;
        *) fail "-j $j message: $LAST_ERR" ;;
    esac
    [ "$j" -eq 1 ] && first=$LAST_ERR
    [ "$LAST_ERR" = "$first" ] || fail "-j $j message differs from -j 1: $LAST_ERR"
    for p in 0 1 2; do
        grep -q "^deadlock: no DRAM completion for $((p + 1)) DRAM cycles" "$T/wd.csv.d/point-0000$p.err" \
            || fail "-j $j: point $p's message is not in its .err file"
    done
    [ ! -e "$T/wd.csv" ] || fail "a failed sweep wrote the CSV"
done
# a point that fails with an I/O error (its weights file is missing: exit 3) before points that
# deadlock (exit 4), and the other way round; the one point that succeeds (watchdog 100000,
# synthetic inputs) leaves its row and no .err file
printf '{"include": "%s", "weights": "missing.safetensors", "tokens": "missing.txt"}\n' "$WL" >"$T/wlw.json"
for order in '"weights", "synthetic"' '"synthetic", "weights"'; do
    printf '{"hw": "%s", "workloads": ["wlw.json"], "vary_hw": {"watchdog_cycles": [1, 100000]}, "vary_workload": {"source": [%s]}}\n' \
        "$HW" "$order" >"$T/mix.json"
    for j in 1 4; do
        rm -rf "$T/mix.csv.d"
        case "$order" in
            '"weights"'*) want=3; good=3; what="$T/missing.txt: cannot open: No such file or directory" ;;
            *) want=4; good=2; what="deadlock: no DRAM completion for 1 DRAM cycles at cycle " ;;
        esac
        expect_exit "$want" "$SPATTEN" sweep "$T/mix.json" -j "$j" -o "$T/mix.csv"
        case "$LAST_ERR" in
            "spatten: $T/mix.json: point 0: $what"*"(3 of 4 points run failed; each failed point's message is in $T/mix.csv.d/point-NNNNN.err)") ;;
            *) fail "order $order, -j $j: $LAST_ERR" ;;
        esac
        ls "$T/mix.csv.d"/*.err | wc -l | grep -qx 3 || fail "order $order, -j $j: want 3 .err files"
        [ -f "$T/mix.csv.d/point-0000$good.csv" ] && [ ! -e "$T/mix.csv.d/point-0000$good.err" ] \
            || fail "order $order, -j $j: the successful point"
    done
done
expect_exit 4 "$SPATTEN" sweep "$T/wd.json" --point 1 -o "$T/wd.csv"
echo "$LAST_ERR" | grep -q ": point 1: deadlock: .*(1 of 1 point run failed; " || fail "$LAST_ERR"
# outputs never replace inputs: -o naming the sweep file or a config it uses is refused
cp "$T/s.json" "$T/self.json"
expect_exit 1 "$SPATTEN" sweep "$T/self.json" -o "$T/self.json"
[ "$LAST_ERR" = "spatten: sweep: -o file '$T/self.json' is also the sweep file" ] || fail "$LAST_ERR"
cmp -s "$T/s.json" "$T/self.json" || fail "the sweep file was changed"
# a line break in a path cannot be written into the --slurm script
mkdir -p "$T/a
b" && cp "$T/s.json" "$T/a
b/s.json"
sed -i "s#\"$T/#\"$T/#" "$T/a
b/s.json"
expect_exit 1 "$SPATTEN" sweep "$T/a
b/s.json" --slurm -o "$T/nl.csv"
case "$LAST_ERR" in *"--slurm cannot write a path with a control character (byte 0x0a) into the script") ;;
    *) fail "$LAST_ERR" ;; esac
# a varied string value is written whole into the CSV (it was cut at 127 bytes)
longdir="$T/$(printf 'p%.0s' $(seq 150))"
mkdir -p "$longdir" && cp configs/dram/hbm2.json "$longdir/" && cp configs/dram/hbm2-spatten.json "$longdir/d.json"
printf '{"hw": "%s", "workloads": ["%s"], "vary_hw": {"dram_config": ["%s"]}}\n' "$HW" "$WL" "$longdir/d.json" >"$T/cell.json"
"$SPATTEN" sweep "$T/cell.json" -o "$T/cell.csv" >/dev/null || fail "long cell sweep"
grep -qF ",$longdir/d.json," "$T/cell.csv" || fail "the CSV cell was cut"
exit 0
