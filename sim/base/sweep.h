/*
 * sweep.h - a sweep: base configs crossed with varied fields (docs/sweep.md).
 *
 * The sweep file is a config like every other (cfg.h: strict JSON, include, unknown and duplicate
 * fields are errors, "_comment" keys ignored, paths relative to the file that sets them):
 *   { "hw": "../hw/spatten.json",                      base hardware config (required)
 *     "workloads": ["../workloads/tiny.json"],         base workload configs (required, >= 1)
 *     "vary_hw": { "topk_comparators": [8, 16] },      hw field path -> values
 *     "vary_workload": { "policy.v_keep": [0.5, 1] } } workload field path -> values
 * A varied path must name a field of the hw (workload) config table through objects only
 * (cfg_find_path), and no varied path may lie inside another. Points are numbered
 * workload-major, then in the order the varied fields appear, the last varying fastest. Each
 * point is two small config files that include the base file and set the varied fields, so the
 * strict loader validates a point exactly as a hand-written config.
 *
 * This module knows configs only through cfg_table: the caller passes the hw and workload
 * tables (it lives below both). Errors are one line naming the sweep file and the field.
 */
#ifndef SPATTEN_SWEEP_H
#define SPATTEN_SWEEP_H

#include "base/cfg.h"
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SWEEP_MAX_AXES      16       /* varied fields */
#define SWEEP_MAX_POINTS    100000
#define SWEEP_MAX_WORKLOADS 64

typedef struct sweep sweep;          /* opaque */

/* Load and check a sweep file; hw_t / wl_t are the tables of the configs it varies. Returns
 * SIM_OK with *out set, or SIM_EINVAL (a bad sweep) / SIM_EIO (a base config that cannot be
 * opened) with *out NULL. */
int  sweep_load(const char *path, const cfg_table *hw_t, const cfg_table *wl_t, sweep **out,
                sim_err *err);
void sweep_free(sweep *s);                                  /* NULL is a no-op */

const char *sweep_path(const sweep *s);                     /* as given to sweep_load */
const char *sweep_hw(const sweep *s);                       /* absolute */
int         sweep_n_workloads(const sweep *s);
const char *sweep_workload(const sweep *s, int i);          /* absolute */
long        sweep_n_points(const sweep *s);
int         sweep_n_axes(const sweep *s);
/* Axis a's CSV column name: "hw.<path>" or "wl.<path>". */
const char *sweep_axis_column(const sweep *s, int a);

/* Axis a's value at point p, as its CSV cell (strings hold no comma, quote or line break:
 * sweep_load refuses them), printed whole. */
void sweep_put_cell(const sweep *s, long p, int a, FILE *f);

/* The point's files in dir: "<dir>/point-NNNNN<suffix>" into buf; false if it does not fit. */
bool sweep_point_path(const char *dir, long p, const char *suffix, char *buf, size_t cap);
/* Write point p's two config files (dir/point-NNNNN-hw.json, -workload.json, atomically) and
 * return their paths in hw_out / wl_out (cap bytes each). */
int  sweep_write_point(const sweep *s, long p, const char *dir, char *hw_out, char *wl_out,
                       size_t cap, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
