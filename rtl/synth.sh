#!/usr/bin/env bash
# synth.sh OUTDIR - `make rtl-synth`: Yosys synthesis of rtl/topk to generic gates for 8, 16 and
# 32 comparators, printing cell counts and the longest topological path (Yosys `ltp -noff`:
# gate levels between flip-flops/ports, an estimate of the critical path, not a timing
# analysis). Configuration: W = 32-bit keys, MAX_N = ${SYNTH_MAX_N:-2048}, in_lanes = P, FIFO 4.
# The buffers (P banks x 3 arrays) and the output FIFO stay Yosys memories ($mem_v2: SRAM or
# register-file macros in a real flow); their bits are reported apart from the logic cells.
set -euo pipefail
out=$1
YOSYS=${YOSYS:-yosys}
maxn=${SYNTH_MAX_N:-2048}
root=$(cd "$(dirname "$0")/.." && pwd)
printf '| comparators | max_n | key bits | logic cells | flip-flops | memories | memory bits | longest path (gate levels) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for p in ${SYNTH_P:-8 16 32}; do
    log=$out/topk_p$p.log
    cat >"$out/topk_p$p.ys" <<YS
read_verilog -defer $root/rtl/topk/topk.v $root/rtl/topk/topk_ze.v
chparam -set W 32 -set MAX_N $maxn -set P $p -set L $p -set FIFO_DEPTH 4 topk
hierarchy -top topk
synth -top topk -flatten -run :fine
opt -fast -full
techmap
opt -fast
abc -fast
opt -fast
tee -o $out/topk_p$p.stat stat
tee -o $out/topk_p$p.ltp ltp -noff
YS
    "$YOSYS" -q -l "$log" "$out/topk_p$p.ys" >/dev/null
    cells=$(sed -n 's/^ *Number of cells: *\([0-9]*\).*/\1/p' "$out/topk_p$p.stat" | tail -1)
    mems=$(awk '$1 ~ /^\$mem/ {s += $2} END {print s + 0}' "$out/topk_p$p.stat")
    # memory bits from the declared arrays: orig (max_n x W), two partition buffers
    # (max_n x (W + index bits)), output FIFO (4 x (P x (index + W) + count + last))
    iw=0; while [ $((1 << iw)) -lt "$maxn" ]; do iw=$((iw + 1)); done
    cw=0; while [ $((1 << cw)) -lt $((p + 1)) ]; do cw=$((cw + 1)); done
    membits=$((maxn * 32 + 2 * maxn * (32 + iw) + 4 * (p * (iw + 32) + cw + 1)))
    ffs=$(awk '$1 ~ /^\$_(S)?DFF/ {s += $2} END {print s + 0}' "$out/topk_p$p.stat")
    ltp=$(sed -n 's/.*Longest topological path in topk (length=\([0-9]*\)).*/\1/p' "$out/topk_p$p.ltp")
    printf '| %s | %s | 32 | %s | %s | %s | %s | %s |\n' "$p" "$maxn" "$((cells - mems))" "$ffs" "$mems" "${membits:-?}" "$ltp"
done
