#!/usr/bin/env bash
# Runs every test suite and ends with one closing line: "N passed, N failed".
#  - GoogleTest unit tests (tests/unit/*.cc, one binary): each test case counts;
#  - end-to-end shell tests (tests/e2e/*.sh): each script counts once; a script exits 0 on pass;
#    exit 77 = skipped (a missing optional package), counted apart;
#  - extra make targets in TEST_STEPS (e.g. rtl-test): each counts once.
set -u
BUILD=${BUILD:-build}
export BUILD PYTHON=${PYTHON:-/usr/bin/python3}
export SPATTEN="$PWD/$BUILD/spatten"
passed=0 failed=0 skipped=0
failures=()

log=$(mktemp)
"$BUILD/unit_tests" --gtest_brief=1 >"$log" 2>&1
rc=$?
cat "$log"
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*, listed below.*/\1/p' "$log" | tail -1)
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); failures+=("unit_tests (exit $rc)"); fi
rm -f "$log"

for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    out=$(mktemp)
    bash "$t" >"$out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1)); echo "[e2e ok]   $t"
    elif [ "$rc" -eq 77 ]; then   # the script's last line says why (e.g. torch not installed)
        skipped=$((skipped + 1)); echo "[e2e skip] $t: $(tail -1 "$out")"
    else
        failed=$((failed + 1)); failures+=("$t"); echo "[e2e FAIL] $t"; sed 's/^/    /' "$out" | tail -40
    fi
    rm -f "$out"
done

for s in ${TEST_STEPS:-}; do
    out=$(mktemp)
    if make --no-print-directory "$s" >"$out" 2>&1; then
        passed=$((passed + 1)); echo "[step ok]   make $s"; tail -3 "$out" | sed 's/^/    /'
    else
        failed=$((failed + 1)); failures+=("make $s"); echo "[step FAIL] make $s"; tail -40 "$out" | sed 's/^/    /'
    fi
    rm -f "$out"
done

for x in "${failures[@]}"; do echo "FAILED: $x"; done
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
