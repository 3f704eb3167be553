#!/usr/bin/env bash
# 20_dram: DRAM requests simulated per second of wall time (docs/performance-dram.md).
#  - synthetic streams (--gen): 10 M sequential and 10 M random reads on the SpAtten HBM2
#    setting, so the figure measures the model, not text parsing;
#  - the text replay path (--stream) on a 2 M-line file, parsing included (the file is read as
#    it is replayed: no array of requests; a file of 1 MiB or more is parsed by a reader thread,
#    so its cpu time exceeds its wall time), with and without bank queues.
# Measures only; never fails on time. N overrides the request count. Sequential and text runs
# report the best of 3 (the machine may be shared), the random run a single run.
set -eu
SPATTEN=${SPATTEN:-$PWD/build/spatten}
N=${N:-10000000}
CFG=${CFG:-configs/dram/hbm2-spatten.json}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

measure() {  # measure LABEL COUNT REPS ARGS... : best of REPS runs (wall and cpu separately)
    local label=$1 count=$2 reps=$3; shift 3
    local TIMEFORMAT='%R %U %S' bw=inf bc=inf i
    for ((i = 0; i < reps; i++)); do
        { time "$SPATTEN" dram --config "$CFG" "$@" >"$T/out.txt"; } 2>"$T/time.txt"
        read -r wall user sys <"$T/time.txt"
        bw=$(awk -v a="$bw" -v b="$wall" 'BEGIN { print (a == "inf" || b < a) ? b : a }')
        bc=$(awk -v a="$bc" -v b="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" 'BEGIN { print (a == "inf" || b < a) ? b : a }')
    done
    awk -v l="$label" -v n="$count" -v w="$bw" -v c="$bc" -v r="$reps" '
        /^dram.bandwidth_pct / { bw = $3 }
        /^dram.cycles / { cyc = $3 }
        END { printf "%-28s %9d req  best of %d: wall %6.2f s %6.2f M req/s  cpu %6.2f s %6.2f M req/s  %8d clk  %5.1f %% of peak\n", l, n, r, w, n / w / 1e6, c, n / c / 1e6, cyc, bw }' "$T/out.txt"
}

echo "config $CFG; one core; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (wall time suffers when the machine is shared; cpu = user + sys)"
measure "gen seq (reads)" "$N" 3 --gen seq --count "$N"
# the same without per-bank command queues (the controller before issue 15; docs/dram.md 5)
case "$CFG" in /*) INC=$CFG ;; *) INC=$PWD/$CFG ;; esac
printf '{"include": "%s", "controller": {"bank_queue": 0, "drain_policy": "strict", "write_forwarding": false}}\n' "$INC" >"$T/nobq.json"
CFG0=$CFG; CFG=$T/nobq.json
measure "gen seq, no bank queues" "$N" 3 --gen seq --count "$N"
CFG=$CFG0
measure "gen random (reads)" "$N" 1 --gen random --count "$N" --seed 1
M=$((N / 5))
awk -v n="$M" 'BEGIN { for (i = 0; i < n; i++) printf "%d %x R\n", int(i / 16), i * 32 }' >"$T/seq.trc"
measure "text stream seq (parse+sim)" "$M" 3 --stream "$T/seq.trc"
CFG=$T/nobq.json
measure "text stream seq, no bank q." "$M" 3 --stream "$T/seq.trc"
CFG=$CFG0
