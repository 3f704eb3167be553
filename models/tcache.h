/*
 * tcache.h - reference-model traces kept on disk for reuse, keyed by the workload config.
 *
 * Runs that share a workload (the full effective config, as wl_to_json writes it) share one
 * trace: the first to need it runs the model (model_run) and leaves <dir>/trace-<key>.spt,
 * written atomically; the others read it back, which gives the same trace (tests/unit/220). The
 * key is the FNV-1a 64 hash of the simulator version and the config text, as 16 hex digits (a
 * cache left by another version of the model is not reused). Workloads that read weight or
 * token files (source "weights") are never cached: those files may change between runs. A cache
 * file that cannot be read or written is ignored, and the model runs.
 */
#ifndef SPATTEN_TCACHE_H
#define SPATTEN_TCACHE_H

#include "base/common.h"
#include "trace/trace.h"
#include "models/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The trace of w: read from dir's cache, or computed by model_run (and cached). */
int tcache_trace(const char *dir, const wl_cfg *w, spt_trace **out, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
