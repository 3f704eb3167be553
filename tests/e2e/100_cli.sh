#!/usr/bin/env bash
# 100_cli: the dispatcher's contract: --version, --help, unknown command -> one line + exit 1;
# output that cannot be written to stdout is an I/O error (exit 3), never a silent success.
source "$(dirname "$0")/../lib.bash"
v=$("$SPATTEN" --version) || fail "--version failed"
[ "$v" = "spatten 0.1.0" ] || fail "--version printed '$v'"
"$SPATTEN" --help | grep -q "^  run " || fail "--help does not list run"
expect_exit 1 "$SPATTEN" frobnicate
[ "$LAST_ERR" = "spatten: unknown command 'frobnicate' (try: spatten --help)" ] || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN"
# a bad option is named, also inside a cluster of short options and for a missing value
expect_exit 1 "$SPATTEN" sim -zq
[ "$LAST_ERR" = "spatten: sim: bad option or missing value '-z' (see spatten sim --help)" ] || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN" trace --bogus
echo "$LAST_ERR" | grep -q "trace: bad option or missing value '--bogus'" || fail "message: $LAST_ERR"
expect_exit 1 "$SPATTEN" sim --hw
echo "$LAST_ERR" | grep -q "'--hw'" || fail "message: $LAST_ERR"

# stdout write errors (here /dev/full: every write fails with ENOSPC): one line, exit 3
[ -w /dev/full ] || fail "/dev/full is needed by this test"
expect_full() {
    local err; err=$(mktemp)
    "$@" >/dev/full 2>"$err"; local rc=$?
    [ "$rc" -eq 3 ] || { cat "$err" >&2; rm -f "$err"; fail "exit $rc, want 3 with stdout on /dev/full: $*"; }
    local msg; msg=$(cat "$err"); rm -f "$err"
    [ "$msg" = "spatten: <stdout>: write failed: No space left on device" ] || fail "message: $msg ($*)"
}
expect_full "$SPATTEN" --help
expect_full "$SPATTEN" --version
expect_full "$SPATTEN" config-ref                 # more than one stdio buffer of output
expect_full "$SPATTEN" config-ref workload
for c in run sim trace info dram sweep config-ref; do expect_full "$SPATTEN" $c --help; done
# an earlier error keeps its own code and its one line
err=$("$SPATTEN" frobnicate 2>&1 >/dev/full); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "spatten: unknown command 'frobnicate' (try: spatten --help)" ] \
    || fail "usage error with stdout on /dev/full: exit $rc, '$err'"
exit 0
