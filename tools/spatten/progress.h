/* progress.h - a progress line on stderr (rate and ETA) when stderr is a terminal and the job
 * has run for more than a second; silent otherwise or with --quiet. Shared by run and sim. */
#ifndef SPATTEN_PROGRESS_H
#define SPATTEN_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress {
    bool   enabled;
    double t0;           /* start, seconds (monotonic) */
    bool   shown;        /* a line has been printed (clear it at the end) */
    const char *what;
} progress;

void progress_init(progress *p, const char *what, bool quiet);
void progress_cb(void *ctx, uint32_t done, uint32_t total);   /* accel_set_progress callback */
void progress_end(progress *p);

#endif
