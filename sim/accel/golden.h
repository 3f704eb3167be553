/*
 * golden.h - the machine's input: where a pass's rows, keys and values come from, and how its
 * results are checked. One interface, two implementations, so that no block branches on the
 * input mode:
 *  - golden_trace.c: a trace (trace/trace.h) with its golden values. It keeps the host image
 *    of DRAM (K/V caches), computes every value (Q.K, softmax, prob.V, importance) with
 *    trace/fxp.h when the datapath blocks finish a row, and checks every output row, kept
 *    token/head set, LSB decision and importance value against the trace (SIM_EMISMATCH);
 *  - golden_csv.c: the authors' workload CSV (trace/wlcsv.h): shapes only, no values, no
 *    checks (timing only).
 * The controller (ctl.c), the row stages (rows.c), the local-V stage (lv.c) and the datapath
 * callbacks call it through golden_ops; the implementation keeps its own state behind it.
 */
#ifndef SPATTEN_GOLDEN_H
#define SPATTEN_GOLDEN_H

#include "accel/acc_int.h"
#include "accel/arow.h"
#include "accel/hwcfg.h"
#include "trace/trace.h"
#include "trace/wlcsv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct golden golden;

/* What the input tells the machine before it is built. */
typedef struct acc_shape {
    const char *input;             /* the trace's or CSV's source, for messages */
    uint32_t d, layers, heads;     /* head dimension, layers, heads per layer */
    uint32_t max_pos;              /* positions a K/V cache holds */
    uint32_t max_tok;              /* most keys one pass attends (or one top-k job ranks) */
    bool     progressive;          /* K in MSB and LSB planes */
    uint32_t bits;                 /* Q/K/V datapath width */
    uint32_t msb_bits, lsb_bits;   /* K planes (progressive) */
    uint32_t k_bits;               /* K width in DRAM when not progressive */
    uint32_t q_bits, v_bits;       /* widths of Q and V rows in DRAM */
    acc_pass *pp;                  /* [n_pp] passes in execution order (owned by the golden) */
    uint32_t n_pp;
    bool     timing_only;          /* no values, no golden check */
} acc_shape;

typedef struct golden_ops {
    uint32_t n_prune;              /* prune steps before each pass: 2 (tokens, heads) or 1 */
    const char *const *prune_name; /* [n_prune] "token top-k", ... (timeline) */
    void     (*destroy)(golden *g);
    /* A pass begins (the K/V append lands in the image). */
    void     (*pass_begin)(golden *g, const acc_pass *p);
    /* Prune step `step`: fills vals[0..*n) and *k and returns true if a top-k job runs. */
    bool     (*prune_job)(golden *g, const acc_pass *p, uint32_t step, uint64_t *vals,
                          uint32_t *n, uint32_t *k);
    /* Its result: idx[0..c) (indices into vals), or idx NULL when no job ran. */
    void     (*prune_done)(golden *g, const acc_pass *p, uint32_t step, const uint32_t *idx,
                           uint32_t c);
    /* The pass's rows have all retired; false: a check failed (latched in the failure). */
    bool     (*pass_end)(golden *g, const acc_pass *p);
    /* Rows: the keys a row attends (att, n_att), and its query position (addresses). */
    void     (*row_keys)(golden *g, const acc_pass *p, arow *r);
    uint32_t (*row_qpos)(golden *g, const acc_pass *p, const arow *r);
    /* Local V: rows to keep of the row's n_att, and the selection scores of its keys. */
    uint32_t (*v_keep)(golden *g, const acc_pass *p, const arow *r);
    void     (*v_scores)(golden *g, const arow *r, uint64_t *vals);
    /* Datapath events of a row (NULL: nothing to do). */
    void     (*qk_done)(golden *g, const acc_pass *p, arow *r);   /* scores */
    void     (*sm_start)(golden *g, const acc_pass *p, arow *r);  /* probabilities, need_lsb */
    void     (*pv_done)(golden *g, const acc_pass *p, arow *r);   /* output row */
    void     (*imp_start)(golden *g, const acc_pass *p, arow *r); /* importance */
    void     (*row_done)(golden *g, const acc_pass *p, const arow *r);  /* retired: check */
} golden_ops;

/* The part every implementation starts with. */
struct golden {
    const golden_ops *ops;
    const acc_pass   *cur;         /* the pass being executed */
    arow             *pool;        /* the row pool (golden_bind) */
    acc_ctr          *ctr;
    acc_fail         *fail;
};

/* Inputs. Fill *shape; the golden owns shape->pp. */
golden *golden_trace_create(const spt_trace *tr, const hw_cfg *hw, acc_ctr *ctr,
                            acc_fail *fail, acc_shape *shape, sim_err *err);
golden *golden_csv_create(const wlcsv *csv, const hw_cfg *hw, acc_ctr *ctr, acc_fail *fail,
                          acc_shape *shape, sim_err *err);
void    golden_destroy(golden *g);                      /* NULL is a no-op */
void    golden_bind(golden *g, arow *pool);             /* before the first row */

/* Datapath callbacks (arow_cb) for qk/softmax/pv/imp: ctx is the golden. */
void golden_cb_qk_done(void *ctx, uint32_t id, cycle_t now);
void golden_cb_sm_start(void *ctx, uint32_t id, cycle_t now);
void golden_cb_pv_done(void *ctx, uint32_t id, cycle_t now);
void golden_cb_imp_start(void *ctx, uint32_t id, cycle_t now);

#ifdef __cplusplus
}
#endif
#endif
