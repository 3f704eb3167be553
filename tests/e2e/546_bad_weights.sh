#!/usr/bin/env bash
# 546_bad_weights: a checkpoint with a missing tensor, a wrong shape, a wrong dtype, NaN or Inf
# values, or a truncated file is a one-line error (exit 2) that names the tensor (or, truncated,
# the file and byte offset).
source "$(dirname "$0")/../lib.bash"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
"$PYTHON" tests/py/make_ckpt.py gpt2 "$d/g.safetensors" "$d/g.txt" 2 2 16 64 20 || fail "make gpt2"
victim=$("$PYTHON" tests/py/bad_ckpt.py "$d/g.safetensors" "$d") || fail "bad_ckpt"
for v in missing shape dtype nan inf truncated; do
    cat >"$d/$v.json" <<J
{"name": "bad-$v", "model": "custom", "arch": "gpt2", "layers": 2, "heads": 2, "d_model": 16,
 "d_ff": 64, "stage": "generate", "n_prompt": 16, "n_gen": 4, "source": "weights",
 "weights": "$v.safetensors", "tokens": "g.txt", "policy": {"name": "none"}}
J
    expect_exit 2 "$SPATTEN" trace "$d/$v.json" -o "$d/x.spt"
    case "$v" in
    truncated) want="$v.safetensors" ;;
    *) want="'$victim'" ;;
    esac
    case "$LAST_ERR" in *"$want"*) ;; *) fail "$v: error does not name $want: $LAST_ERR";; esac
    case "$v:$LAST_ERR" in
    missing:*missing*|shape:*shape*|dtype:*dtype*|nan:*NaN*|inf:*infinite*|truncated:*byte*) ;;
    *) fail "$v: unexpected message: $LAST_ERR";;
    esac
    echo "$v: $LAST_ERR"
done
# quality needs a checkpoint: a synthetic workload is a one-line input error, not a file that
# cannot be opened (the --logits path used to be read as the empty weights path: exit 3)
expect_exit 2 "$SPATTEN" quality configs/workloads/tiny.json --logits "$d/l.safetensors"
[ "$LAST_ERR" = "spatten: workload 'tiny': --logits needs source weights" ] || fail "logits: $LAST_ERR"
expect_exit 2 "$SPATTEN" quality configs/workloads/tiny.json
[ "$LAST_ERR" = "spatten: workload 'tiny': quality needs source weights and eval_split" ] || fail "quality: $LAST_ERR"
[ ! -e "$d/l.safetensors" ] || fail "logits written"
exit 0
