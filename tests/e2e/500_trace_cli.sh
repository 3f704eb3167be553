#!/usr/bin/env bash
# 500_trace_cli: `spatten trace` / `spatten info` on the tiny workloads, and every kind of bad
# input (config or trace) is one line on stderr with exit 2 (usage errors, empty or over-long
# paths among them, exit 1; a stdout that cannot be written exits 3).
source "$(dirname "$0")/../lib.bash"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
W=configs/workloads

"$SPATTEN" trace --help | grep -q -- "--csv" || fail "trace --help lacks --csv"
"$SPATTEN" info --help | grep -q "FILE.spt" || fail "info --help"
out=$("$SPATTEN" trace $W/tiny.json -o "$d/t.spt" --stats) || fail "trace tiny failed"
echo "$out" | grep -q "^    1 " || fail "no per-layer row in --stats: $out"
echo "$out" | grep -q "relative L2" || fail "no output error in --stats"
info=$("$SPATTEN" info "$d/t.spt") || fail "info failed"
echo "$info" | grep -q "checksum fnv1a64:[0-9a-f]\{16\} OK" || fail "info: $info"
echo "$info" | grep -q "2 layers x 2 heads x d_head 8" || fail "info shape: $info"
# layer 1 keeps ceil(0.5 * 16) = 8 tokens and ceil(0.5 * 2) = 1 head (tiny.json)
echo "$info" | grep -Eq "^ +1 +8 +1 " || fail "info layer 1 row: $info"
# same input, same bytes
"$SPATTEN" trace $W/tiny.json -o "$d/t2.spt" -q
cmp -s "$d/t.spt" "$d/t2.spt" || fail "trace is not deterministic"
# the authors' workload CSV
"$SPATTEN" trace $W/tiny-gpt2.json -o "$d/g.spt" --csv "$d/g.csv" -q || fail "trace --csv failed"
head -1 "$d/g.csv" | grep -q "^iteration_id,layer_id,head_id" || fail "csv header: $(head -1 "$d/g.csv")"

# usage errors: exit 1
expect_exit 1 "$SPATTEN" trace $W/tiny.json
expect_exit 1 "$SPATTEN" trace -o "$d/x.spt"
expect_exit 1 "$SPATTEN" trace $W/tiny.json -o "$d/x.spt" --bogus
expect_exit 1 "$SPATTEN" info

# bad configs: exit 2, one line naming the file and field
bad() { printf '%s' "$2" >"$d/$1.json"; expect_exit 2 "$SPATTEN" trace "$d/$1.json" -o "$d/x.spt";
        case "$LAST_ERR" in "spatten: $d/$1.json: "*"$3"*) ;; *) fail "$1: $LAST_ERR";; esac; }
bad malformed '{"model": "tiny", "n_prompt": 8' "malformed JSON"
bad unknown '{"model": "tiny", "n_prompt": 8, "heds": 2}' "unknown field 'heds'"
bad duplicate '{"model": "tiny", "n_prompt": 8, "n_prompt": 9}' "field 'n_prompt' appears twice"
bad type '{"model": "tiny", "n_prompt": true}' "field 'n_prompt' must be a whole number"
bad range '{"model": "tiny", "n_prompt": 5000}' "field 'n_prompt' = 5000 is out of range"
bad include '{"include": "nope.json", "model": "tiny", "n_prompt": 8}' "field 'include'"
bad policy '{"model": "tiny", "n_prompt": 8, "policy": {"name": "magic"}}' "field 'policy.name'"
bad keep '{"model": "tiny", "n_prompt": 8, "policy": {"tok_keep": [0.5, 0.5, 0.5]}}' "policy.tok_keep"
bad name '{"name": "a/b", "model": "tiny", "n_prompt": 8}' "field 'name' = \"a/b\" is not allowed: use 1 to 63 characters from A-Z a-z 0-9 . _ + -, the first a letter or digit"
bad dotname '{"name": "..", "model": "tiny", "n_prompt": 8}' "field 'name' = \"..\" is not allowed"
expect_exit 3 "$SPATTEN" trace "$d/missing.json" -o "$d/x.spt"
# empty option values are usage errors (never "the default" or a file named "")
expect_exit 1 "$SPATTEN" trace $W/tiny.json -o ""
[ "$LAST_ERR" = "spatten: trace: -o value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" trace $W/tiny.json -o "$d/x.spt" --csv=
[ "$LAST_ERR" = "spatten: trace: --csv value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" trace $W/tiny.json -o "$d/x.spt" --float-dump ""
[ "$LAST_ERR" = "spatten: trace: --float-dump value is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" trace "" -o "$d/x.spt"
[ "$LAST_ERR" = "spatten: trace: WORKLOAD.json path is empty" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" info ""
[ "$LAST_ERR" = "spatten: info: FILE.spt path is empty" ] || fail "$LAST_ERR"
huge=$(printf 'a%.0s' $(seq 5000))
expect_exit 1 "$SPATTEN" trace $W/tiny.json -o "$d/$huge"
[ "$LAST_ERR" = "spatten: trace: -o value is too long ($(( ${#d} + 5001 )) bytes; at most 4079)" ] || fail "$LAST_ERR"
[ ! -e "$d/x.spt" ] || fail "a failed run left an output file"

# bad traces: exit 2, one line with a byte offset
n=$(stat -c %s "$d/t.spt")
for cut in 0 5 8 100 $((n / 2)) $((n - 1)); do
    head -c "$cut" "$d/t.spt" >"$d/cut.spt"
    expect_exit 2 "$SPATTEN" info "$d/cut.spt"
    case "$LAST_ERR" in "spatten: $d/cut.spt: "*" at byte "[0-9]*) ;; *) fail "cut $cut: $LAST_ERR";; esac
done
cp "$d/t.spt" "$d/flip.spt"
printf '\xff' | dd of="$d/flip.spt" bs=1 seek=$((n - 10)) conv=notrunc status=none
expect_exit 2 "$SPATTEN" info "$d/flip.spt"
case "$LAST_ERR" in *checksum*) ;; *) fail "flip: $LAST_ERR";; esac
printf 'not a trace at all' >"$d/junk.spt"
expect_exit 2 "$SPATTEN" info "$d/junk.spt"

# stdout that cannot be written (/dev/full) is an I/O error, exit 3, one line
for c in "info $d/t.spt" "trace $W/tiny.json -o $d/f.spt --stats"; do
    err=$("$SPATTEN" $c 2>&1 >/dev/full); rc=$?
    [ "$rc" -eq 3 ] && [ "$err" = "spatten: <stdout>: write failed: No space left on device" ] \
        || fail "$c with stdout on /dev/full: exit $rc, '$err'"
done
# the trace (or CSV) must not replace the workload it comes from
cp configs/workloads/tiny.json "$d/w.json"
expect_exit 1 "$SPATTEN" trace "$d/w.json" -o "$d/../$(basename "$d")/w.json" -q
[ "$LAST_ERR" = "spatten: trace: -o file '$d/../$(basename "$d")/w.json' is also the workload file" ] || fail "$LAST_ERR"
cmp -s "$d/w.json" configs/workloads/tiny.json || fail "the workload was changed"
exit 0
