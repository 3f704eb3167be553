/* progress.c - terminal progress line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_init(progress *p, const char *what, bool quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->t0 = now_s();
    p->shown = false;
    p->what = what;
}

void progress_cb(void *ctx, uint32_t done, uint32_t total)
{
    progress *p = ctx;
    if (!p->enabled || total == 0) return;
    double el = now_s() - p->t0;
    if (el < 1.0 && !p->shown) return;
    double rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    fprintf(stderr, "\r%s: %u/%u passes (%.0f%%), %.1f passes/s, ETA %.0f s   ", p->what, done,
            total, 100.0 * done / total, rate, eta);
    fflush(stderr);
    p->shown = true;
}

void progress_end(progress *p)
{
    if (p->shown) fprintf(stderr, "\r%*s\r", 79, "");
}
