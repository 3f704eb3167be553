/*
 * report.h - the simulator's reports: console summary, JSON, per-pass CSV (interfaces.md).
 *
 * Every report is built from one report_in: the accelerator's results (accel_result), the
 * stats registry, the hardware config and the workload shape. The GPU baseline beside the
 * accelerator figures is ANALYTICAL (sim/gpu.h), labelled so in every output. Files are written
 * atomically and are byte-identical for the same inputs (nothing run-dependent such as wall
 * time, host name or skipped-cycle counts goes into them).
 */
#ifndef SPATTEN_REPORT_H
#define SPATTEN_REPORT_H

#include "base/common.h"
#include "accel/accel.h"
#include "cost/gpu.h"
#include "accel/hwcfg.h"
#include "base/stats.h"
#include "base/sweep.h"
#include "trace/wlcsv.h"
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The workload as the report describes it (from a trace or an authors' CSV). */
typedef struct report_workload {
    const char *name;          /* workload name */
    const char *model;         /* "bert-base", ..., "custom", "csv" */
    const char *policy;        /* policy name */
    uint32_t layers, heads, d_head, n_prompt, n_gen;
    const char *source;        /* trace or CSV path ("" when built in memory) */
    uint64_t checksum;         /* trace data checksum (0 for CSV) */
} report_workload;

/* Fill w from a trace (pointers into t; source may be NULL). */
void report_workload_from_trace(report_workload *w, const spt_trace *t, const char *source);

typedef struct report_in {
    const hw_cfg *hw;
    const report_workload *wl;
    const accel_result *res;
    const stats *st;           /* may be NULL */
} report_in;

/* The analytical GPU figures for the report (kernel GPU_UNFUSED / GPU_FUSED); false when the hw
 * config names no GPU. */
bool report_gpu(const report_in *in, int kernel, gpu_result *out);

int report_console(const report_in *in, FILE *out);
int report_write_json(const report_in *in, const char *path, sim_err *err);
int report_write_csv(const report_in *in, const char *path, sim_err *err);
/* The JSON document as a string (malloc'ed), as report_write_json writes it. */
char *report_json_string(const report_in *in);

/* Fill w from an authors' workload CSV (pointers into c; its shape from wlcsv_shape). */
void report_workload_from_csv(report_workload *w, const wlcsv *c, const char *source);

/* ---- sweeps (docs/sweep.md) ----
 * A sweep's results: a header, then one row per point (point, workload, one cell per varied
 * field, then cycles ... energy_saving_unfused). The GPU columns and the ratios follow the
 * report's rule: a GPU figure the hw config does not give, or a ratio whose denominator is 0,
 * is "-" (the console's "-", the JSON's null), never a number. */
void report_sweep_header(const sweep *s, FILE *f);
void report_sweep_row(const sweep *s, long p, const report_in *in, FILE *f);

/* The FNV-1a 64 hash of a run's effective inputs: the simulator version, the hw config and the
 * DRAM, energy and GPU configs it loaded (each after includes and overrides, as cfg_to_json
 * writes it), and the workload config as wl_json (wl_to_json's text). */
uint64_t report_inputs_hash(const hw_cfg *hw, const char *wl_json);

/* A point file (OUT.d/point-NNNNN.csv): "# spatten-sweep point N inputs <hash, 16 hex>", the
 * header, point N's row; written atomically. */
int report_sweep_point_write(const char *path, const sweep *s, long p, uint64_t hash,
                             const report_in *in, sim_err *err);
/* What a point file holds. */
typedef enum report_point_state {
    REPORT_POINT_OK,         /* point p's row, for these inputs and these columns */
    REPORT_POINT_MISSING,    /* no file */
    REPORT_POINT_STALE,      /* a well-formed file for other inputs (hash) or other columns */
    REPORT_POINT_BAD         /* anything else: empty, garbage, two rows, another point's row */
} report_point_state;
/* Check the point file at path against point p of s and the expected hash; why gets one phrase
 * ("" when OK). */
report_point_state report_sweep_point_check(const char *path, const sweep *s, long p,
                                            uint64_t hash, char *why, size_t cap);
/* Assemble out (atomically): the header, then the row of every point file in dir, in point
 * order; hash[p] is point p's expected hash. Every point file must be REPORT_POINT_OK, else
 * nothing is written: "<out>: point P: <why> (run it again, or use --resume)", SIM_EIO for a
 * missing file, SIM_EINVAL for a stale or bad one. */
int report_sweep_collect(const sweep *s, const char *dir, const uint64_t *hash, const char *out,
                         sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
