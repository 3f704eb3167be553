#!/usr/bin/env bash
# 40_topk: speed of the top-k C model (sim/topk.c): selections and simulated cycles per second
# of wall time, and the average job length in cycles, for n in {64, 384, 1024, 2048}, k = n/4,
# 16 comparators and 16 lanes; the core clocked every cycle ("core"), then job-level evaluation
# (topk_set_fast) with the cycles between start and DONE jumped, as the simulator does ("job").
# Measures only; never fails on time.
set -eu
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/libspatten.a" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/b.c" <<'C'
#include "topk.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void) {
    topk_cfg c; topk_cfg_default(&c);
    sim_err err;
    topk *t = topk_create(&c, NULL, "topk", &err);
    if (!t) { fprintf(stderr, "%s\n", err.msg); return 1; }
    static uint64_t v[2048];
    uint64_t s = 1;
    const uint32_t ns[] = {64, 384, 1024, 2048};
    printf("%5s %6s %6s %10s %14s %12s\n", "mode", "n", "k", "jobs/s", "sim cycles/s", "cycles/job");
    for (int a = 0; a < 8; a++) {
        int fast = a >= 4;
        topk_set_fast(t, fast);
        uint32_t n = ns[a % 4], k = n / 4, jobs = 0;
        uint64_t cyc = 0, now = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        double el = 0;
        while (el < 0.5) {
            for (uint32_t i = 0; i < n; i++) { s = s * 6364136223846793005ull + 1; v[i] = s >> 40; }
            topk_start(t, v, n, k, (uint32_t)(s >> 7), now);
            if (fast) {
                topk_tick(t, now);
                while (topk_busy(t)) { now = topk_next_event(t, now); topk_tick(t, now); }
                now++;
            } else {
                while (topk_busy(t)) topk_tick(t, now++);
            }
            cyc += topk_job_cycles(t);
            jobs++;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        }
        printf("%5s %6u %6u %10.0f %14.0f %12.1f\n", fast ? "job" : "core", n, k, jobs / el,
               (double)cyc / el, (double)cyc / jobs);
    }
    topk_destroy(t);
    return 0;
}
C
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -iquote "$BUILD/inc/front" -o "$tmp/b" "$tmp/b.c" "$BUILD/libspatten.a" -lcjson -lm
"$tmp/b"
