#!/usr/bin/env bash
# 200_dram_cli: `spatten dram` replays a stream file, prints and writes the statistics, is
# deterministic (with and without idle-cycle skipping), and rejects bad input with one line.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CFG=configs/dram/hbm2.json

expect_exit 0 "$SPATTEN" dram --help

# 3 reads (one closed-bank miss, one hit, one in another channel) and 1 write
cat >"$T/s.trc" <<'TRC'
# cycle address op
0 0x0 R
0 0x200 R
10 0x40 R
20 0x0 W
TRC
"$SPATTEN" dram --config "$CFG" --stream "$T/s.trc" --json "$T/out.json" >"$T/out.txt" || fail "replay failed"
grep -q '^dram.reads  *= 3 ' "$T/out.txt" || fail "want 3 reads: $(grep dram.reads "$T/out.txt")"
grep -q '^dram.writes  *= 1 ' "$T/out.txt" || fail "want 1 write"
grep -q '^dram.row_hits  *= 2 ' "$T/out.txt" || fail "want 2 row hits (read 0x200, write 0x0)"
# closed bank: 1 + tRCD 14 + CL 14 + BL/2 2 = 31 cycles (reads of 0x0 and 0x40); the hit
# 0x200 queued behind 0x0 issues tCCD_L = 2 later: 33. Sum 31 + 33 + 31 = 95.
grep -q '^dram.read_latency_max  *= 33 ' "$T/out.txt" || fail "want max read latency 33"
grep -q '^dram.read_latency_sum  *= 95 ' "$T/out.txt" || fail "want read latency sum 95"
"$PYTHON" - "$T/out.json" <<'PY' || fail "json check"
import json, sys
j = json.load(open(sys.argv[1]))
s = j["stats"]
assert s["dram.reads"] == 3 and s["dram.bytes_read"] == 192, s
assert j["config"]["timing"]["tRCDRD"] == 14
parts = sum(s["dram.energy_%s_pj" % k] for k in ("act", "rd", "wr", "ref", "bg", "io"))
assert abs(parts - s["dram.energy_total_pj"]) <= 1e-9 * s["dram.energy_total_pj"], (parts, s["dram.energy_total_pj"])
PY
ls "$T"/out.json.tmp.* >/dev/null 2>&1 && fail "temporary file left behind"

# determinism: same bytes run to run, and with skipping off
"$SPATTEN" dram --config configs/dram/hbm2-spatten.json --gen random --count 3000 --read-pct 60 --interval 1 >"$T/a.txt" || fail "random run"
"$SPATTEN" dram --config configs/dram/hbm2-spatten.json --gen random --count 3000 --read-pct 60 --interval 1 >"$T/b.txt" || fail "second random run"
"$SPATTEN" dram --config configs/dram/hbm2-spatten.json --gen random --count 3000 --read-pct 60 --interval 1 --no-skip --exhaustive >"$T/c.txt" || fail "no-skip run"
rd=$(sed -n 's/^dram\.reads *= *\([0-9]*\).*/\1/p' "$T/a.txt")
wr=$(sed -n 's/^dram\.writes *= *\([0-9]*\).*/\1/p' "$T/a.txt")
[ -n "$rd" ] && [ -n "$wr" ] && [ $((rd + wr)) -eq 3000 ] || fail "reads $rd + writes $wr != the 3000 requested"
# 60% reads of 3000: 1800, binomial sd ~27; allow 3.3 sd
[ "$rd" -ge 1710 ] && [ "$rd" -le 1890 ] || fail "reads $rd far from 60% of 3000"
cmp -s "$T/a.txt" "$T/b.txt" || fail "two runs differ"
cmp -s "$T/a.txt" "$T/c.txt" || fail "skipping changes the stats"

# usage errors: exit 1
expect_exit 1 "$SPATTEN" dram --stream "$T/s.trc"
expect_exit 1 "$SPATTEN" dram --config "$CFG"
expect_exit 1 "$SPATTEN" dram --config "$CFG" --gen zigzag --count 3
expect_exit 1 "$SPATTEN" dram --config "$CFG" --gen seq
expect_exit 1 "$SPATTEN" dram --config "$CFG" --stream "$T/s.trc" --bogus

