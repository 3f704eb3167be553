/* ctl.c - the pass state machine (ctl.h; docs/arch/controller.md). */
#include "accel/ctl.h"

#include <stdio.h>
#include <stdlib.h>

enum { PH_START, PH_PRUNE, PH_APPEND, PH_ROWS, PH_DRAIN, PH_DONE };

struct ctl {
    ctl_cfg   c;
    const acc_pass *pp;
    uint32_t  n_pp, pi;
    int       phase;
    uint32_t  step;                  /* prune step in PH_PRUNE */
    rows     *rw;
    golden   *g;
    topk     *tk;
    fetch    *fe;
    dram     *dr;
    acc_tl   *tl;
    ctl_hooks hooks;
    acc_ctr  *ctr;
    uint64_t *vals;                  /* the prune job's scores */
    bool      tk_job;                /* a job of this prune step is in the engine */
    cycle_t   tk_t0, pass_t0;
    int       stall;                 /* admission blocked this cycle */
};

ctl *ctl_create(const ctl_cfg *cf, const acc_pass *pp, uint32_t n_pp, rows *rw, golden *g,
                topk *engine, fetch *fe, dram *dr, acc_tl *tl, const ctl_hooks *hooks,
                acc_ctr *ctr)
{
    ctl *c = sim_xcalloc(1, sizeof *c);
    c->c = *cf;
    c->pp = pp;
    c->n_pp = n_pp;
    c->rw = rw;
    c->g = g;
    c->tk = engine;
    c->fe = fe;
    c->dr = dr;
    c->tl = tl;
    c->hooks = *hooks;
    c->ctr = ctr;
    c->vals = sim_xcalloc((size_t)cf->max_vals + 1, sizeof(uint64_t));
    c->phase = PH_START;
    return c;
}

void ctl_destroy(ctl *c)
{
    if (!c) return;
    free(c->vals);
    free(c);
}

bool     ctl_done(const ctl *c) { return c->phase == PH_DONE; }
uint32_t ctl_pass(const ctl *c) { return c->pi; }

/* Prune step `step` of the current pass: a top-k job if the input asks for one. */
static void prune_start(ctl *c, cycle_t now)
{
    const acc_pass *p = &c->pp[c->pi];
    uint32_t n = 0, k = 0;
    c->tk_job = c->g->ops->prune_job(c->g, p, c->step, c->vals, &n, &k);
    if (c->tk_job) topk_start(c->tk, c->vals, n, k, c->c.seed, now);
    c->tk_t0 = now;
}

static void prune_finish(ctl *c, cycle_t now)
{
    const acc_pass *p = &c->pp[c->pi];
    const uint32_t *idx = NULL;
    uint32_t n = 0;
    if (c->tk_job) {
        if (c->tl->tl) tl_slice(c->tl->tl, c->tl->topk, c->g->ops->prune_name[c->step], c->tk_t0, now);
        n = topk_result(c->tk, &idx);
    }
    c->g->ops->prune_done(c->g, p, c->step, idx, n);
    if (c->tk_job) topk_retire(c->tk);
}

static void pass_end(ctl *c, cycle_t now)
{
    const acc_pass *p = &c->pp[c->pi];
    if (!c->g->ops->pass_end(c->g, p)) return;
    if (c->tl->tl) {
        char nm[48];
        rows_pass_timeline(c->rw, p);
        snprintf(nm, sizeof nm, "step %u layer %u", p->step, p->layer);
        tl_slice(c->tl->tl, c->tl->ctl, nm, c->pass_t0, now + 1);
    }
    c->hooks.pass_end(c->hooks.ctx, c->pi, now);
}

unsigned ctl_tick(ctl *c, cycle_t now)
{
    c->stall = 0;
    switch (c->phase) {
    case PH_START: {
        if (c->pi == c->n_pp) { c->phase = PH_DRAIN; return ACT_EVENT; }
        const acc_pass *p = &c->pp[c->pi];
        c->pass_t0 = now;
        rows_pass_begin(c->rw, p);
        c->g->cur = p;
        c->g->ops->pass_begin(c->g, p);
        c->step = 0;
        prune_start(c, now);
        c->phase = PH_PRUNE;
        return ACT_EVENT;
    }
    case PH_PRUNE:
        if (c->tk_job && !topk_done(c->tk)) return 0;
        prune_finish(c, now);
        if (++c->step < c->g->ops->n_prune) {
            prune_start(c, now);
            return ACT_EVENT;
        }
        c->tk_job = false;
        c->phase = PH_APPEND;
        return ACT_EVENT;
    case PH_APPEND:
        if (rows_append_tick(c->rw, now)) c->phase = PH_ROWS;
        return ACT_EVENT;
    case PH_ROWS:
        if (rows_admitting(c->rw)) {
            if (rows_admit(c->rw, now)) return ACT_EVENT;
            c->stall = 1;
            c->ctr->ctl_stall++;
            return 0;
        }
        if (!rows_retired_all(c->rw)) return 0;
        pass_end(c, now);
        c->pi++;
        c->phase = PH_START;
        return ACT_EVENT;
    case PH_DRAIN:
        if (!fetch_idle(c->fe) || !dram_idle(c->dr)) return 0;
        c->phase = PH_DONE;
        return ACT_EVENT;
    default:
        return 0;
    }
}

cycle_t ctl_next_event(const ctl *c, cycle_t now)
{
    switch (c->phase) {
    case PH_PRUNE:             /* waits for the engine's DONE cycle */
        return c->tk_job ? topk_next_event(c->tk, now) : now + 1;
    case PH_ROWS:
        if (rows_admitting(c->rw)) {
            if (!c->stall) return now + 1;
            /* admission waits for a free row slot (its ready cycle), or, with one ready, for
             * the Q.K input FIFO, the fetcher's queues or a K/V buffer slot: each freed by
             * another block's event */
            cycle_t fr = rows_free_ready(c->rw);
            return fr != CYCLE_NEVER && fr > now ? fr : CYCLE_NEVER;
        }
        return rows_retired_all(c->rw) ? now + 1 : CYCLE_NEVER;
    case PH_DRAIN:
        return fetch_idle(c->fe) && dram_idle(c->dr) ? now + 1 : CYCLE_NEVER;
    case PH_DONE:
        return CYCLE_NEVER;
    default:
        return now + 1;
    }
}

void ctl_skip(ctl *c, uint64_t cycles)
{
    if (c->stall) c->ctr->ctl_stall += cycles;
}
