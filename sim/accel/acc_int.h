/*
 * acc_int.h - what the accelerator's controller complex shares inside sim/accel/ (accel.c,
 * ctl.c, rows.c, lv.c, golden*.c, acct.c): the pass as the machine executes it, the "accel.*"
 * counters, the failure latch and the timeline tracks. Not a public API.
 */
#ifndef SPATTEN_ACC_INT_H
#define SPATTEN_ACC_INT_H

#include "base/common.h"
#include "base/timeline.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A pass (one layer of one step) as the controller executes it: built by the input
 * (golden_trace.c from a trace pass, golden_csv.c from a group of CSV rows). */
typedef struct acc_pass {
    uint32_t step, layer, n_tok, n_q, n_head, n_new;
    const uint32_t *tok_pos;   /* [n_tok] positions (NULL: identity) */
    const uint32_t *q_pos;     /* [n_q] (NULL: CSV: query position per head) */
    const uint32_t *new_pos;   /* [n_new] */
    const uint32_t *head_idx;  /* [n_head] */
    const spt_pass *sp;        /* trace input: the pass with its golden values */
    /* CSV input, per head slot */
    uint32_t *c_keys, *c_vals, *c_qpos;
    uint8_t  *c_requant;
    uint32_t  c_topk_n, c_topk_k;     /* cascade top-k job before this pass (0: none) */
    bool      c_sum, c_causal;        /* a summarization pass: n_q = n_tok queries at positions
                                         0..n_tok-1, query i sees keys 0..i when c_causal */
    uint32_t *c_heads;                /* owned head list */
} acc_pass;

static inline uint32_t acc_pass_tok(const acc_pass *p, uint32_t j) { return p->tok_pos ? p->tok_pos[j] : j; }

/* The controller complex's counters, registered as "accel.*" by accel.c (ACC_STATS, one
 * table) and counted by the stage that sees the event. */
typedef struct acc_ctr {
    uint64_t rows;            /* rows.c: rows retired */
    uint64_t lsb_rows;        /* rows.c: rows that re-entered Q.K with the LSB plane */
    uint64_t masked_blocks;   /* golden_trace.c: (row, key) pairs skipped by the block mask */
    uint64_t krows;           /* rows.c: K rows fetched */
    uint64_t golden_rows;     /* golden_trace.c: output rows checked */
    uint64_t lv_stall;        /* lv.c: cycles the local-V stage held a row */
    uint64_t wb_stall;        /* rows.c: cycles the writeback held a row */
    uint64_t ctl_stall;       /* ctl.c: cycles admission could not admit the next row */
    uint64_t skipped;         /* accel.c: cycles jumped by time skipping (not registered) */
} acc_ctr;

/* The first failure of a run (a golden mismatch, a bad input row); later ones are ignored. */
typedef struct acc_fail {
    bool    failed;
    sim_err err;
} acc_fail;
int acc_failf(acc_fail *f, sim_rc code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Timeline tracks (tl NULL: no timeline). */
typedef struct acc_tl {
    timeline *tl;
    int ctl, head, topk, qk, sm, pv;
} acc_tl;

#ifdef __cplusplus
}
#endif
#endif
