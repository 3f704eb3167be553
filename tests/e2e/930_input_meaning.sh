#!/usr/bin/env bash
# 930_input_meaning (issue 12 items 11, 12, 13, 15): inputs that were accepted with exit 0 or
# reported unclearly: NaN/Inf weights, referenced files not traced to their config field,
# lenient parsing (control characters in names, a mapping ending in '-', "tok_keep": [],
# a CSV's trailing blank line, a token file's NUL), and messages that hid what was wrong.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROOT=$PWD
HW=configs/hw/spatten.json
want() { case "$LAST_ERR" in *"$1"*) ;; *) fail "want '$1' in: $LAST_ERR" ;; esac; }

# --- 11: NaN and Inf in weights: exit 2 naming the tensor and the element
"$PYTHON" tests/py/make_ckpt.py gpt2 "$T/g.safetensors" "$T/g.txt" 2 2 16 64 20 || fail "make ckpt"
cat >"$T/g.json" <<J
{"name": "ckpt", "model": "custom", "arch": "gpt2", "layers": 2, "heads": 2, "d_model": 16,
 "d_ff": 64, "stage": "generate", "n_prompt": 16, "n_gen": 4, "source": "weights",
 "weights": "g.safetensors", "tokens": "g.txt", "policy": {"name": "none"}}
J
expect_exit 0 "$SPATTEN" trace "$T/g.json" -o "$T/g.spt" -q
for v in nan inf -inf; do
    "$PYTHON" - "$T/g.safetensors" "$T/bad.safetensors" "$v" <<'PY' || fail "patch $v"
import json, struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
(hl,) = struct.unpack("<Q", b[:8])
t = json.loads(b[8:8 + hl])["h.1.attn.c_proj.weight"]
assert t["dtype"] == "F32" and t["shape"] == [16, 16]
off = 8 + hl + t["data_offsets"][0] + 4 * 37          # element 37 = row 2, column 5
b[off:off + 4] = struct.pack("<f", float(sys.argv[3]))
open(sys.argv[2], "wb").write(bytes(b))
PY
    sed 's/"g.safetensors"/"bad.safetensors"/' "$T/g.json" >"$T/bad.json"
    expect_exit 2 "$SPATTEN" trace "$T/bad.json" -o "$T/x.spt" --stats
    want "bad.safetensors: tensor 'h.1.attn.c_proj.weight' element 37 (row 2, column 5) is "
done

# --- 12: a referenced file names the config and the field that point to it
printf '{"include": "%s", "dram_config": "nonexist.json"}\n' "$ROOT/$HW" >"$T/hw1.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/hw1.json" --trace "$T/g.spt"
want "$T/hw1.json: field 'dram_config' = \"nonexist.json\": cannot open $T/nonexist.json"
printf '{"include": "%s", "dram_config": ""}\n' "$ROOT/$HW" >"$T/hw2.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/hw2.json" --trace "$T/g.spt"
want "field 'dram_config' is an empty path"
# a symlinked config: relative paths resolve against the directory of the link (the path as
# given), and a miss names the resolved path, so the rule is visible
mkdir -p "$T/real" "$T/links"
printf '{"include": "%s", "dram_config": "d.json"}\n' "$ROOT/$HW" >"$T/real/hw.json"
cp configs/dram/hbm2.json "$T/real/d.json"
ln -s "$T/real/hw.json" "$T/links/hw.json"
expect_exit 0 "$SPATTEN" sim --hw "$T/real/hw.json" --trace "$T/g.spt" -q --json "$T/r.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/links/hw.json" --trace "$T/g.spt" -q
want "$T/links/hw.json: field 'dram_config' = \"d.json\": cannot open $T/links/d.json"

