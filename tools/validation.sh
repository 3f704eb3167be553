#!/usr/bin/env bash
# Reruns every table of docs/validation.md.
#
#   tools/validation.sh            # build, run all sweeps and reports, print the tables
#   tools/validation.sh --tables   # only print the tables from results already in out/validation/
#
# Environment: BUILD (build directory, default build), JOBS (parallel sweep points, default 2),
# OUT (results directory, default out/validation). Whole run: about 8 minutes on 2 cores (up to
# 15 when they are shared); the GPT-2 small ablation (16 points) takes the longest.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
OUT=${OUT:-out/validation}
PY=/usr/bin/python3
SP="$BUILD/spatten"

if [ "${1:-}" != "--tables" ]; then
    make BUILD="$BUILD" -j2 all >/dev/null
    mkdir -p "$OUT"
    sweeps="ablation-bert ablation-gpt2-small pq-bert-base topk-bert topk-gpt2-small dense-vs-spatten memory-gpt2-small"
    for s in $sweeps; do
        f=configs/sweeps/$s.json
        echo "== sweep $f" >&2
        "$SP" sweep "$f" -j "$JOBS" -o "$OUT/$s.csv" --resume >&2
    done
    # full reports (bytes by kind, energy by module, GPU times) of the shipped workloads
    for w in bert-base bert-base-glue bert-large gpt2-small gpt2-medium; do
        echo "== run $w" >&2
        "$SP" run "configs/workloads/$w.json" -o "$OUT/run-$w" -q >/dev/null
    done
    # dense (policy none) reports of BERT-base-384 and GPT-2 small: points 2 and 8 of dense-vs-spatten
    "$SP" run "$OUT/dense-vs-spatten.csv.d/point-00002-workload.json" -o "$OUT/run-bert-base-dense" -q >/dev/null
    "$SP" run "$OUT/dense-vs-spatten.csv.d/point-00008-workload.json" -o "$OUT/run-gpt2-small-dense" -q >/dev/null
fi

OUT="$OUT" "$PY" - <<'PYEOF'
import csv, json, os
OUT = os.environ["OUT"]
def rows(name):
    p = os.path.join(OUT, name + ".csv")
    return list(csv.DictReader(open(p))) if os.path.exists(p) else []
def tot(r): return int(r["dram_read_bytes"]) + int(r["dram_write_bytes"])
def b(x): return x in ("true", "1", True)
MB = 1e6

