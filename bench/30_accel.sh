#!/usr/bin/env bash
# 30_accel: simulator speed of the full, data-carrying accelerator simulation (golden check on).
# For BERT-base-384 and GPT-2-small 992+32: trace generation (not timed), then `spatten sim`
# timed (wall and user CPU seconds, one core), and simulated accelerator cycles per second.
# Goal (issue 5): >= 50 M simulated cycles/s and a full GPT-2-small run in < 10 s on one core.
# Benchmarks measure; they never fail on time. Results: docs/performance-accel.md.
set -eu
SPATTEN=${SPATTEN:-$PWD/build/spatten}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf "%-22s %14s %10s %10s %14s %s\n" workload cycles wall_s user_s Mcycles/s_user mode
for w in bert-base gpt2-small; do
    "$SPATTEN" trace "configs/workloads/$w.json" -o "$T/$w.spt" -q --no-error
    for mode in skip no-skip; do
        flag=""; [ "$mode" = no-skip ] && flag="--no-skip"
        TIMEFORMAT="%R %U"
        { time "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/$w.spt" -q $flag \
              --stats "$T/$w.$mode.txt" >/dev/null; } 2>"$T/time"
        read -r wall user <"$T/time"
        cyc=$(sed -n 's/^accel\.cycles *= *\([0-9]*\).*/\1/p' "$T/$w.$mode.txt")
        rate=$(awk -v c="$cyc" -v u="$user" 'BEGIN { printf "%.2f", (u > 0 ? c / u / 1e6 : 0) }')
        printf "%-22s %14s %10s %10s %14s %s\n" "$w" "$cyc" "$wall" "$user" "$rate" "$mode"
    done
    cmp -s "$T/$w.skip.txt" "$T/$w.no-skip.txt" && echo "  ($w: stats identical with and without time skipping)" \
        || echo "  ($w: WARNING stats differ between skip and no-skip)"
done
