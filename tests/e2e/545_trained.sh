#!/usr/bin/env bash
# 545_trained: the trained workloads end to end. `spatten run` simulates the trace and writes
# quality.json; quality under the dense fixed-point model is within 1% of the dense float model;
# traces and quality are byte-identical for 1, 2 and 8 reference-model threads; the static
# policies calibrate on the calibration split; bad split files are one-line errors.
source "$(dirname "$0")/../lib.bash"
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
W=configs/workloads
# a smaller evaluation (first 4 sequences) keeps the test short
for m in gpt2 bert; do
    sed "s|\"../../models|\"$PWD/models|g; s|\"name\": \"$m-trained\"|\"name\": \"$m-t\", \"eval_seqs\": 4|" \
        $W/$m-trained.json >"$d/$m.json"
done
"$SPATTEN" run "$d/gpt2.json" -o "$d/run" -q >"$d/run.txt" || fail "run gpt2-trained"
grep -q "quality (golden model under the policy, 4 eval sequences): perplexity" "$d/run.txt" || fail "no quality line"
grep -q '"perplexity"' "$d/run/quality.json" || fail "quality.json"
grep -q "golden check: .* all match" "$d/run.txt" || fail "golden check"
# threads: byte-identical traces and quality
for m in gpt2 bert; do
    for t in 1 2 8; do
        "$SPATTEN" trace "$d/$m.json" -o "$d/$m.$t.spt" -q --threads $t || fail "trace $m $t"
        "$SPATTEN" quality "$d/$m.json" --threads $t --json "$d/$m.$t.q.json" >/dev/null || fail "quality $m $t"
    done
    for t in 2 8; do
        cmp -s "$d/$m.1.spt" "$d/$m.$t.spt" || fail "$m: trace differs with $t threads"
        cmp -s "$d/$m.1.q.json" "$d/$m.$t.q.json" || fail "$m: quality differs with $t threads"
    done
done
# pruned positions are counted, not silently dropped: summarize-only GPT-2 (N = 512) with
# tok_keep 0.5 from layer ceil(0.15 * 4) = 1 keeps ceil(512 / 2^3) = 64 final-layer rows per
# sequence (docs/model.md, cascade token pruning); the last position predicts nothing, so each
# sequence scores 63 or 64 of its 511 positions and skips the rest; the dense float model skips none
sed 's|"stage": "generate", "n_prompt": 384, "n_gen": 128|"n_prompt": 512|; s|"tok_keep": \[0.9\]|"tok_keep": [0.5]|' \
    "$d/gpt2.json" >"$d/gs.json"
grep -q '"n_prompt": 512' "$d/gs.json" && grep -q '"tok_keep": \[0.5\]' "$d/gs.json" || fail "gs.json edit"
"$SPATTEN" quality "$d/gs.json" --json "$d/gs.q.json" >"$d/gs.txt" || fail "quality summarize-only"
"$SPATTEN" quality "$d/gs.json" --float --json "$d/gsf.q.json" >/dev/null || fail "quality summarize-only float"
"$PYTHON" - "$d/gs.q.json" "$d/gsf.q.json" "$d/gs.txt" <<'P' || fail "pruned positions"
import json, sys
q, f = (json.load(open(p)) for p in sys.argv[1:3])
n, k = q["predictions"], q["pruned_positions"]
assert n + k == 4 * 511, (n, k)
assert 4 * 63 <= n <= 4 * 64, n
assert f["predictions"] == 4 * 511 and f["pruned_positions"] == 0, f
line = open(sys.argv[3]).read()
assert f"over {n} predictions ({k} pruned positions not scored)" in line, line
P
# quantisation alone costs < 1%: policy none (fixed point) vs the dense float model
for m in gpt2 bert; do
    sed 's|"policy": {[^}]*}|"policy": {"name": "none"}|' "$d/$m.json" >"$d/$m-none.json"
    "$SPATTEN" quality "$d/$m-none.json" --json "$d/$m-none.q.json" >/dev/null || fail "none $m"
    "$SPATTEN" quality "$d/$m-none.json" --float --json "$d/$m-float.q.json" >/dev/null || fail "float $m"
    "$PYTHON" - "$d/$m-none.q.json" "$d/$m-float.q.json" <<'P' || fail "$m: fixed point vs float"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("perplexity", "mlm_accuracy", "cls_accuracy"):
    if k in a:
        assert abs(a[k] - b[k]) <= 0.01 * b[k], (k, a[k], b[k])
P
done
# static policies calibrate on the calibration split
sed 's|"policy": {[^}]*}|"policy": {"name": "head-entropy", "head_ratio": 0.5}|' "$d/bert.json" >"$d/he.json"
"$SPATTEN" run "$d/he.json" -o "$d/he" -q >/dev/null || fail "head-entropy"
sed 's|calib.txt"|nope.txt"|' "$d/he.json" >"$d/he2.json"
expect_exit 3 "$SPATTEN" trace "$d/he2.json" -o "$d/x.spt"
# bad split files
printf '1 2 x\n' >"$d/bad.txt"
sed "s|\"eval_split\": \"[^\"]*\"|\"eval_split\": \"$d/bad.txt\"|" "$d/gpt2.json" >"$d/bad.json"
expect_exit 2 "$SPATTEN" quality "$d/bad.json"
case "$LAST_ERR" in *"bad.txt: line 1"*) ;; *) fail "bad split: $LAST_ERR";; esac
printf '# mask_id=abc\n1 2 3\n' >"$d/bad.txt"      # a mask id that is not a number is refused
expect_exit 2 "$SPATTEN" quality "$d/bad.json"
case "$LAST_ERR" in *"bad.txt: line 1: mask_id must be a token id"*) ;; *) fail "mask_id: $LAST_ERR";; esac
printf '1 2 3\n' >"$d/short.txt"
sed "s|\"eval_split\": \"[^\"]*\"|\"eval_split\": \"$d/short.txt\"|" "$d/gpt2.json" >"$d/short.json"
expect_exit 2 "$SPATTEN" quality "$d/short.json"
case "$LAST_ERR" in *"sequence 1 has 3 ids"*) ;; *) fail "short split: $LAST_ERR";; esac
exit 0
