#!/usr/bin/env bash
# run_rtl_test.sh OUT CASES SEED - the `make rtl-test` body (rtl/rtl.mk): lockstep RTL vs C model.
#  1. serial engine (rtl/topk/topk.v, TOPK_SERIAL): main build (W=32, max_n 2048, 16
#     comparators, 16 lanes, FIFO 4): edge cases + CASES seeded random jobs (n up to 2048, half
#     of the streams with random back-pressure); small build (W=8, max_n 64, P 4, L 3, FIFO 1):
#     edge cases + 2000 random;
#  2. pipelined engine (rtl/topk/topk_pipe.v, TOPK_PIPELINED): main build as above with CASES
#     random jobs in streams of 1..6; pipe_small, pipe_p2 (P 2, L 1, FIFO 2), pipe_p32 (P 32,
#     L 8, FIFO 3, 16-bit keys): edge cases + 2000 random each;
#  3. broken builds (serial: TOPK_BROKEN, TOPK_BROKEN_TIE; pipelined: the same two and
#     TOPK_BROKEN_BANKS2, TOPK_BROKEN_FREE, TOPK_BROKEN_EMBANK): the harness MUST report a
#     divergence for each;
#  4. a VCD dump of one small job of each main build must be written.
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
run "$out/pipe_main/lockstep" --edge --cases "$cases" --seed "$((seed + 2))"
run "$out/pipe_small/lockstep" --edge --cases 2000 --seed "$((seed + 3))"
run "$out/pipe_p2/lockstep" --edge --cases 2000 --seed "$((seed + 4))"
run "$out/pipe_p32/lockstep" --edge --cases 2000 --seed "$((seed + 5))"
for v in broken broken_tie pipe_broken pipe_broken_tie pipe_banks2 pipe_free pipe_embank; do
    if "$out/$v/lockstep" --expect-diverge --cases 500 --seed "$seed" 2>&1 | tail -2; then
        echo "rtl-test: the deliberately wrong RTL ($v) was caught by the harness"
    else
        echo "rtl-test: FAILED: the wrong RTL variant $v was NOT caught"
        fail=1
    fi
done
for b in main pipe_main; do
    vcd=$out/$b/example.vcd
    rm -f "$vcd"
    if "$out/$b/lockstep" --cases 1 --max-n 40 --seed 5 --vcd "$vcd" >/dev/null && [ -s "$vcd" ] \
       && grep -q 'dbg_state' "$vcd"; then
        echo "rtl-test: waveform written to $vcd"
    else
        echo "rtl-test: FAILED: --vcd did not write a waveform ($b)"
        fail=1
    fi
done
if [ "$fail" -ne 0 ]; then
    echo "rtl-test: FAILED (see above)"
    exit 1
fi
echo "rtl-test: $total cases, all cycles agree"
