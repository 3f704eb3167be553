#!/usr/bin/env bash
# 940_limits (issue 12 items 7, 8, 9): work that cannot fit is refused before any of it runs,
# with the cap named; oversized inputs are refused by size before they are read; running out of
# memory is exit 3 naming the input and the size (never an assertion abort, exit 134).
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROOT=$PWD
# 8: the largest accepted shapes: refused at once by the trace-size cap (20 GiB and 23 GiB)
cat >"$T/huge.json" <<J
{"name": "huge", "model": "custom", "arch": "bert", "layers": 64, "heads": 64, "d_model": 8192,
 "d_ff": 8192, "n_prompt": 4096, "policy": {"name": "none"}}
J
cat >"$T/hugegen.json" <<J
{"name": "hugegen", "model": "custom", "arch": "gpt2", "layers": 64, "heads": 64, "d_model": 8192,
 "d_ff": 8192, "stage": "generate", "n_prompt": 3072, "n_gen": 1024, "policy": {"name": "none"}}
J
for w in huge hugegen; do
    expect_exit 2 timeout 20 "$SPATTEN" trace "$T/$w.json" -o "$T/h.spt"
    case "$LAST_ERR" in *"$w.json: the trace would be up to "*"GiB, above the 4096 MiB cap; raise it with --max-trace-mb"*) ;;
        *) fail "$w: $LAST_ERR" ;; esac
    expect_exit 2 timeout 20 "$SPATTEN" run "$T/$w.json" -o "$T/o" -q
    # quality runs sequences of the workload's shape: the same plan, before the evaluation
    expect_exit 2 timeout 20 "$SPATTEN" quality "$T/$w.json" --json "$T/q.json"
    case "$LAST_ERR" in *"$w.json: the trace would be up to "*"GiB, above the 4096 MiB cap; raise it with --max-trace-mb"*) ;;
        *) fail "quality $w: $LAST_ERR" ;; esac
done
expect_exit 2 timeout 20 "$SPATTEN" quality "$T/huge.json" --json "$T/q.json" --max-trace-mb 100000
case "$LAST_ERR" in *"reference model would take about "*" s, above the 1800 s cap; raise it with --max-model-s"*) ;;
    *) fail "quality time cap: $LAST_ERR" ;; esac
[ ! -e "$T/q.json" ] || fail "quality wrote a result"
expect_exit 1 "$SPATTEN" quality "$T/huge.json" --max-model-s 0
# ... and by the time cap once the size cap is raised (64 x 64 x 4096^2 x 128 x 2 MACs)
expect_exit 2 timeout 20 "$SPATTEN" trace "$T/huge.json" -o "$T/h.spt" --max-trace-mb 100000
case "$LAST_ERR" in *"reference model would take about "*" s, above the 1800 s cap; raise it with --max-model-s"*) ;;
    *) fail "time cap: $LAST_ERR" ;; esac
[ ! -e "$T/h.spt" ] || fail "a trace was written"
expect_exit 1 "$SPATTEN" trace "$T/huge.json" -o "$T/h.spt" --max-trace-mb 0
expect_exit 1 "$SPATTEN" trace "$T/huge.json" -o "$T/h.spt" --max-model-s x
# a small cap refuses even the tiny workload; a raised one lets it through
expect_exit 2 "$SPATTEN" trace configs/workloads/bert-base.json -o "$T/b.spt" --max-trace-mb 1
expect_exit 0 "$SPATTEN" trace configs/workloads/tiny.json -o "$T/t.spt" --max-trace-mb 1 -q
# 8: a 4096-entry top-k on a 2048-entry engine fails before the reference model runs: without
# -q, stderr holds only the error (no "reference model:" line, no progress), and no report
cat >"$T/k.json" <<J
{"name": "k4096", "model": "tiny", "n_prompt": 4096, "policy": {"name": "none"}}
J
echo "{\"include\": \"$ROOT/configs/hw/spatten.json\", \"topk_max_n\": 2048}" >"$T/hw.json"
expect_exit 2 timeout 20 "$SPATTEN" run "$T/k.json" --hw "$T/hw.json" -o "$T/o"
case "$LAST_ERR" in "spatten: $T/k.json: top-k engine holds 2048 values; the workload needs 4096 (hardware $T/hw.json)") ;;
    *) fail "topk fit: $LAST_ERR" ;; esac
[ ! -e "$T/o/report.json" ] || fail "a report was written"
# 9: a 100 MB config and a 3 GB CSV / trace are refused by size, before being read
truncate -s 100M "$T/big.json"
expect_exit 2 timeout 20 "$SPATTEN" sim --hw "$T/big.json" --trace "$T/t.spt"
case "$LAST_ERR" in *"big.json: the file is 100.0 MiB; a config may be at most 1.0 MiB"*) ;; *) fail "config cap: $LAST_ERR" ;; esac
truncate -s 3G "$T/big.csv"
expect_exit 2 timeout 20 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/big.csv"
case "$LAST_ERR" in *"big.csv: the file is "*"; a workload CSV may be at most 67108864 bytes"*) ;; *) fail "csv cap: $LAST_ERR" ;; esac
# 9: a CSV under the cap with a bad byte on line 1 fails there (read line by line)
{ printf 'iteration_id,layer_id,hea\x01d_id\n'; head -c 50000000 /dev/zero | tr '\0' 'x'; } >"$T/bad.csv"
expect_exit 2 timeout 20 "$SPATTEN" sim --hw configs/hw/spatten.json --workload-csv "$T/bad.csv"
case "$LAST_ERR" in *"bad.csv:1: header"*) ;; *) fail "csv line 1: $LAST_ERR" ;; esac
# 7: out of memory under `ulimit -v` is exit 3 naming the input and the size (not exit 134).
# ASan reserves terabytes of address space, so this part runs on the plain build only.
if [ "${BUILD:-build}" = build ]; then
    truncate -s 3G "$T/big.spt"
    expect_exit 3 bash -c "ulimit -v 400000; exec '$SPATTEN' info '$T/big.spt'"
    case "$LAST_ERR" in *"big.spt: out of memory: reading it needs 3221225473 bytes"*) ;; *) fail "info oom: $LAST_ERR" ;; esac
    awk 'BEGIN { for (i = 0; i < 3000000; i++) printf "%d 0x%x R\n", i, i * 64 }' >"$T/s.txt"
    expect_exit 3 bash -c "ulimit -v 50000; exec '$SPATTEN' dram --config configs/dram/hbm2.json --stream '$T/s.txt'"
    case "$LAST_ERR" in *"s.txt: out of memory: "*" bytes"*) ;; *) fail "stream oom: $LAST_ERR" ;; esac
    expect_exit 3 bash -c "ulimit -v 150000; exec '$SPATTEN' trace configs/workloads/gpt2-medium.json -o '$T/g.spt' -q"
    case "$LAST_ERR" in *"gpt2-medium.json: out of memory: an allocation of "*" bytes"*) ;; *) fail "trace oom: $LAST_ERR" ;; esac
fi
# a file-size limit (ulimit -f) is an I/O error (exit 3) with no temp file left, not SIGXFSZ
mkdir "$T/fs"
expect_exit 3 bash -c "ulimit -f 2; exec '$SPATTEN' trace configs/workloads/tiny.json -o '$T/fs/t.spt' -q"
case "$LAST_ERR" in *"t.spt: write failed: File too large"*) ;; *) fail "ulimit -f: $LAST_ERR" ;; esac
[ -z "$(ls "$T/fs")" ] || fail "left behind: $(ls "$T/fs")"
echo "940_limits: ok"
