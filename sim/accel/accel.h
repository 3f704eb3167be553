/*
 * accel.h - the SpAtten accelerator, top level: controller + datapath modules + HBM2 model.
 *
 * Full mode (accel_create): executes a trace (models/trace.h) pass by pass, cycle by cycle,
 * computing every value with models/fxp.h from the K/V rows it holds in its image of DRAM, and
 * checks every output row, kept token/head set, LSB decision and importance against the trace's
 * golden values (mismatch = SIM_EMISMATCH naming step/layer/head/row).
 * Timing-only mode (accel_create_csv): the authors' per-(iteration, layer, head) CSV; no data,
 * no golden check, same machine and timing.
 *
 * Modules and their ports/timing: docs/arch/. Results: accel_result (plain structs, no
 * strings to look up) and the stats registry passed at create time.
 */
#ifndef SPATTEN_ACCEL_H
#define SPATTEN_ACCEL_H

#include "base/common.h"
#include "accel/hwcfg.h"
#include "base/stats.h"
#include "trace/trace.h"
#include "accel/traffic.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wlcsv wlcsv;        /* sim/wlcsv.h */
typedef struct timeline timeline;  /* sim/timeline.h */

/* Modules (for busy/stall cycles and energy). */
typedef enum acc_module {
    ACC_M_FETCH = 0,   /* matrix fetcher + crossbar + reorder buffer */
    ACC_M_QK,          /* Q.K unit */
    ACC_M_SOFTMAX,     /* softmax unit (+ progressive-quantisation decision) */
    ACC_M_TOPK,        /* top-k engine */
    ACC_M_PV,          /* prob.V unit */
    ACC_M_IMP,         /* token/head importance accumulators */
    ACC_M_SRAM,        /* Q/K/V buffers (energy only: bytes read/written) */
    ACC_M_DRAM,        /* HBM2 (energy from dram_get_energy; busy = data-bus cycles, averaged over channels) */
    ACC_M_N
} acc_module;
extern const char *const ACC_MODULE_NAMES[ACC_M_N];    /* "fetch", "qk", "softmax", ... */

/* Per pass = per (step, layer). Counters are differences over the pass's cycle interval. */
/* What a pass (or the whole run) did: the counts the reports print for both. */
typedef struct accel_counts {
    uint64_t bytes[ACC_TR_N];    /* useful DRAM bytes by kind */
    uint64_t dram_rd_bytes, dram_wr_bytes;  /* bytes moved by DRAM requests (request granularity) */
    uint64_t rows;               /* (head, query) rows computed */
    uint64_t k_rows, v_rows;     /* K rows fetched (MSB plane), V rows fetched */
    uint64_t lsb_refetch_rows;   /* rows that needed the LSB plane */
    uint64_t masked_blocks;      /* (row, key) pairs skipped by the static block mask (AP) */
    uint64_t qk_macs, pv_macs;   /* multiply-accumulates */
    uint64_t busy[ACC_M_N];      /* cycles the module did work */
    uint64_t stall[ACC_M_N];     /* cycles the module had work but was blocked */
    double   energy_pj[ACC_M_N]; /* dynamic + leakage, by module */
    double   energy_total_pj;
} accel_counts;

typedef struct accel_pass_result {
    uint32_t step, layer;
    uint32_t n_tok;              /* keys attended (tokens alive at this layer) */
    uint32_t n_q;                /* query rows */
    uint32_t n_head;             /* heads alive (after cascade/static head pruning) */
    uint32_t n_new;              /* K/V rows appended */
    cycle_t  start, end;         /* accelerator cycles [start, end) */
    cycle_t  cycles;             /* end - start */
    accel_counts c;
} accel_pass_result;

typedef struct accel_result {
    bool     done;               /* accel_run finished successfully */
    bool     timing_only;        /* CSV mode: no data, no golden check */
    cycle_t  cycles;             /* accelerator cycles, total */
    uint64_t clk_ps;             /* accelerator clock period */
    double   seconds;            /* cycles * clk_ps * 1e-12 */
    accel_counts c;              /* the whole run */
    uint64_t dram_requests;
    uint64_t skipped_cycles;     /* cycles jumped by time skipping (not part of any stats) */
    uint64_t golden_rows_checked;/* output rows compared with the trace */
    uint32_t n_pass;
    accel_pass_result *pass;     /* [n_pass] in execution order */
} accel_result;

typedef struct accel accel;

/* Full, data-carrying simulation of tr on hw. Registers its counters in st (may be NULL).
 * tr and hw must outlive the accel. Errors: SIM_EINVAL (trace/hw mismatch, e.g. d > buffers). */
accel *accel_create(const hw_cfg *hw, const spt_trace *tr, stats *st, sim_err *err);
/* Timing-only simulation of the authors' workload CSV. */
accel *accel_create_csv(const hw_cfg *hw, const wlcsv *csv, stats *st, sim_err *err);
/* Options, before accel_run. */
void   accel_set_time_skip(accel *a, bool on);           /* default hw->time_skip */
void   accel_set_timeline(accel *a, timeline *tl);       /* slices per module/pass/head; NULL = off */
void   accel_set_dram_trace(accel *a, FILE *f);          /* DRAM request stream (dram_set_recorder) */
void   accel_set_progress(accel *a, void (*cb)(void *ctx, uint32_t pass_done, uint32_t n_pass),
                          void *ctx);                    /* called after each pass; NULL = off */
/* Runs to completion. SIM_EMISMATCH: a result differs from the golden value (message names
 * step/layer/head/row); SIM_EDEADLOCK: watchdog (one-line message listing every FIFO as
 * name occupancy/depth and the fetcher's requests in flight; also written to the
 * accel_set_dump file when one is set). These two messages never start with the input's name
 * (accel_input names it); every other failure's message does. */
int    accel_run(accel *a, sim_err *err);
/* The name of the input a runs, as its messages give it: the trace's or CSV's source, or "trace"
 * / "workload CSV" when that is NULL. A host that runs one input names it in an exit-4 message
 * ("<input>: golden mismatch ..."); one that runs many (sweep) names its point instead. */
const char *accel_input(const accel *a);
void   accel_set_dump(accel *a, FILE *file);               /* NULL = none */
const accel_result *accel_result_get(const accel *a);
void   accel_destroy(accel *a);                          /* NULL is a no-op */

#ifdef __cplusplus
}
#endif
#endif
