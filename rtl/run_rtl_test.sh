#!/usr/bin/env bash
# run_rtl_test.sh OUT CASES SEED - the `make rtl-test` body (rtl/rtl.mk): lockstep RTL vs C model.
#  1. main build (W=32, max_n 2048, 16 comparators, 16 lanes, FIFO 4): edge cases + CASES
#     seeded random cases (n up to 2048, k in [1, n], half of them with random back-pressure);
#  2. small build (W=8, max_n 64, 4 comparators, 3 lanes, FIFO 1): edge cases + 2000 random;
#  3. broken builds (TOPK_BROKEN: off-by-one pass length; TOPK_BROKEN_TIE: wrong tie rule):
#     the harness MUST report a divergence for each;
#  4. a VCD dump of one small job must be written.
# Prints "rtl-test: N cases, all cycles agree" and exits 0 only if all of these hold.
set -u
out=$1 cases=$2 seed=$3
fail=0 total=0
run() {   # run BIN ARGS...: prints the harness summary, adds its case count
    local log rc n
    log=$("$@" 2>&1); rc=$?
    printf '%s\n' "$log" | tail -20
    n=$(printf '%s\n' "$log" | sed -n 's/.*\]: \([0-9]*\) cases.*/\1/p' | tail -1)
    total=$((total + ${n:-0}))
    [ "$rc" -eq 0 ] || fail=1
}
run "$out/main/lockstep" --edge --cases "$cases" --seed "$seed"
run "$out/small/lockstep" --edge --cases 2000 --seed "$((seed + 1))"
for v in broken broken_tie; do
    if "$out/$v/lockstep" --expect-diverge --cases 500 --seed "$seed" 2>&1 | tail -2; then
        echo "rtl-test: the deliberately wrong RTL ($v) was caught by the harness"
    else
        echo "rtl-test: FAILED: the wrong RTL variant $v was NOT caught"
        fail=1
    fi
done
vcd=$out/main/example.vcd
rm -f "$vcd"
if "$out/main/lockstep" --cases 1 --max-n 40 --seed 5 --vcd "$vcd" >/dev/null && [ -s "$vcd" ] \
   && grep -q 'dbg_state' "$vcd"; then
    echo "rtl-test: waveform written to $vcd"
else
    echo "rtl-test: FAILED: --vcd did not write a waveform"
    fail=1
fi
if [ "$fail" -ne 0 ]; then
    echo "rtl-test: FAILED (see above)"
    exit 1
fi
echo "rtl-test: $total cases, all cycles agree"
