#!/usr/bin/env bash
# Run by `make asan` after the sanitizer test run: the ASan+UBSan build and the normal build must
# write byte-identical reports and stats for the same inputs (issue 5: "make asan runs give
# identical reports").
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ROOT=$PWD
for wl in tiny tiny-gpt2 bert-base-glue; do
    for b in build build-asan; do          # same relative file names: reports quote them
        mkdir -p "$T/$b"
        (cd "$T/$b" &&
         "$ROOT/$b/spatten" trace "$ROOT/configs/workloads/$wl.json" -o "$wl.spt" -q &&
         "$ROOT/$b/spatten" sim --hw "$ROOT/configs/hw/spatten.json" --trace "$wl.spt" -q \
             --json "$wl.json" --csv "$wl.csv" --stats "$wl.txt" >/dev/null)
    done
    for ext in spt json csv txt; do
        cmp "$T/build/$wl.$ext" "$T/build-asan/$wl.$ext" || { echo "asan-identical: $wl.$ext differs"; exit 1; }
    done
    echo "asan-identical: $wl: trace, report JSON/CSV and stats identical"
done
