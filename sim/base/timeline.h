/*
 * timeline.h - Chrome / Perfetto trace-event JSON writer (one track per hardware module).
 *
 * Not a hardware block: a recorder the simulator fills with slices (module, name, start/end
 * cycle) and writes, atomically, as {"traceEvents": [...], "displayTimeUnit": "ns", ...}:
 *   - one "M" (metadata) event "thread_name" per track, pid 1, tid = track id + 1, plus one
 *     "thread_sort_index" so tracks appear in creation order;
 *   - one complete event ("ph": "X") per slice, ts/dur in microseconds = cycles * cycle_ns / 1000,
 *     printed with fixed precision (%.6f: 1 ps resolution) so output is byte-identical;
 *   - slices sorted by (start, track, end descending, insertion order) - a total order, so the
 *     same slices give the same bytes whatever order they were recorded in within a cycle.
 * Open the file in ui.perfetto.dev or chrome://tracing.
 */
#ifndef SPATTEN_TIMELINE_H
#define SPATTEN_TIMELINE_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct timeline timeline;

timeline *tl_create(void);
void      tl_destroy(timeline *t);                   /* NULL is a no-op */
/* Register a track (a module); returns its id (0, 1, ...). The same name twice returns the
 * existing id. name is copied. */
int       tl_track(timeline *t, const char *name);
/* Record a slice [start, end) in cycles on track; name is copied. Asserts a valid track and
 * start <= end. */
void      tl_slice(timeline *t, int track, const char *name, cycle_t start, cycle_t end);
/* Same with one numeric argument shown in the slice's details ("args": {key: value}). */
void      tl_slice_arg(timeline *t, int track, const char *name, cycle_t start, cycle_t end,
                       const char *arg_key, uint64_t arg_val);
size_t    tl_count(const timeline *t);               /* slices recorded */
/* Write the JSON (atomic, via fio_*). cycle_ns > 0: length of one cycle in ns. SIM_EIO/EINVAL. */
int       tl_write(const timeline *t, const char *path, double cycle_ns, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
