#!/usr/bin/env bash
# 900_output_paths (issue 12 item 1): an output path that exists and is not a regular file (a
# character device, a FIFO, a symlink, a directory) is refused with exit 1 naming the option,
# and is left exactly as it was: the atomic writer never renames over it. Device nodes are made
# in a temp dir with mknod (never the real /dev/null).
source "$(dirname "$0")/../lib.bash"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
HW=configs/hw/spatten.json
"$SPATTEN" trace configs/workloads/tiny.json -o "$T/t.spt" -q || fail "trace"
mkfifo "$T/fifo" || fail "mkfifo"
echo "target" >"$T/target"
ln -s "$T/target" "$T/link"
mkdir "$T/dir"
have_dev=0
if mknod "$T/null" c 1 3 2>/dev/null; then have_dev=1; fi

unchanged() {   # unchanged NAME TYPE-TEST
    [ "$2" "$T/$1" ] || fail "$1 is no longer of its type (test $2)"
}
check() {   # check OPTION-NAME PATH CMD...
    local name=$1 p=$2; shift 2
    expect_exit 1 timeout 20 "$@"
    case "$LAST_ERR" in *"$name"*"$p"*"not a regular file"*|*"$name"*"$p"*" is a "*) ;;
        *) fail "message does not name $name and $p: $LAST_ERR" ;; esac
}
for p in fifo link dir; do
    check "--json" "$T/$p" "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --json "$T/$p" -q
    check "--stats" "$T/$p" "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --stats "$T/$p" -q
    check "-o" "$T/$p" "$SPATTEN" trace configs/workloads/tiny.json -o "$T/$p" -q
    check "--csv" "$T/$p" "$SPATTEN" trace configs/workloads/tiny.json -o "$T/x.spt" --csv "$T/$p" -q
    check "--json" "$T/$p" "$SPATTEN" dram --config configs/dram/hbm2.json --gen random --count 10 --json "$T/$p"
    check "--json" "$T/$p" "$SPATTEN" quality configs/workloads/tiny.json --json "$T/$p"
    check "--logits" "$T/$p" "$SPATTEN" quality configs/workloads/tiny.json --logits "$T/$p"
done
unchanged fifo -p
unchanged link -L
unchanged dir -d
[ "$(cat "$T/target")" = "target" ] || fail "the symlink's target was changed"
# run -o DIR: a report name inside DIR that is a FIFO
mkdir "$T/out" && mkfifo "$T/out/report.json"
check "report" "$T/out/report.json" "$SPATTEN" run configs/workloads/tiny.json -o "$T/out" -q
unchanged out/report.json -p
if [ $have_dev = 1 ]; then
    check "--json" "$T/null" "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --json "$T/null" -q
    check "-o" "$T/null" "$SPATTEN" trace configs/workloads/tiny.json -o "$T/null" -q
    unchanged null -c
fi
# quality: refused before the evaluation runs (no eval split needed to get there), and an output
# never replaces an input: the workload file, its weights or its splits
if [ $have_dev = 1 ]; then
    check "--json" "$T/null" "$SPATTEN" quality configs/workloads/tiny.json --json "$T/null"
    unchanged null -c
fi
sed "s|\"../../models|\"$PWD/models|g" configs/workloads/gpt2-trained.json >"$T/gq.json"
cp "$T/gq.json" "$T/gq.keep"
expect_exit 1 "$SPATTEN" quality "$T/gq.json" --json "$T/gq.json"
[ "$LAST_ERR" = "spatten: quality: --json file '$T/gq.json' is also the workload file" ] || fail "$LAST_ERR"
cmp -s "$T/gq.json" "$T/gq.keep" || fail "quality replaced its workload file"
ev="$PWD/models/weights/gpt2-kjv/eval.txt"
expect_exit 1 "$SPATTEN" quality "$T/gq.json" --json "$ev"
[ "$LAST_ERR" = "spatten: quality: --json file '$ev' is also the eval_split file" ] || fail "$LAST_ERR"
expect_exit 1 "$SPATTEN" quality "$T/gq.json" --logits "$PWD/models/weights/gpt2-kjv/model.safetensors"
case "$LAST_ERR" in *"--logits file "*" is also the weights file") ;; *) fail "$LAST_ERR" ;; esac
expect_exit 1 "$SPATTEN" quality "$T/gq.json" --json "$T/q.json" --logits "$T/q.json"
[ "$LAST_ERR" = "spatten: quality: --logits file '$T/q.json' is also the --json file" ] || fail "$LAST_ERR"
# a regular file is still replaced atomically
echo old >"$T/r.json"
expect_exit 0 "$SPATTEN" sim --hw $HW --trace "$T/t.spt" --json "$T/r.json" -q
"$PYTHON" -c "import json; json.load(open('$T/r.json'))" || fail "r.json not replaced by a report"
echo "900_output_paths: ok"
