#!/usr/bin/env bash
# 820_authors_csv: a CSV generated in the shape of the SpAtten authors' generation files runs
# (the last row of each iteration rescales the importance and keeps more tokens than that row
# fetched keys: a top-k over the whole sentence); the console names their iterations as such
# (one query per head), not "summarization"; and with auto_requant_incre = -1 a K row is read at
# quant_key_bit, not at the datapath width: 64 x 6 bits = 48 B per K row.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
{
  echo "iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L,key_fetch_num,quant_key_bit,quant_query_bit,auto_requant_thres,if_requant,auto_requant_incre,value_fetch_num,quant_value_bit,if_accumulate_importance,if_rescale_previous_importance,if_topk,topk"
  for it in 0 1; do
    L=$((60 + it)); k0=$([ $it -eq 0 ] && echo 60 || echo 50)
    echo "$it,0,0,64.0,$L,$k0,6,16,-1,False,-1,$k0,6,False,False,False,-1"
    echo "$it,0,1,64.0,$L,$k0,6,16,-1,False,-1,$k0,6,True,False,True,20"
    echo "$it,1,0,64.0,$L,20,6,16,-1,False,-1,20,6,True,False,False,-1"
    echo "$it,1,1,64.0,$L,20,6,16,-1,False,-1,20,6,True,True,True,50"
  done
} >"$T/a.csv"
out=$("$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/a.csv" --json "$T/r.json") \
    || fail "sim exit $?"
echo "$out" | grep -q "^iteration 0 (one query per head), tokens/heads alive per layer: 60/2 20/2$" \
    || fail "first line of the pruning summary: $out"
echo "$out" | grep -q "summarization" && fail "an authors' iteration is called summarization: $out"
"$PYTHON" - "$T/r.json" <<'PY' || fail "K bytes"
import json, sys
r = json.load(open(sys.argv[1]))["accelerator"]
# K rows fetched once per (head, key) of each pass: 2 x (60 + 20 + 50 + 20) = 300 rows of 48 B
assert r["k_rows"] == 300, r["k_rows"]
assert r["bytes"]["k_msb"] == 300 * 48, r["bytes"]["k_msb"]
PY
exit 0
