#!/usr/bin/env bash
# 110_config_ref: docs/config-reference.md is exactly what `spatten config-ref` prints from the
# loaders' tables, so the reference cannot drift from the code; every shipped hw config runs;
# malformed JSON in a hw or workload file is one line naming file, line and column (exit 2).
source "$(dirname "$0")/../lib.bash"
set -u
"$SPATTEN" config-ref | diff -u docs/config-reference.md - >&2 \
    || fail "docs/config-reference.md is stale: regenerate with spatten config-ref > docs/config-reference.md"
expect_exit 1 "$SPATTEN" config-ref nonsense
for hw in configs/hw/*.json; do
    "$SPATTEN" run configs/workloads/tiny.json --hw "$hw" -q -o "$(mktemp -d)" >/dev/null || fail "$hw"
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# cJSON alone took both (fuzzing): a leading zero; invalid UTF-8 that then reached report.json
printf '{"include": "%s/configs/hw/spatten.json", "topk_in_lanes": 016}\n' "$PWD" >"$T/hw.json"
expect_exit 2 "$SPATTEN" run configs/workloads/tiny.json --hw "$T/hw.json" -q -o "$T/o1"
# column: 57 bytes of text before the 0 besides the checkout path
[ "$LAST_ERR" = "spatten: $T/hw.json: malformed JSON at line 1, column $((${#PWD} + 58)): number with a leading zero" ] \
    || fail "message: $LAST_ERR"
printf '{"include": "%s/configs/workloads/tiny.json", "name": "ti\377ny"}\n' "$PWD" >"$T/wl.json"
expect_exit 2 "$SPATTEN" run "$T/wl.json" -q -o "$T/o2"
[ "$LAST_ERR" = "spatten: $T/wl.json: malformed JSON at line 1, column $((${#PWD} + 56)): invalid UTF-8 in a string (byte 0xff)" ] \
    || fail "message: $LAST_ERR"
[ ! -e "$T/o1/report.json" ] && [ ! -e "$T/o2/report.json" ] || fail "a report was written"
exit 0
