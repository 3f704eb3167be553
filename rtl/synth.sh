#!/usr/bin/env bash
# synth.sh OUTDIR - `make rtl-synth`: Yosys synthesis of rtl/topk to generic gates, the serial
# engine (topk.v) and the pipelined one (topk_pipe.v), for 8, 16 and 32 comparators, printing
# cell counts and the longest topological path (Yosys `ltp -noff`: gate levels between
# flip-flops/ports, an estimate of the critical path, not a timing analysis). Configuration:
# W = 32-bit keys, MAX_N = ${SYNTH_MAX_N:-2048}, in_lanes = P, FIFO 4. The buffers and the
# output FIFO stay Yosys memories ($mem_v2: SRAM or register-file macros in a real flow); their
# bits are reported apart from the logic cells. SYNTH_TOP / SYNTH_P select a subset.
set -euo pipefail
out=$1
YOSYS=${YOSYS:-yosys}
maxn=${SYNTH_MAX_N:-2048}
root=$(cd "$(dirname "$0")/.." && pwd)
printf '| engine | comparators | max_n | key bits | logic cells | flip-flops | memories | memory bits | longest path (gate levels) |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for top in ${SYNTH_TOP:-topk topk_pipe}; do
for p in ${SYNTH_P:-8 16 32}; do
    tag=${top}_p$p
    log=$out/$tag.log
    cat >"$out/$tag.ys" <<YS
read_verilog -defer $root/rtl/topk/topk.v $root/rtl/topk/topk_pipe.v $root/rtl/topk/topk_ze.v
chparam -set W 32 -set MAX_N $maxn -set P $p -set L $p -set FIFO_DEPTH 4 $top
hierarchy -top $top
synth -top $top -flatten -run :fine
opt -fast -full
techmap
opt -fast
abc -fast
opt -fast
tee -o $out/$tag.stat stat
tee -o $out/$tag.ltp ltp -noff
YS
    "$YOSYS" -q -l "$log" "$out/$tag.ys" >/dev/null
    cells=$(sed -n 's/^ *Number of cells: *\([0-9]*\).*/\1/p' "$out/$tag.stat" | tail -1)
    mems=$(awk '$1 ~ /^\$mem/ {s += $2} END {print s + 0}' "$out/$tag.stat")
    # memory bits from the declared arrays: the key array(s) (serial: orig, max_n x W;
    # pipelined: three input banks, 3 x max_n x W), two partition buffers (max_n x (W + index
    # bits)), output FIFO (4 x (P x (index + W) + count + last)); pipelined: the three job
    # descriptors (n, k: size bits each; seed: 32; threshold: W + index bits)
    iw=0; while [ $((1 << iw)) -lt "$maxn" ]; do iw=$((iw + 1)); done
    cw=0; while [ $((1 << cw)) -lt $((p + 1)) ]; do cw=$((cw + 1)); done
    nw=0; while [ $((1 << nw)) -lt $((maxn + 1)) ]; do nw=$((nw + 1)); done
    nk=1 desc=0
    [ "$top" = topk_pipe ] && nk=3 desc=$((3 * (2 * nw + 32 + 32 + iw)))
    membits=$((nk * maxn * 32 + 2 * maxn * (32 + iw) + 4 * (p * (iw + 32) + cw + 1) + desc))
    ffs=$(awk '$1 ~ /^\$_(S)?DFF/ {s += $2} END {print s + 0}' "$out/$tag.stat")
    ltp=$(sed -n "s/.*Longest topological path in $top (length=\([0-9]*\)).*/\1/p" "$out/$tag.ltp")
    name=serial; [ "$top" = topk_pipe ] && name=pipelined
    printf '| %s | %s | %s | 32 | %s | %s | %s | %s | %s |\n' "$name" "$p" "$maxn" "$((cells - mems))" "$ffs" "$mems" "${membits:-?}" "$ltp"
done
done