# numeric options: decimal digits only, overflow and range checked, one line naming the option
# and the allowed range (exit 1); documented bounds: --count <= 10^8, (count - 1) x interval
# <= 10^9. `timeout` turns a regression back into a hang into a failure.
badopt() {  # badopt EXPECTED-SUBSTRING ARGS...
    local want=$1; shift
    expect_exit 1 timeout 20 "$SPATTEN" dram --config "$CFG" "$@"
    case "$LAST_ERR" in "spatten: dram: $want"*) ;; *) fail "$*: got: $LAST_ERR; want: $want";; esac
}
for v in ' 5' '+5' '5 ' '0x5' '' '-1' '1e3' '99999999999999999999' '18446744073709551616' '100000001'; do
    badopt "--count wants a whole number in [0, 100000000], got '$v'" --gen seq --count "$v"
done
for v in '+1' ' 1' '-1' '18446744073709551616' 'x'; do
    badopt "--seed wants a whole number in [0, 18446744073709551615], got '$v'" --gen seq --count 2 --seed "$v"
done
for v in '+5' ' 5' '101' '18446744073709551717' ''; do
    badopt "--read-pct wants a whole number in [0, 100], got '$v'" --gen seq --count 2 --read-pct "$v"
done
for v in '18446744073709551615' '1000000001' '+3' ' 3'; do
    badopt "--interval wants a whole number in [0, 1000000000], got '$v'" --gen seq --count 3 --interval "$v"
done
badopt "--count 3 with --interval 500000001 puts the last request past cycle 1000000000 (want (count - 1) x interval in [0, 1000000000])" \
    --gen seq --count 3 --interval 500000001
badopt "--count 100000000 with --interval 11 puts the last request past cycle 1000000000" \
    --gen random --count 100000000 --interval 11
# the last allowed values are accepted and run (3 requests, the last at cycle 10^9)
"$SPATTEN" dram --config "$CFG" --gen seq --count 3 --interval 500000000 --seed 18446744073709551615 \
    --read-pct 0 >"$T/gmax.txt" || fail "generator at the bounds"
grep -q '^dram.writes  *= 3 ' "$T/gmax.txt" || fail "want 3 writes (--read-pct 0)"
cyc=$(sed -n 's/^dram\.cycles *= *\([0-9]*\).*/\1/p' "$T/gmax.txt")
[ -n "$cyc" ] && [ "$cyc" -gt 1000000000 ] && [ "$cyc" -lt 1000000100 ] || fail "dram.cycles '$cyc' not just past 10^9"

