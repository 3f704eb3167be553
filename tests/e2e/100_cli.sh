#!/usr/bin/env bash
# 100_cli: the dispatcher's contract: --version, --help, unknown command -> one line + exit 1.
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
exit 0
