#!/usr/bin/env bash
# 910_input_types (issue 12 item 10): a FIFO or a device given as an input is refused at once
# (exit 3, one line naming the path and what it is), never waited on in open().
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkfifo "$T/fifo" || fail "mkfifo"
mknod "$T/null" c 1 3 2>/dev/null || cp /dev/null "$T/null"   # without mknod rights: skip devices
for p in "$T/fifo" "$T/null" "$T"; do
    for cmd in "info $p" "trace $p -o $T/x.spt" "sim --hw $p --trace $T/none.spt" \
               "sim --hw configs/hw/spatten.json --trace $p" \
               "sim --hw configs/hw/spatten.json --workload-csv $p" "run $p -o $T/o" \
               "dram --config $p --gen random --count 4"; do
        [ -c "$p" ] || [ -p "$p" ] || [ -d "$p" ] || continue
        # shellcheck disable=SC2086
        expect_exit 3 timeout 10 "$SPATTEN" $cmd
        case "$LAST_ERR" in *"$p"*"not a regular file"*) ;; *) fail "$cmd: $LAST_ERR" ;; esac
    done
done
# an include that names a FIFO is traced to the include field, without hanging
printf '{"include": "%s"}\n' "$T/fifo" >"$T/hw.json"
expect_exit 2 timeout 10 "$SPATTEN" sim --hw "$T/hw.json" --trace "$T/none.spt"
case "$LAST_ERR" in *"field 'include'"*"FIFO"*) ;; *) fail "include: $LAST_ERR" ;; esac
echo "910_input_types: ok"