# bad stream lines: exit 2, one line naming file and line
bad() {  # bad LINE2 EXPECTED-SUBSTRING
    printf '0 0x0 R\n%s\n' "$1" >"$T/bad.trc"
    expect_exit 2 "$SPATTEN" dram --config "$CFG" --stream "$T/bad.trc"
    case "$LAST_ERR" in *"$T/bad.trc:2: $2"*) ;; *) fail "got: $LAST_ERR; want: $2";; esac
}
bad "5 0xG0 R" "bad hex address '0xG0'"
bad "5 0x40 X" "unknown operation 'X' (want R or W)"
bad "5 0x40" "missing field"
bad "0x5 0x40 R" "bad cycle '0x5'"
bad "5 0x1000000000 R" "address 0x1000000000 is beyond the capacity 0x100000000"
# cycles are capped at 10^9 DRAM clocks (docs/dram.md section 9): a longer number is out of range,
# not "want a decimal number", and the replay never starts (10^19 clocks used to run for years)
bad "1000000001 0x40 R" "cycle 1000000001 is out of range [0, 1000000000]"
bad "99999999999999999999 0x40 R" "cycle 99999999999999999999 is out of range [0, 1000000000]"
bad "9999999999999999999 0x40 R" "cycle 9999999999999999999 is out of range [0, 1000000000]"
# the last allowed cycle replays (an idle gap of 10^9 clocks: well under a second when skipping)
printf '0 0x0 R\n1000000000 0x40 R\n' >"$T/max.trc"
timeout 60 "$SPATTEN" dram --config "$CFG" --stream "$T/max.trc" >"$T/max.txt" || fail "replay up to cycle 10^9"
grep -q '^dram.reads  *= 2 ' "$T/max.txt" || fail "want 2 reads at the cycle bound"
cyc=$(sed -n 's/^dram\.cycles *= *\([0-9]*\).*/\1/p' "$T/max.txt")
[ -n "$cyc" ] && [ "$cyc" -gt 1000000000 ] && [ "$cyc" -lt 1000000100 ] || fail "dram.cycles '$cyc' not just past 10^9"
printf '9 0x0 R\n5 0x40 R\n' >"$T/bad.trc"
expect_exit 2 "$SPATTEN" dram --config "$CFG" --stream "$T/bad.trc"
case "$LAST_ERR" in *"bad.trc:2: cycle 5 is before the previous request's cycle 9"*) ;; *) fail "$LAST_ERR";; esac
# a file of over 1 MiB is parsed by a reader thread (docs/performance-dram.md; unit 355 compares
# it with the inline reader): every request arrives (counts by hand), and a bad line near the
# end is the usual one-line error naming its line
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d %x R\n", int(i / 8), i * 64 }' >"$T/big.trc"
[ "$(stat -c %s "$T/big.trc")" -gt 1048576 ] || fail "big.trc is not over 1 MiB"
"$SPATTEN" dram --config "$CFG" --stream "$T/big.trc" >"$T/big.txt" || fail "big stream"
grep -q '^dram.stream_requests  *= 100000 ' "$T/big.txt" || fail "want 100000 requests: $(grep stream_requests "$T/big.txt")"
grep -q '^dram.reads  *= 100000 ' "$T/big.txt" || fail "want 100000 reads"
{ head -n 99000 "$T/big.trc"; echo "12374 0x40 Q"; tail -n 1000 "$T/big.trc"; } >"$T/bigbad.trc"
expect_exit 2 "$SPATTEN" dram --config "$CFG" --stream "$T/bigbad.trc"
case "$LAST_ERR" in *"bigbad.trc:99001: "*) ;; *) fail "big stream, bad line: $LAST_ERR";; esac
# a NUL byte is a bad line too, found when the reader gets there (no whole-file pre-pass):
# in the big file's line 99500, as the first byte of its address
{ head -n 99499 "$T/big.trc"; printf '12437 \0x40 R\n'; tail -n 500 "$T/big.trc"; } >"$T/bignul.trc"
expect_exit 2 "$SPATTEN" dram --config "$CFG" --stream "$T/bignul.trc"
[ "$LAST_ERR" = "spatten: $T/bignul.trc:99500: contains a NUL byte (not a text stream)" ] \
    || fail "big stream, NUL byte: $LAST_ERR"
# a stream file truncated by another process while it is replayed (it is mapped): a one-line
# I/O error, exit 3, never a bus error. Timing decides whether the cut lands mid-replay (the
# usual case: about 0.2 s of replay, cut after 0.05 s), before the file is opened (then a short
# file: exit 0 or a bad last line, exit 2) or after the end (exit 0); a crash fails in each case.
awk 'BEGIN { for (i = 0; i < 3000000; i++) printf "%d %x R\n", int(i / 16), i * 32 }' >"$T/cut.trc"
"$SPATTEN" dram --config configs/dram/hbm2-spatten.json --stream "$T/cut.trc" >/dev/null 2>"$T/cut.err" &
pid=$!
sleep 0.05
truncate -s 100000 "$T/cut.trc"
wait "$pid"; rc=$?
case $rc in
    3) grep -qx "spatten: $T/cut.trc: the file shrank while it was being replayed (a stream file must not change during the run)" "$T/cut.err" \
           || fail "truncated stream, exit 3: $(cat "$T/cut.err")" ;;
    0|2) ;;
    *) fail "truncated stream: exit $rc: $(cat "$T/cut.err")" ;;
esac
rm -f "$T/cut.trc"

# bad config: exit 2 naming file and field
sed 's/"tRP": 14/"tRP": 14, "tRPX": 3/' "$CFG" >"$T/badcfg.json"
expect_exit 2 "$SPATTEN" dram --config "$T/badcfg.json" --stream "$T/s.trc"
case "$LAST_ERR" in *"badcfg.json: unknown field 'timing.tRPX'"*) ;; *) fail "$LAST_ERR";; esac
sed 's/"burst_length": 4/"burst_length": 6/' "$CFG" >"$T/badcfg.json"
expect_exit 2 "$SPATTEN" dram --config "$T/badcfg.json" --stream "$T/s.trc"
case "$LAST_ERR" in *"field 'org.burst_length' = 6 must be a power of two"*) ;; *) fail "$LAST_ERR";; esac

