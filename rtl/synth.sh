#!/usr/bin/env bash
# synth.sh OUTDIR - `make rtl-synth`: Yosys synthesis of rtl/topk to generic gates for 8, 16 and
# 32 comparators, printing cell counts and the longest topological path (Yosys `ltp -noff`:
# gate levels between flip-flops/ports, an estimate of the critical path, not a timing
# analysis). Configuration: W = 32-bit keys, MAX_N = ${SYNTH_MAX_N:-256}, in_lanes = P, FIFO 4.
set -euo pipefail
out=$1
YOSYS=${YOSYS:-yosys}
maxn=${SYNTH_MAX_N:-256}
root=$(cd "$(dirname "$0")/.." && pwd)
printf '| comparators | max_n | key bits | cells | flip-flop bits | MUX | longest path (gate levels) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for p in ${SYNTH_P:-8 16 32}; do
    log=$out/topk_p$p.log
    cat >"$out/topk_p$p.ys" <<YS
read_verilog -defer $root/rtl/topk/topk.v $root/rtl/topk/topk_ze.v
chparam -set W 32 -set MAX_N $maxn -set P $p -set L $p -set FIFO_DEPTH 4 topk
hierarchy -top topk
synth -top topk -flatten
tee -o $out/topk_p$p.stat stat
tee -o $out/topk_p$p.ltp ltp -noff
YS
    "$YOSYS" -q -l "$log" "$out/topk_p$p.ys" >/dev/null
    cells=$(sed -n 's/^ *Number of cells: *\([0-9]*\).*/\1/p' "$out/topk_p$p.stat" | tail -1)
    ffs=$(awk '/\$_[S]?DFF/ {s += $2} END {print s + 0}' "$out/topk_p$p.stat")
    mux=$(awk '$1 == "$_MUX_" {print $2}' "$out/topk_p$p.stat")
    ltp=$(sed -n 's/.*Longest topological path in topk (length=\([0-9]*\)).*/\1/p' "$out/topk_p$p.ltp")
    printf '| %s | %s | 32 | %s | %s | %s | %s |\n' "$p" "$maxn" "$cells" "$ffs" "${mux:-0}" "$ltp"
done
