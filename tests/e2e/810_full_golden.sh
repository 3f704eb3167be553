#!/usr/bin/env bash
# 810_full_golden: the full BERT-base (384 tokens) and GPT-2-small (992 + 32) workloads from the
# reference model pass the accelerator's golden check on the default machine (issue 5
# acceptance). GPT-2-small is skipped in sanitizer builds (BUILD=*asan*: ~10x slower).
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
wls="bert-base gpt2-small"
case "${BUILD:-build}" in *asan*) wls="bert-base";; esac
for w in $wls; do
    "$SPATTEN" trace "configs/workloads/$w.json" -o "$T/$w.spt" -q --no-error || fail "trace $w"
    "$SPATTEN" sim --hw configs/hw/spatten.json --trace "$T/$w.spt" -q --stats "$T/$w.txt" \
        >/dev/null || fail "sim $w: exit $? (4 = golden mismatch)"
    rows=$(sed -n 's/^accel\.rows *= *\([0-9]*\).*/\1/p' "$T/$w.txt")
    checked=$(sed -n 's/^accel\.golden_rows *= *\([0-9]*\).*/\1/p' "$T/$w.txt")
    [ -n "$rows" ] && [ "$rows" -gt 0 ] && [ "$rows" = "$checked" ] \
        || fail "$w: $checked of $rows rows checked against the golden trace"
done
exit 0
