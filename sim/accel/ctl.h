/*
 * ctl.h - the controller's pass state machine. For each pass (one layer of one step): the
 * pruning steps (cascade token pruning, then cascade head pruning: one prune step each, a
 * top-k job on the cascade engine when the policy prunes there), the generation step's K/V
 * append, then row admission until every row of the pass has retired; after the last pass,
 * a drain until the fetcher and DRAM are idle.
 * Ports:  the cascade top-k engine (jobs); rows.c (admission, append, retire count); the
 *         input (golden.h: prune jobs, kept-set checks, pass boundaries)
 * Timing: one state per cycle (docs/arch/controller.md, "Pass control"): START, each prune
 * step (waits for its job), APPEND (one fetch job per cycle), ROWS (one row admitted per
 * cycle while admission can), then the next pass's START.
 * Counters: cycles admission was blocked ("accel.admit_stall_cycles", in acc_ctr).
 */
#ifndef SPATTEN_CTL_H
#define SPATTEN_CTL_H

#include "accel/acc_int.h"
#include "accel/fetch.h"
#include "accel/golden.h"
#include "accel/rows.h"
#include "accel/topk.h"
#include "dram/dram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called when pass pi's last row has retired and its checks passed, in cycle now; the
 * accounting and the progress report live with the caller. */
typedef struct ctl_hooks {
    void *ctx;
    void (*pass_end)(void *ctx, uint32_t pi, cycle_t now);
} ctl_hooks;

typedef struct ctl_cfg {
    uint32_t seed;        /* topk_seed: every job restarts the pivot LFSR here */
    uint32_t max_vals;    /* largest prune job (tokens or heads) */
} ctl_cfg;

typedef struct ctl ctl;

ctl     *ctl_create(const ctl_cfg *c, const acc_pass *pp, uint32_t n_pp, rows *rw, golden *g,
                    topk *engine, fetch *fe, dram *dr, acc_tl *tl, const ctl_hooks *hooks,
                    acc_ctr *ctr);
void     ctl_destroy(ctl *c);                            /* NULL is a no-op */
unsigned ctl_tick(ctl *c, cycle_t now);                  /* ACT_EVENT when the state moved */
cycle_t  ctl_next_event(const ctl *c, cycle_t now);
void     ctl_skip(ctl *c, uint64_t cycles);              /* admission stall cycles */
bool     ctl_done(const ctl *c);                         /* every pass done, DRAM drained */
uint32_t ctl_pass(const ctl *c);                         /* index of the pass in progress */

#ifdef __cplusplus
}
#endif
#endif
