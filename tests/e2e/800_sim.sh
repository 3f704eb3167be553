#!/usr/bin/env bash
# 800_sim: `spatten sim` end to end on reference-model traces: golden check passes, reports are
# written, skipping on/off gives byte-identical reports and stats, the authors' CSV runs timing
# only, and every error is one line with the documented exit code.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROOT=$PWD

"$SPATTEN" trace configs/workloads/tiny-gpt2.json -o "$T/g.spt" --csv "$T/g.csv" -q || fail "trace"
out=$("$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --json "$T/a.json" \
      --csv "$T/a.csv" --timeline "$T/tl.json" --stats "$T/a.txt") || fail "sim exit $?"
echo "$out" | grep -q "golden check" || fail "no golden-check line in: $out"
for f in a.json a.csv tl.json a.txt; do [ -s "$T/$f" ] || fail "missing $f"; done
"$PYTHON" -c "import json,sys; json.load(open('$T/tl.json')); json.load(open('$T/a.json'))" || fail "bad JSON"

# time skipping off (every block, the top-k cores included, clocked on every cycle): identical
# reports, stats and timelines, on the default machine, on the tiny-FIFO machine (top-k FIFO
# depth 1: no job-level top-k) and on a machine with two narrow top-k engines
cat >"$T/two.json" <<JSON
{ "include": "$ROOT/configs/hw/spatten.json", "topk_engines": 2, "topk_comparators": 8,
  "topk_in_lanes": 4, "topk_fifo_depth": 2 }
JSON
# Two mid-size traces with rows long enough for skips inside Q.K, softmax, prob.V and top-k
# jobs: GPT-2-shaped generation (progressive quantization, local V) and BERT-shaped summarization.
cat >"$T/mid-gpt2.json" <<JSON
{ "name": "mid-gpt2", "model": "gpt2-small", "arch": "gpt2", "layers": 2, "stage": "generate",
  "n_prompt": 200, "n_gen": 3, "seed": 5,
  "fxp": {"bits": 12, "frac": 7, "k_lsb_bits": 6, "prob_bits": 12},
  "policy": {"name": "spatten", "tok_start": 1, "tok_keep": [0.7], "head_start": 1,
             "head_keep": [0.75], "v_keep": 0.3, "progressive": true, "pq_threshold": 0.05} }
JSON
cat >"$T/mid-bert.json" <<JSON
{ "name": "mid-bert", "model": "bert-base", "layers": 3, "stage": "summarize", "n_prompt": 160,
  "seed": 3, "policy": {"name": "spatten", "tok_start": 1, "tok_keep": [0.8], "head_start": 2,
  "head_keep": [0.75], "v_keep": 0.5} }
JSON
"$SPATTEN" trace "$T/mid-gpt2.json" -o "$T/mg.spt" -q || fail "trace mid-gpt2"
"$SPATTEN" trace "$T/mid-bert.json" -o "$T/mb.spt" -q || fail "trace mid-bert"
for tr in g mg mb; do
    for hw in configs/hw/spatten.json configs/hw/tiny.json "$T/two.json"; do
        for mode in skip no-skip; do
            flag=""; [ $mode = no-skip ] && flag=--no-skip
            "$SPATTEN" sim --hw "$hw" --trace "$T/$tr.spt" -q $flag --json "$T/$mode.json" \
                --csv "$T/$mode.csv" --stats "$T/$mode.txt" --timeline "$T/$mode.tl" >/dev/null \
                || fail "$mode run of $tr on $hw"
        done
        for f in json csv txt tl; do
            cmp -s "$T/skip.$f" "$T/no-skip.$f" || fail "$f of $tr differs with --no-skip on $hw"
        done
    done
done

# authors' CSV: timing only, said so, and no golden-check claim
out=$("$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/g.csv" -q) || fail "csv mode"
echo "$out" | grep -q "\[timing only: no golden check\]" || fail "csv mode not marked timing only"
echo "$out" | grep -q "^golden check:" && fail "csv mode claims a golden check"

# errors: one line, documented exit codes
expect_exit 1 "$SPATTEN" sim --trace "$T/g.spt"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --workload-csv "$T/g.csv"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json
expect_exit 3 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/does-not-exist.spt"
echo '{ "include": "'"$ROOT"'/configs/hw/spatten.json", "qk_latency": 0 }' >"$T/bad.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/bad.json" --trace "$T/g.spt"
echo "$LAST_ERR" | grep -q "qk_latency" || fail "bad field not named: $LAST_ERR"
cat >"$T/wd.json" <<JSON
{ "include": "$ROOT/configs/hw/spatten.json", "watchdog_cycles": 5,
  "dram_config": "$ROOT/configs/dram/hbm2-spatten.json", "energy_config": "", "gpu_config": "" }
JSON
expect_exit 4 "$SPATTEN" sim --hw "$T/wd.json" --trace "$T/g.spt" -q
echo "$LAST_ERR" | grep -q "deadlock: no progress for 5 cycles" || fail "watchdog message: $LAST_ERR"
echo "$LAST_ERR" | grep -q "qk.in" || fail "watchdog dump lacks FIFOs: $LAST_ERR"
exit 0
