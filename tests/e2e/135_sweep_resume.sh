#!/usr/bin/env bash
# 135_sweep_resume: what --resume, --collect and a second sweep may trust in OUT.d.
# Every point file carries the hash of its point's inputs; --resume recomputes a point whose
# sweep file or base configs changed (and says so) and a point file that is not exactly one
# valid row for that point; --collect refuses both. Two sweeps on one output: the second gets
# one line (the lock). A killed -j sweep leaves no point process running, and the next run
# removes the temp files it left. The reference for every result is a fresh sweep of the same
# file into another output: a resumed result must equal it byte for byte.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
BG=
trap '[ -n "$BG" ] && kill -9 $BG 2>/dev/null; rm -rf "$T"' EXIT
ROOT=$PWD
HW="$ROOT/configs/hw/spatten.json"
cp "$ROOT/configs/workloads/tiny-gpt2.json" "$T/wl.json"

sweep() {   # sweep NAME VARY_HW_MEMBERS: a sweep file over $T/wl.json
    printf '{"hw": "%s", "workloads": ["wl.json"], "vary_hw": {%s}}\n' "$HW" "$2" >"$T/$1.json"
}
fresh() {   # fresh SWEEP: the reference result of SWEEP.json, computed from nothing
    rm -rf "$T/ref.csv" "$T/ref.csv.d"
    "$SPATTEN" sweep "$T/$1.json" -o "$T/ref.csv" >/dev/null || fail "fresh sweep of $1"
}
resume() {  # resume SWEEP: --resume into $T/r.csv; stdout in $T/out.txt
    "$SPATTEN" sweep "$T/$1.json" --resume -o "$T/r.csv" >"$T/out.txt" || fail "--resume of $1"
}

sweep s '"topk_comparators": [8, 16]'
"$SPATTEN" sweep "$T/s.json" -o "$T/r.csv" >/dev/null || fail "first sweep"
head -1 "$T/r.csv.d/point-00001.csv" | grep -Eq '^# spatten-sweep point 1 inputs [0-9a-f]{16}$' \
    || fail "point file line 1: $(head -1 "$T/r.csv.d/point-00001.csv")"

# 2. stale points. Other axis values: point 1 is recomputed, point 0 is kept.
sweep s '"topk_comparators": [8, 32]'
resume s
grep -q "^point 1: $T/r.csv.d/point-00001.csv: its inputs changed since it was computed" "$T/out.txt" \
    || fail "resume did not say that point 1 is stale: $(cat "$T/out.txt")"
grep -q "^point 0:" "$T/out.txt" && fail "resume recomputed point 0, whose inputs did not change"
fresh s && cmp -s "$T/r.csv" "$T/ref.csv" || fail "other axis values: the resumed result differs from a fresh one"
# another varied field (whose values leave the inputs as they were: the columns changed)
sweep s '"watchdog_cycles": [100000, 200000]'
resume s
[ "$(grep -c "computing it again" "$T/out.txt")" -eq 2 ] || fail "another field: $(cat "$T/out.txt")"
fresh s && cmp -s "$T/r.csv" "$T/ref.csv" || fail "another varied field: the resumed result differs from a fresh one"
# a base config changed (an edited n_prompt)
grep -q '"n_prompt"' "$T/wl.json" || fail "the test workload has no n_prompt"
sed -i 's/"n_prompt": *[0-9]*/"n_prompt": 20/' "$T/wl.json"
resume s
[ "$(grep -c "its inputs changed" "$T/out.txt")" -eq 2 ] || fail "edited n_prompt: $(cat "$T/out.txt")"
fresh s && cmp -s "$T/r.csv" "$T/ref.csv" || fail "edited base config: the resumed result differs from a fresh one"
good=$(cat "$T/r.csv.d/point-00000.csv")

# 3. bad point files: recomputed by --resume, refused by --collect (exit 2, one line, no result)
row=$(sed -n 3p "$T/r.csv.d/point-00000.csv")
for bad in garbage empty duplicate other cut; do
    f="$T/r.csv.d/point-00000.csv"
    printf '%s\n' "$good" >"$f"
    case $bad in
        garbage)   echo "garbage line" >>"$f"; why="it has more than one row" ;;
        empty)     : >"$f"; why="the file is empty" ;;
        duplicate) echo "$row" >>"$f"; why="it has more than one row" ;;
        other)     sed -i '3s/^0,/1,/' "$f"; why="line 3 is not this point's row" ;;
        cut)       printf '%s' "$(head -c -5 "$f")" >"$f"; why="line 3 does not end with a line break (a cut file)" ;;
    esac
    rm -f "$T/r.csv"
    expect_exit 2 "$SPATTEN" sweep "$T/s.json" --collect -o "$T/r.csv"
    [ "$LAST_ERR" = "spatten: $T/r.csv: point 0: $why (run it again, or use --resume)" ] || fail "$bad: $LAST_ERR"
    [ ! -e "$T/r.csv" ] || fail "$bad: --collect wrote a result"
    resume s
    grep -q "^point 0: $T/r.csv.d/point-00000.csv: $why; computing it again$" "$T/out.txt" \
        || fail "$bad: resume said: $(cat "$T/out.txt")"
    cmp -s "$T/r.csv" "$T/ref.csv" || fail "$bad: the resumed result differs from a fresh one"