print("## Table 1: DRAM bytes per technique (x = dense bytes / variant bytes)\n")
print("| workload | dense MB | token only | head only | local V only | progressive only | token + local V | token + head + local V | all (shipped) | all MB | GPU unfused / all | GPU fused / all |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in ("ablation-bert", "ablation-gpt2-small"):
    R = rows(name)
    by = {}
    for r in R:
        key = (b(r["wl.policy.token_prune"]), b(r["wl.policy.head_prune"]), b(r["wl.policy.local_v"]),
               b(r.get("wl.policy.progressive", "false")))
        by.setdefault(r["workload"], {})[key] = r
    for wl, d in by.items():
        dense = tot(d[(False, False, False, False)])
        def f(k):
            return "%.2fx" % (dense / tot(d[k])) if k in d else "-"
        has_pq = (False, False, False, True) in d
        allk = (True, True, True, has_pq)
        ra = d[allk]
        print("| %s | %.2f | %s | %s | %s | %s | %s | %s | %s | %.2f | %.1fx | %.1fx |" % (
            wl, dense / MB, f((True, False, False, False)), f((False, True, False, False)),
            f((False, False, True, False)), f((False, False, False, True)),
            f((True, False, True, False)), f((True, True, True, False)), f(allk), tot(ra) / MB,
            float(ra["dram_reduction_unfused"]), float(ra["dram_reduction_fused"])))

print("\n## Table 1b: cycles per technique (x = dense cycles / variant cycles; > 1 is faster), by top-k engine\n")
print("top-k busy and Q.K busy: fraction of the cycles of the all-techniques (shipped) run; top-k sums the engines, and a pipelined engine is busy while any of its jobs is in flight.\n")
print("| workload | top-k engine | local-V engines | dense cycles | token only | head only | local V only | progressive only | token + local V | token + head | token + head + local V | all (shipped) | top-k busy | Q.K busy |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in ("ablation-bert", "ablation-gpt2-small"):
    by = {}
    for r in rows(name):
        key = (b(r["wl.policy.token_prune"]), b(r["wl.policy.head_prune"]), b(r["wl.policy.local_v"]),
               b(r.get("wl.policy.progressive", "false")))
        hw = (r.get("hw.topk_variant", "serial"), r.get("hw.topk_engines", "1"))
        by.setdefault((r["workload"], hw), {})[key] = r
    for (wl, hw), d in by.items():
        dense = int(d[(False, False, False, False)]["cycles"])
        def f(k):
            return "%.2fx" % (dense / int(d[k]["cycles"])) if k in d else "-"
        has_pq = (False, False, False, True) in d
        a = d[(True, True, True, has_pq)]
        print("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.0f%% | %.0f%% |" % (wl, hw[0], hw[1], dense,
            f((True, False, False, False)), f((False, True, False, False)), f((False, False, True, False)),
            f((False, False, False, True)), f((True, False, True, False)), f((True, True, False, False)),
            f((True, True, True, False)), f((True, True, True, has_pq)),
            100 * int(a["topk_busy_cycles"]) / int(a["cycles"]), 100 * int(a["qk_busy_cycles"]) / int(a["cycles"])))

R = rows("pq-bert-base")
if R:
    print("\n## Table 1c: progressive quantisation on BERT-base-384 (K split 6 + 6 bits, no pruning)\n")
    print("| progressive | DRAM MB | x vs split-K dense | LSB re-fetch rows / rows | cycles |")
    print("|---|---:|---:|---:|---:|")
    d0 = tot(R[0])
    for r in R:
        print("| %s | %.2f | %.2fx | %s / %s | %s |" % (r["wl.policy.progressive"], tot(r) / MB, d0 / tot(r),
              r["lsb_refetch_rows"], r["rows"], r["cycles"]))

R = rows("dense-vs-spatten")
if R:
    print("\n## Table 2: dense (policy none) vs shipped SpAtten policy, every workload\n")
    print("| workload | dense MB | SpAtten MB | reduction | x fp32-dense (dense x 32/12) | GPU unfused MB | GPU fused MB | GPU unfused / SpAtten | dense cycles | SpAtten cycles | SpAtten time ms | speedup vs GPU unfused (analytical) | energy saving vs GPU unfused |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    by = {}
    for r in R:
        by.setdefault(r["workload"], {})[r["wl.policy.name"]] = r
    for wl, d in by.items():
        if "none" not in d or "spatten" not in d:
            continue
        n, s = d["none"], d["spatten"]
        print("| %s | %.2f | %.2f | %.2fx | %.2fx | %.1f | %.1f | %.1fx | %s | %s | %.3f | %.2fx | %.1fx |" % (
            wl, tot(n) / MB, tot(s) / MB, tot(n) / tot(s), tot(n) * 32 / 12 / tot(s),
            int(s["gpu_unfused_dram_bytes"]) / MB, int(s["gpu_fused_dram_bytes"]) / MB,
            float(s["dram_reduction_unfused"]), n["cycles"], s["cycles"], float(s["seconds"]) * 1e3,
            float(s["speedup_unfused"]), float(s["energy_saving_unfused"])))

print("\n## Table 3: bytes by kind (MB), dense vs shipped policy\n")
print("| run | q | k_msb | k_lsb | v | out | kv_append | read | written | LSB re-fetch rows |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for run in ("bert-base-dense", "bert-base", "gpt2-small-dense", "gpt2-small"):
    p = os.path.join(OUT, "run-" + run, "report.json")
    if not os.path.exists(p):
        continue
    a = json.load(open(p))["accelerator"]
    k = a["bytes"]
    print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d (%.1f%%) |" % (
        run, k["q"] / MB, k["k_msb"] / MB, k["k_lsb"] / MB, k["v"] / MB, k["out"] / MB,
        k["kv_append"] / MB, a["dram_read_bytes"] / MB, a["dram_write_bytes"] / MB,
        a["lsb_refetch_rows"], 100 * a["lsb_refetch_fraction"]))

print("\n## Table 4: speed of the shipped workloads vs the ANALYTICAL TITAN Xp\n")
print("| workload | cycles | time ms | GPU unfused ms | GPU fused ms | speedup unfused | speedup fused | top-k util | Q.K util | DRAM BW util | useful GOPS (2 x MACs / s) | dense-equivalent TFLOPS (GPU flops / s) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for w in ("bert-base-glue", "bert-base", "bert-large", "gpt2-small", "gpt2-medium"):
    p = os.path.join(OUT, "run-" + w, "report.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p)); a = r["accelerator"]; g = {x["kernel"]: x for x in r["gpu_baseline"]}
    bw = r["stats"].get("dram.bandwidth_pct", 0.0)
    print("| %s | %d | %.3f | %.3f | %.3f | %.2fx | %.2fx | %.0f%% | %.0f%% | %.1f%% | %.0f | %.2f |" % (
        r["workload"]["name"], a["cycles"], a["seconds"] * 1e3, g["unfused"]["seconds"] * 1e3,
        g["fused"]["seconds"] * 1e3, g["unfused"]["ratios"]["speedup"], g["fused"]["ratios"]["speedup"],
        100 * a["utilisation"]["topk"], 100 * a["utilisation"]["qk"], bw,
        2 * (a["qk_macs"] + a["pv_macs"]) / a["seconds"] / 1e9, g["unfused"]["flops"] / a["seconds"] / 1e12))

print("\n## Table 4b: the summarization passes on the default machine: top-k engines against Q.K\n")
print("busy: cycles with work in the unit, as a fraction of the summarization passes' cycles; top-k: the local-V engine (`topk`) and the cascade engine (`topk_cascade`) summed; select: the local-V engine's partition-pass cycles (its slowest stage).\n")
print("| workload | summarization cycles | Q.K busy | top-k busy | top-k busy / Q.K busy |")
print("|---|---:|---:|---:|---:|")
for w in ("bert-base-glue", "bert-base", "bert-large", "gpt2-small", "gpt2-medium"):
    p = os.path.join(OUT, "run-" + w, "report.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p))
    s = [x for x in r["passes"] if x["step"] == 0]
    cyc = sum(x["cycles"] for x in s)
    qk = sum(x["busy_cycles"]["qk"] for x in s)
    tk = sum(x["busy_cycles"]["topk"] for x in s)
    print("| %s | %d | %.0f%% | %.0f%% | %.2f |" % (r["workload"]["name"], cyc, 100 * qk / cyc, 100 * tk / cyc, tk / qk))

for name in ("topk-bert", "topk-gpt2-small"):
    R = rows(name)
    if not R:
        continue
    print("\n## Table 5 (%s): comparators per top-k engine, serial and pipelined (x = speedup over the same engine with 16 comparators)\n" % name)
    print("| workload | top-k engine | comparators | cycles | time ms | x | top-k busy | Q.K busy | energy mJ |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    base = {(r["workload"], r["hw.topk_variant"]): int(r["cycles"]) for r in R
            if r["hw.topk_comparators"] == "16"}
    for r in R:
        c = int(r["cycles"])
        print("| %s | %s | %s | %d | %.3f | %.2fx | %.0f%% | %.0f%% | %.3f |" % (r["workload"], r["hw.topk_variant"],
              r["hw.topk_comparators"], c, float(r["seconds"]) * 1e3,
              base[(r["workload"], r["hw.topk_variant"])] / c, 100 * int(r["topk_busy_cycles"]) / c,
              100 * int(r["qk_busy_cycles"]) / c, float(r["energy_pj"]) * 1e-9))

R = rows("memory-gpt2-small")
if R:
    dense = None
    for r in rows("dense-vs-spatten"):
        if r["workload"].startswith("gpt2-small") and r["wl.policy.name"] == "none":
            dense = int(r["dram_read_bytes"]) + int(r["dram_write_bytes"])
    print("\n## Table 7: memory-system choices on GPT-2 small (shipped SpAtten policy)\n")
    print("| row layout | K/V buffer slots | V bits | DRAM MB | x vs 12-bit dense | cycles | time ms | energy mJ |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in R:
        b = int(r["dram_read_bytes"]) + int(r["dram_write_bytes"])
        print("| %s | %s | %s | %.2f | %s | %s | %.3f | %.3f |" % (r["hw.row_layout"], r["hw.kv_slots"],
              r["wl.fxp.v_bits"], b / 1e6, "%.2fx" % (dense / b) if dense else "-", r["cycles"],
              float(r["seconds"]) * 1e3, float(r["energy_pj"]) * 1e-9))

print("\n## Table 6: energy by module, shipped workloads (share of the total; check: parts sum to the total)\n")
print("| workload | total mJ | avg power W | on-chip power W (total - DRAM) | DRAM | SRAM | compute (qk+softmax+pv+topk+imp) | fetch | DRAM background+refresh share of DRAM | DRAM pJ/bit | sum of parts == total |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for w in ("bert-base-glue", "bert-base", "bert-large", "gpt2-small", "bert-base-dense", "gpt2-small-dense"):
    p = os.path.join(OUT, "run-" + w, "report.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p)); a = r["accelerator"]; e = a["energy_pj"]; t = a["energy_total_pj"]
    s = 0.0
    for v in e.values():
        s += v
    comp = sum(e[k] for k in ("qk", "softmax", "pv", "topk", "imp"))
    st = r["stats"]
    print("| %s | %.3f | %.2f | %.2f | %.1f%% | %.1f%% | %.1f%% | %.2f%% | %.0f%% | %.1f | %s |" % (
        w, t * 1e-9, t * 1e-12 / a["seconds"], (t - e["dram"]) * 1e-12 / a["seconds"], 100 * e["dram"] / t, 100 * e["sram"] / t, 100 * comp / t,
        100 * e["fetch"] / t, 100 * (st["dram.energy_bg_pj"] + st["dram.energy_ref_pj"]) / st["dram.energy_total_pj"],
        st["dram.energy_pj_per_bit"], "exact" if s == t else "DIFFERS by %g pJ" % (s - t)))
PYEOF
