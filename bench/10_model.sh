#!/usr/bin/env bash
# 10_model: wall-clock and CPU time of the C reference model writing a trace, for BERT-base-384
# and GPT-2-small 992+32 (target: well under a minute each on 2 cores), with and without the
# dense float model that the --stats output-error statistic needs. Measures; never fails on time.
set -eu
SPATTEN=${SPATTEN:-$PWD/build/spatten}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for wl in bert-base gpt2-small; do
    for mode in trace stats; do
        args=(-q); [ "$mode" = stats ] && args=(--stats)
        s=$(date +%s.%N)
        /usr/bin/time -f "%U %S %M" -o "$d/t" "$SPATTEN" trace "configs/workloads/$wl.json" -o "$d/$wl.spt" "${args[@]}" >"$d/out"
        e=$(date +%s.%N)
        read -r u sy mem <"$d/t"
        printf '%-12s %-6s wall %6.2f s  cpu %6.2f s  max rss %5d MB  trace %4d MB\n' "$wl" "$mode" \
            "$(echo "$e - $s" | bc)" "$(echo "$u + $sy" | bc)" $((mem / 1024)) \
            $(( $(stat -c %s "$d/$wl.spt") / 1048576 ))
        [ "$mode" = stats ] && grep -E "output error|LSB" "$d/out" | sed 's/^/    /'
    done
done