done
rm "$T/r.csv.d/point-00001.csv"
expect_exit 3 "$SPATTEN" sweep "$T/s.json" --collect -o "$T/r.csv"
[ "$LAST_ERR" = "spatten: $T/r.csv: point 1: it has no result (run it again, or use --resume)" ] || fail "$LAST_ERR"

# 4. the output is locked: a second sweep on it gets one line (exit 3) and writes nothing
hold() {    # hold -x|-s DIR: a process (pid in BG) that holds flock(2) on DIR until killed
    bash -c 'exec 9<"$2" && flock "$1" 9 && exec sleep 30' _ "$1" "$2" &
    BG=$!
}
hold -x "$T/r.csv.d"
for i in $(seq 50); do flock -n "$T/r.csv.d" true || break; sleep 0.1; done
cp "$T/r.csv.d/point-00000.csv" "$T/p0.before"
for args in "" "--resume" "--collect" "--slurm" "--point 0"; do
    # shellcheck disable=SC2086
    expect_exit 3 "$SPATTEN" sweep "$T/s.json" $args -o "$T/r.csv"
    [ "$LAST_ERR" = "spatten: $T/r.csv.d: another sweep is writing this output (it holds the lock on the directory); wait for it to end, or choose another -o" ] \
        || fail "lock, '$args': $LAST_ERR"
done
cmp -s "$T/p0.before" "$T/r.csv.d/point-00000.csv" || fail "a locked-out sweep changed a point file"
kill -9 $BG; wait $BG 2>/dev/null; BG=
# the same with two real sweeps: while one runs (slow points), a second on its output is refused
printf '{"hw": "%s", "workloads": ["%s"], "vary_hw": {"topk_comparators": [8, 16]}}\n' \
    "$HW" "$ROOT/configs/workloads/gpt2-small.json" >"$T/slow.json"
"$SPATTEN" sweep "$T/slow.json" -o "$T/two.csv" >/dev/null 2>&1 &
BG=$!
for i in $(seq 100); do [ -e "$T/two.csv.d/point-00001-workload.json" ] && break; sleep 0.05; done
expect_exit 3 "$SPATTEN" sweep "$T/slow.json" --resume -o "$T/two.csv"
echo "$LAST_ERR" | grep -q "another sweep is writing this output" || fail "two sweeps: $LAST_ERR"
kill -9 $BG; wait $BG 2>/dev/null; BG=
# array tasks of one job (--point) share the lock with each other
hold -s "$T/r.csv.d"
for i in $(seq 50); do flock -n "$T/r.csv.d" true || break; sleep 0.1; done
"$SPATTEN" sweep "$T/s.json" --point 1 -o "$T/r.csv" >/dev/null || fail "--point beside another --point"
kill -9 $BG; wait $BG 2>/dev/null; BG=

# 5. a killed sweep: its point processes die with it, and the next run removes its temp files
"$SPATTEN" sweep "$T/slow.json" -j 2 -o "$T/slow.csv" >/dev/null 2>&1 &
BG=$!
for i in $(seq 100); do [ -e "$T/slow.csv.d/point-00001.err" ] && break; sleep 0.05; done
[ -e "$T/slow.csv.d/point-00001.err" ] || fail "the -j 2 sweep started no point process"
kill -9 $BG; wait $BG 2>/dev/null; BG=
sleep 0.5
pgrep -f "sweep $T/slow.json" >/dev/null && fail "point processes outlived the killed sweep: $(pgrep -af "sweep $T/slow.json")"
touch "$T/r.csv.d/point-00000.csv.tmp.AbC123" "$T/r.csv.d/trace-0123456789abcdef.spt.tmp.x1Y2z3" \
      "$T/r.csv.tmp.Qw3rty" "$T/keep.tmp.Qw3rty"
resume s
grep -qx "removed 3 temporary files left by an interrupted sweep" "$T/out.txt" || fail "cleanup: $(cat "$T/out.txt")"
ls "$T/r.csv.d" "$T" | grep -q "r.csv.*\.tmp\." && fail "temp files are left: $(ls "$T/r.csv.d" "$T")"
[ -e "$T/keep.tmp.Qw3rty" ] || fail "cleanup removed a file that is not the sweep's"

# exit codes: a file the sweep file names that does not exist is an I/O error (exit 3), as for
# run, sim, info and trace
printf '{"hw": "%s", "workloads": ["nope.json"]}\n' "$HW" >"$T/missing.json"
expect_exit 3 "$SPATTEN" sweep "$T/missing.json" -o "$T/m.csv"
[ "$LAST_ERR" = "spatten: $T/missing.json: field 'workloads[0]': cannot open $T/nope.json: No such file or directory" ] \
    || fail "$LAST_ERR"
printf '{"hw": "%s/nohw.json", "workloads": ["wl.json"]}\n' "$T" >"$T/missing2.json"
expect_exit 3 "$SPATTEN" sweep "$T/missing2.json" -o "$T/m.csv"
expect_exit 3 "$SPATTEN" run "$T/nope.json" -o "$T/m"
exit 0
