#!/usr/bin/env bash
# 110_config_ref: docs/config-reference.md is exactly what `spatten config-ref` prints from the
# loaders' tables, so the reference cannot drift from the code; every shipped hw config runs.
source "$(dirname "$0")/../lib.bash"
set -u
"$SPATTEN" config-ref | diff -u docs/config-reference.md - >&2 \
    || fail "docs/config-reference.md is stale: regenerate with spatten config-ref > docs/config-reference.md"
expect_exit 1 "$SPATTEN" config-ref nonsense
for hw in configs/hw/*.json; do
    "$SPATTEN" run configs/workloads/tiny.json --hw "$hw" -q -o "$(mktemp -d)" >/dev/null || fail "$hw"
done
exit 0
