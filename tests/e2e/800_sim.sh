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
echo "$LAST_ERR" | grep -q "deadlock: no DRAM completion for 5 DRAM cycles" || fail "watchdog message: $LAST_ERR"
echo "$LAST_ERR" | grep -q "qk.in" || fail "watchdog dump lacks FIFOs: $LAST_ERR"
# an exit-4 message names the one input it ran first (the accelerator's input name, never a
# guess from the message): the trace, the authors' CSV, the workload file of `run`
case "$LAST_ERR" in "spatten: $T/g.spt: deadlock: no DRAM completion"*) ;; *) fail "trace deadlock: $LAST_ERR" ;; esac
expect_exit 4 "$SPATTEN" sim --hw "$T/wd.json" --workload-csv "$T/g.csv" -q
case "$LAST_ERR" in "spatten: $T/g.csv: deadlock: no DRAM completion"*) ;; *) fail "CSV deadlock: $LAST_ERR" ;; esac
expect_exit 4 "$SPATTEN" run configs/workloads/tiny-gpt2.json --hw "$T/wd.json" -o "$T/wd-run" -q
case "$LAST_ERR" in "spatten: configs/workloads/tiny-gpt2.json: deadlock: no DRAM completion"*) ;; *) fail "run deadlock: $LAST_ERR" ;; esac
# a workload CSV cut short (no final newline) is refused, at the line that was cut: a row whose
# last field lost digits must not run as a smaller value
n=$(wc -l <"$T/g.csv")
head -c -1 "$T/g.csv" >"$T/cut1.csv"                 # only the final newline missing
expect_exit 2 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/cut1.csv" -q
[ "$LAST_ERR" = "spatten: $T/cut1.csv:$n: last line has no newline (truncated file?)" ] || fail "$LAST_ERR"
head -n 3 "$T/g.csv" >"$T/cut2.csv"; head -n 4 "$T/g.csv" | tail -n 1 | head -c 20 >>"$T/cut2.csv"
expect_exit 2 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/cut2.csv" -q
[ "$LAST_ERR" = "spatten: $T/cut2.csv:4: last line has no newline (truncated file?)" ] || fail "$LAST_ERR"

# a CSV workload the hardware cannot hold: the message names the CSV (and the hw file)
H=$(head -n 1 "$T/g.csv")
printf '%s\n0,0,0,64.0,4096,4096,-1,-1,-1,False,-1,10,-1,True,False,False,-1\n' "$H" >"$T/big.csv"
expect_exit 2 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/big.csv" -q
[ "$LAST_ERR" = "spatten: $T/big.csv: top-k engine holds 2048 values; the workload needs 4096 (hardware configs/hw/spatten.json)" ] \
    || fail "$LAST_ERR"
# a row the accelerator refuses is named FILE:LINE like the reader's own errors
printf '%s\n%s\n%s\n%s\n' "$H" "0,0,0,64.0,100,100,-1,-1,-1,False,-1,10,-1,True,False,False,-1" \
    "0,0,1,64.0,100,90,-1,-1,-1,False,-1,10,-1,True,False,False,-1" \
    "spatten-sim x tiny N=100 T=0 summarization=iteration0,,,,,,,,,,,,,,,," >"$T/sum.csv"
expect_exit 2 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/sum.csv" -q
[ "$LAST_ERR" = "spatten: $T/sum.csv:3: key_fetch_num = 90 differs from 100 in the same summarization layer" ] \
    || fail "$LAST_ERR"

# empty option values are usage errors
for o in --hw= "--trace=" "--workload-csv=" "--json=" "--csv=" "--timeline=" "--stats="; do
    expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" -q "$o"
    [ "$LAST_ERR" = "spatten: sim: ${o%=} value is empty" ] || fail "$o: $LAST_ERR"
done
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" -q --json ""
[ "$LAST_ERR" = "spatten: sim: --json value is empty" ] || fail "$LAST_ERR"
huge=$(printf 'a%.0s' $(seq 5000))
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" -q --stats "$huge"
[ "$LAST_ERR" = "spatten: sim: --stats value is too long (5000 bytes; at most 4079)" ] || fail "$LAST_ERR"

# the console report cannot be written (stdout on /dev/full): exit 3, one line
err=$("$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" -q 2>&1 >/dev/full); rc=$?
[ "$rc" -eq 3 ] && [ "$err" = "spatten: <stdout>: write failed: No space left on device" ] \
    || fail "sim with stdout on /dev/full: exit $rc, '$err'"
# an output that names an input (or another output) is refused before anything is written:
# the atomic rename would have replaced the trace
cp "$T/g.spt" "$T/keep.spt"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --json "$T/g.spt" -q
[ "$LAST_ERR" = "spatten: sim: --json file '$T/g.spt' is also the --trace file" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/g.spt" --json "$T/o.x" --csv "$T/./o.x" -q
[ "$LAST_ERR" = "spatten: sim: --csv file '$T/./o.x' is also the --json file" ] || fail "$LAST_ERR"
cmp -s "$T/g.spt" "$T/keep.spt" || fail "the trace was changed"
exit 0
