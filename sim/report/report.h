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


#ifdef __cplusplus
}
#endif
#endif
