#!/usr/bin/env bash
# 40_topk: speed of the top-k C model (sim/topk.c): selections and simulated cycles per second
# of wall time, and the simulated cycles per job, for n in {64, 384, 1024, 2048}, k = n/4,
# 16 comparators and 16 lanes. Serial engine: the core clocked every cycle ("core"), then
# job-level evaluation (topk_set_fast) with the cycles between start and DONE jumped, as the
# simulator does ("job"). Pipelined engine ("pcore", "pjob"): a stream of jobs, each started as
# soon as topk_can_accept allows and retired when done; cycles/job is then the engine's
# throughput (docs/arch/topk.md section 8.3: 1 + max(Lc, S, E) once the pipeline is full).
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
static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}
int main(void) {
    static uint64_t v[2048];
    uint64_t s = 1;
    const uint32_t ns[] = {64, 384, 1024, 2048};
    const char *modes[] = {"core", "job", "pcore", "pjob"};
    printf("%5s %6s %6s %10s %14s %12s\n", "mode", "n", "k", "jobs/s", "sim cycles/s", "cycles/job");
    for (int a = 0; a < 16; a++) {
        int fast = (a / 4) % 2, pipe = a >= 8;
        topk_cfg c; topk_cfg_default(&c);
        c.variant = pipe ? TOPK_PIPELINED : TOPK_SERIAL;
        sim_err err;
        topk *t = topk_create(&c, NULL, "topk", &err);
        if (!t) { fprintf(stderr, "%s\n", err.msg); return 1; }
        topk_set_fast(t, fast);
        uint32_t n = ns[a % 4], k = n / 4, jobs = 0;
        uint64_t now = 0, t_first = 0;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        double el = 0;
        while (el < 0.5) {
            for (uint32_t i = 0; i < n; i++) { s = s * 6364136223846793005ull + 1; v[i] = s >> 40; }
            if (!pipe) {
                topk_start(t, v, n, k, (uint32_t)(s >> 7), now);
                if (fast) {
                    topk_tick(t, now);
                    while (topk_busy(t)) { now = topk_next_event(t, now); topk_tick(t, now); }
                    now++;
                } else {
                    while (topk_busy(t)) topk_tick(t, now++);
                }
                jobs++;
            } else {
                /* offer one job; run until it is accepted, retiring finished ones */
                for (;;) {
                    if (topk_can_accept(t, now)) { topk_start(t, v, n, k, (uint32_t)(s >> 7), now); break; }
                    topk_tick(t, now);
                    while (topk_done(t)) { if (jobs++ == 0) t_first = now; topk_retire(t); }
                    now = fast ? topk_next_event(t, now) : now + 1;
                }
            }
            el = since(&t0);
        }
        double per = pipe ? (double)(now - t_first) / (jobs > 1 ? jobs - 1 : 1) : (double)now / jobs;
        printf("%5s %6u %6u %10.0f %14.0f %12.1f\n", modes[a / 4], n, k, jobs / el, (double)now / el, per);
        topk_destroy(t);
    }
    return 0;
}
C
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -iquote "$BUILD/inc/front" -o "$tmp/b" "$tmp/b.c" "$BUILD/libspatten.a" -lcjson -lm
"$tmp/b"