# --- 13: lenient parsing, each accepted with exit 0 before
printf '{"include": "%s", "name": "sp\\u001b[2Jx"}\n' "$ROOT/$HW" >"$T/hw3.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/hw3.json" --trace "$T/g.spt"
want "field 'name' holds the control character 0x1b at character 3"
printf '{"include": "%s", "name": "ddr\\tx"}\n' "$ROOT/configs/dram/hbm2.json" >"$T/d3.json"
expect_exit 2 "$SPATTEN" dram --config "$T/d3.json" --gen random --count 4
want "field 'name' holds the control character 0x09"
m=$(sed -n 's/.*"mapping": *"\([^"]*\)".*/\1/p' configs/dram/hbm2.json)
[ -n "$m" ] || fail "no mapping in hbm2.json"
printf '{"include": "%s", "mapping": "%s-"}\n' "$ROOT/configs/dram/hbm2.json" "$m" >"$T/d4.json"
expect_exit 2 "$SPATTEN" dram --config "$T/d4.json" --gen random --count 4
want "field 'mapping' = \"$m-\" ends with '-'"
printf '{"include": "%s", "policy": {"name": "spatten", "tok_keep": []}}\n' "$ROOT/configs/workloads/tiny.json" >"$T/w5.json"
expect_exit 2 "$SPATTEN" trace "$T/w5.json" -o "$T/x.spt"
want "field 'policy.tok_keep' is an empty array"
"$SPATTEN" trace configs/workloads/tiny.json -o "$T/t.spt" --csv "$T/t.csv" -q || fail "trace csv"
cp "$T/t.csv" "$T/blank.csv" && echo >>"$T/blank.csv"
expect_exit 2 "$SPATTEN" sim --hw $HW --workload-csv "$T/blank.csv"
want "blank.csv:$(($(wc -l <"$T/t.csv") + 1)): empty line"
{ printf '\xef\xbb\xbf'; cat "$T/t.csv"; } >"$T/bom.csv"
expect_exit 2 "$SPATTEN" sim --hw $HW --workload-csv "$T/bom.csv"
want "bom.csv:1: the file starts with a UTF-8 byte order mark (bytes EF BB BF)"
{ cat "$T/g.txt"; printf '\0'; } >"$T/nul.txt"
sed 's/"g.txt"/"nul.txt"/' "$T/g.json" >"$T/nul.json"
expect_exit 2 "$SPATTEN" trace "$T/nul.json" -o "$T/x.spt"
want "nul.txt: a NUL byte (not a text file of token ids) at byte $(wc -c <"$T/g.txt")"

# --- 15: messages that say what is wrong
printf '{"include": "%s", "clock_mhz": 1000.0000000000001}\n' "$ROOT/$HW" >"$T/hw6.json"
expect_exit 2 "$SPATTEN" sim --hw "$T/hw6.json" --trace "$T/g.spt"
want "field 'clock_mhz' = 1000.0000000000001 must be a whole number"
printf '\0\0\0\0\0\0\0\0{}' >"$T/h0.spt"
expect_exit 2 "$SPATTEN" info "$T/h0.spt"
want "header length 0 is too small"
# a bad token id names its own byte (ids 0..49; the third id sits at byte 4)
printf '1 2 999 ' >"$T/tok.txt"; seq 4 20 | tr '\n' ' ' >>"$T/tok.txt"
sed 's/"g.txt"/"tok.txt"/' "$T/g.json" >"$T/tok.json"
expect_exit 2 "$SPATTEN" trace "$T/tok.json" -o "$T/x.spt"
want "token id 999 at index 2 is outside the vocabulary (50) at byte 4"
# escape sequences in a DRAM stream are shown as \x1b, never sent raw
printf '0 0x40 R\033[31m\n' >"$T/esc.txt"
err=$("$SPATTEN" dram --config configs/dram/hbm2.json --stream "$T/esc.txt" 2>&1 >/dev/null)
case "$err" in *$'\033'*) fail "raw ESC in: $err" ;; *'\x1b[31m'*) ;; *) fail "stream: $err" ;; esac
# a golden mismatch (exit 4) names the trace file first
cp "$T/g.spt" "$T/mm.spt"
"$PYTHON" tests/py/spt_edit.py "$T/mm.spt" out-add s0.l0.out 0 1 || fail "spt_edit"
expect_exit 0 "$SPATTEN" info "$T/mm.spt"
expect_exit 4 "$SPATTEN" sim --hw $HW --trace "$T/mm.spt" -q
case "$LAST_ERR" in "spatten: $T/mm.spt: golden mismatch at step 0 layer 0 head 0 row 0"*) ;; *) fail "mismatch: $LAST_ERR" ;; esac
echo "930_input_meaning: ok"