# unwritable --json: I/O error, exit 3, no partial output
expect_exit 3 "$SPATTEN" dram --config "$CFG" --stream "$T/s.trc" --json "$T/no/such/dir/out.json"

# missing stream file: I/O error, exit 3
expect_exit 3 "$SPATTEN" dram --config "$CFG" --stream "$T/nope.trc"

# generator options with a stream file would be ignored: a usage error; an empty path, or an
# output that names an input, likewise (nothing is read or written)
printf '0 0x0 R\n' >"$T/one.trc"
for opt in "--count 5" "--seed 2" "--interval 3" "--read-pct 50"; do
    expect_exit 1 "$SPATTEN" dram --config "$CFG" --stream "$T/one.trc" $opt
    [ "$LAST_ERR" = "spatten: dram: --count, --seed, --interval and --read-pct shape a --gen stream; a --stream file gives its own requests" ] \
        || fail "$opt: $LAST_ERR"
done
expect_exit 1 "$SPATTEN" dram --config "" --gen seq --count 3
[ "$LAST_ERR" = "spatten: dram: --config value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" dram --config "$CFG" --stream "$T/one.trc" --json "$T/one.trc"
[ "$LAST_ERR" = "spatten: dram: --json file '$T/one.trc' is also the --stream file" ] || fail "$LAST_ERR"
[ "$(cat "$T/one.trc")" = "0 0x0 R" ] || fail "the stream was changed"
# --dram-trace: `spatten run` and `spatten sim` export the accelerator's DRAM request stream in
# the --stream format; replaying it with the machine's DRAM config and the arrival cycles kept
# reproduces every DRAM statistic of the run (the accelerator's last DRAM request, the output
# write, ends its run, so even dram.cycles, refresh and energy agree)
"$SPATTEN" run configs/workloads/tiny-gpt2.json -q -o "$T/run" --save-trace --dram-trace "$T/run.trc" >/dev/null \
    || fail "run --dram-trace"
[ -s "$T/run.trc" ] || fail "empty DRAM trace"
ls "$T"/run.trc.tmp.* >/dev/null 2>&1 && fail "temporary file left behind"
"$SPATTEN" dram --config configs/dram/hbm2-spatten.json --stream "$T/run.trc" --json "$T/replay.json" >/dev/null \
    || fail "replay of the exported stream"
"$PYTHON" - "$T/run/report.json" "$T/replay.json" <<'PY' || fail "replay differs from the run"
import json, sys
run = json.load(open(sys.argv[1]))["stats"]
rep = json.load(open(sys.argv[2]))["stats"]
keys = [k for k in run if k.startswith("dram.")]
assert len(keys) > 50 and run["dram.reads"] > 0 and run["dram.writes"] > 0, keys
bad = [(k, run[k], rep.get(k)) for k in keys if rep.get(k) != run[k]]
assert not bad, bad
PY
"$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/run/trace.spt" -q --json "$T/sim.json" \
    --dram-trace "$T/sim.trc" >/dev/null || fail "sim --dram-trace"
cmp -s "$T/run.trc" "$T/sim.trc" || fail "run and sim export different DRAM streams"
"$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/run/trace.spt" -q --json "$T/sim2.json" --no-skip \
    --dram-trace "$T/sim2.trc" >/dev/null || fail "sim --no-skip --dram-trace"
cmp -s "$T/run.trc" "$T/sim2.trc" || fail "skipping idle cycles changes the exported DRAM stream"
expect_exit 1 "$SPATTEN" run configs/workloads/tiny.json -q -o "$T/run2" --dram-trace ""
[ "$LAST_ERR" = "spatten: run: --dram-trace value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/run/trace.spt" --dram-trace "$T/run/trace.spt"
case "$LAST_ERR" in *"--dram-trace file"*"--trace file"*) ;; *) fail "$LAST_ERR";; esac
expect_exit 3 "$SPATTEN" run configs/workloads/tiny.json -q -o "$T/run3" --dram-trace "$T/no/such/dir/d.trc"
[ -e "$T/run3/report.json" ] && fail "reports written although the DRAM trace could not be"
echo "ok"
