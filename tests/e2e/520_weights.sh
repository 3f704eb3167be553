#!/usr/bin/env bash
# 520_weights: the reference model reads Hugging Face BERT and GPT-2 checkpoints (safetensors,
# F32 and F16) that the test generates; NumPy recomputes layer 0's Q/K/V from the checkpoint,
# and bad weights/token files are one-line errors.
source "$(dirname "$0")/../lib.bash"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
"$PYTHON" tests/py/make_ckpt.py gpt2 "$d/g.safetensors" "$d/g.txt" 2 2 16 64 20 || fail "make gpt2"
"$PYTHON" tests/py/make_ckpt.py bert "$d/b.safetensors" "$d/b.txt" 2 2 16 64 20 --f16 || fail "make bert"
cat >"$d/g.json" <<J
{"name": "ckpt-gpt2", "model": "custom", "arch": "gpt2", "layers": 2, "heads": 2, "d_model": 16,
 "d_ff": 64, "stage": "generate", "n_prompt": 16, "n_gen": 4, "source": "weights",
 "weights": "g.safetensors", "tokens": "g.txt", "policy": {"name": "none"}}
J
cat >"$d/b.json" <<J
{"name": "ckpt-bert", "model": "custom", "arch": "bert", "layers": 2, "heads": 2, "d_model": 16,
 "d_ff": 64, "n_prompt": 20, "source": "weights", "weights": "b.safetensors", "tokens": "b.txt",
 "policy": {"name": "spatten", "tok_start": 1, "tok_keep": [0.5], "local_v": false}}
J
"$SPATTEN" trace "$d/g.json" -o "$d/g.spt" -q || fail "trace gpt2 checkpoint"
"$PYTHON" tests/py/check_weights.py gpt2 "$d/g.safetensors" "$d/g.txt" "$d/g.spt" || fail "gpt2 weights"
"$PYTHON" tests/py/check_trace.py "$d/g.spt" || fail "gpt2 attention"
"$SPATTEN" trace "$d/b.json" -o "$d/b.spt" -q || fail "trace bert checkpoint"
"$PYTHON" tests/py/check_weights.py bert "$d/b.safetensors" "$d/b.txt" "$d/b.spt" || fail "bert weights"
"$PYTHON" tests/py/check_trace.py "$d/b.spt" || fail "bert attention"
# bad inputs
echo "1 2 3" >"$d/short.txt"
sed 's/"g.txt"/"short.txt"/' "$d/g.json" >"$d/short.json"
expect_exit 2 "$SPATTEN" trace "$d/short.json" -o "$d/x.spt"
case "$LAST_ERR" in *"3 token ids"*) ;; *) fail "short tokens: $LAST_ERR";; esac
echo "1 2 x" >"$d/junk.txt"
sed 's/"g.txt"/"junk.txt"/' "$d/g.json" >"$d/junk.json"
expect_exit 2 "$SPATTEN" trace "$d/junk.json" -o "$d/x.spt"
head -c 300 "$d/g.safetensors" >"$d/cut.safetensors"
sed 's/"g.safetensors"/"cut.safetensors"/' "$d/g.json" >"$d/cut.json"
expect_exit 2 "$SPATTEN" trace "$d/cut.json" -o "$d/x.spt"
case "$LAST_ERR" in *"at byte"*) ;; *) fail "cut weights: $LAST_ERR";; esac
sed 's/"arch": "gpt2"/"arch": "bert"/; s/"stage": "generate", //; s/"n_gen": 4, //; s/"n_prompt": 16/"n_prompt": 20/' "$d/g.json" >"$d/wrong.json"
expect_exit 2 "$SPATTEN" trace "$d/wrong.json" -o "$d/x.spt"
case "$LAST_ERR" in *"not a BERT checkpoint"*) ;; *) fail "wrong arch: $LAST_ERR";; esac
exit 0
