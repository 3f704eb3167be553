#!/usr/bin/env bash
# 920_cli_options (issue 12 item 14): a value option given twice is a usage error (exit 1, one
# line naming it) instead of silently keeping the last; --version and --help take no arguments.
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
HW=configs/hw/spatten.json
"$SPATTEN" trace configs/workloads/tiny.json -o "$T/t.spt" -q || fail "trace"
twice() {   # twice OPTION CMD...
    local o=$1; shift
    expect_exit 1 "$@"
    case "$LAST_ERR" in *"$o given twice"*) ;; *) fail "$*: $LAST_ERR" ;; esac
}
twice --json "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --json "$T/a.json" --json "$T/b.json"
twice --hw "$SPATTEN" sim --hw $HW --hw configs/hw/tiny.json --trace "$T/t.spt"
twice --trace "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --trace "$T/t.spt"
twice --out "$SPATTEN" trace configs/workloads/tiny.json -o "$T/a.spt" -o "$T/b.spt"
twice --out "$SPATTEN" trace configs/workloads/tiny.json --out "$T/a.spt" -o "$T/b.spt"
twice --hw "$SPATTEN" run configs/workloads/tiny.json --hw $HW --hw $HW -o "$T/o"
twice --count "$SPATTEN" dram --config configs/dram/hbm2.json --gen random --count 4 --count 5
twice --config "$SPATTEN" dram --config configs/dram/hbm2.json --config configs/dram/hbm2.json --gen random
twice --json "$SPATTEN" quality configs/workloads/tiny.json --json "$T/a.json" --json "$T/b.json"
twice --logits "$SPATTEN" quality configs/workloads/tiny.json --logits "$T/a.json" --logits "$T/b.json"
twice --threads "$SPATTEN" quality configs/workloads/tiny.json --threads 1 --threads 2
twice --max-model-s "$SPATTEN" quality configs/workloads/tiny.json --max-model-s 5 --max-model-s 6
[ ! -e "$T/a.json" ] && [ ! -e "$T/b.json" ] && [ ! -e "$T/a.spt" ] || fail "an output was written"
# a repeated flag is harmless and accepted
expect_exit 0 "$SPATTEN" sim --hw $HW --trace "$T/t.spt" -q -q --json "$T/ok.json"
expect_exit 1 "$SPATTEN" --version extra
expect_exit 1 "$SPATTEN" --help extra
v=$("$SPATTEN" --version) || fail "--version"
[ "$v" = "spatten 0.1.0" ] || fail "--version printed '$v'"
# --threads (one parser for trace, run and quality): plain digits from 1 to 256, one message
for cmd in trace run quality; do
    o=-o; [ $cmd = quality ] && o=--json
    for v in 0 257 4x +4 " 4" "" 99999999999999999999; do
        expect_exit 1 "$SPATTEN" $cmd configs/workloads/tiny.json $o "$T/th-$cmd" --threads "$v"
        [ "$LAST_ERR" = "spatten: $cmd: --threads must be 1 to 256" ] || fail "$cmd --threads '$v': $LAST_ERR"
    done
done
[ ! -e "$T/th-trace" ] && [ ! -e "$T/th-run" ] && [ ! -e "$T/th-quality" ] || fail "--threads: an output was written"
expect_exit 0 "$SPATTEN" trace configs/workloads/tiny.json -o "$T/th.spt" -q --threads 256
cmp -s "$T/t.spt" "$T/th.spt" || fail "--threads 256 changed the trace"
# an escape sequence in an argument is shown as \x1b, never sent raw to the terminal
for args in "$(printf '\033[2J')" "sim $(printf '\033[2J')" "--version $(printf '\033[31m')"; do
    # shellcheck disable=SC2086
    err=$("$SPATTEN" $args 2>&1 >/dev/null); rc=$?
    [ $rc -eq 1 ] || fail "$args: exit $rc"
    case "$err" in *$'\033'*) fail "raw ESC in: $err" ;; *'\x1b['*) ;; *) fail "message: $err" ;; esac
done
echo "920_cli_options: ok"
