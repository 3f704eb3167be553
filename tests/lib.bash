# Helpers for end-to-end tests: source "$(dirname "$0")/../lib.bash".
SPATTEN=${SPATTEN:-$PWD/build/spatten}
PYTHON=${PYTHON:-/usr/bin/python3}
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit CODE CMD... : runs CMD, asserts its exit code and that stderr is exactly one line
expect_exit() {
    local want=$1; shift
    local err; err=$(mktemp)
    "$@" >/dev/null 2>"$err"; local rc=$?
    [ "$rc" -eq "$want" ] || { cat "$err" >&2; rm -f "$err"; fail "exit $rc, want $want: $*"; }
    if [ "$want" -ne 0 ]; then
        local n; n=$(wc -l <"$err")
        [ "$n" -eq 1 ] || { cat "$err" >&2; rm -f "$err"; fail "stderr has $n lines, want 1: $*"; }
        LAST_ERR=$(cat "$err")
    fi
    rm -f "$err"
}
