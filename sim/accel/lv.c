/* lv.c - local value pruning stage (lv.h; docs/arch/controller.md, "Local V"). */
#include "accel/lv.h"

#include <stdlib.h>
#include <string.h>

typedef struct lvslot {
    bool      valid, running, ready;
    uint32_t  row;
    topk     *tk;
    uint64_t *vals;                  /* the engine's input (valid until done) */
} lvslot;

struct lv {
    lv_cfg    c;
    arow     *pool;
    fifo     *in, *out;
    lv_ports  port;
    lvslot   *s;                     /* [engines] */
    uint64_t *stall_ctr;
    int       stall;                 /* a ready row was held this cycle */
};

lv *lv_create(const lv_cfg *c, arow *pool, fifo *in, fifo *out, topk *const *engines,
              const lv_ports *ports, uint64_t *stall)
{
    lv *l = sim_xcalloc(1, sizeof *l);
    l->c = *c;
    l->pool = pool;
    l->in = in;
    l->out = out;
    l->port = *ports;
    l->stall_ctr = stall;
    l->s = sim_xcalloc(c->engines, sizeof *l->s);
    for (uint32_t e = 0; e < c->engines; e++) {
        l->s[e].tk = engines[e];
        l->s[e].vals = sim_xcalloc((size_t)c->max_n + 1, sizeof(uint64_t));
    }
    return l;
}

void lv_destroy(lv *l)
{
    if (!l) return;
    for (uint32_t e = 0; e < l->c.engines; e++) free(l->s[e].vals);
    free(l->s);
    free(l);
}

static void push_ready(lv *l, lvslot *s, cycle_t now, unsigned *prog)
{
    if (!fifo_can_push(l->out, now) || !l->port.can_fetch(l->port.ctx, now)) {
        l->stall = 1;
        return;
    }
    l->port.fetch(l->port.ctx, s->row, now);
    fifo_push(l->out, &s->row, now, now + 1);
    s->valid = s->ready = false;
    *prog = ACT_EVENT;
}

unsigned lv_tick(lv *l, cycle_t now)
{
    l->stall = 0;
    unsigned prog = 0;
    for (uint32_t e = 0; e < l->c.engines; e++) {
        lvslot *s = &l->s[e];
        if (!s->running || !topk_done(s->tk)) continue;
        const uint32_t *idx;
        arow *r = &l->pool[s->row];
        uint32_t c = topk_result(s->tk, &idx);
        for (uint32_t t = 0; t < c; t++) r->sel[t] = r->att[idx[t]];
        r->n_sel = c;
        s->running = false;
        s->ready = true;
        prog = ACT_EVENT;
    }
    const uint32_t *idp = fifo_peek(l->in, now);
    uint32_t e = 0;
    while (idp && e < l->c.engines && l->s[e].valid) e++;
    if (idp && e < l->c.engines) {
        lvslot *s = &l->s[e];
        s->row = *idp;
        fifo_pop(l->in, now);
        s->valid = true;
        prog = ACT_EVENT;
        arow *r = &l->pool[s->row];
        uint32_t k = l->port.keep(l->port.ctx, r);
        if (k < r->n_att && r->n_att > 1) {
            l->port.scores(l->port.ctx, r, s->vals);
            topk_start(s->tk, s->vals, r->n_att, k, l->c.seed, now);
            s->running = true;       /* the engine ticks this cycle (after lv_tick) */
        } else {
            memcpy(r->sel, r->att, r->n_att * sizeof(uint32_t));
            r->n_sel = k < r->n_att ? k : r->n_att;
            s->ready = true;
        }
    }
    for (uint32_t x = 0; x < l->c.engines && !l->stall; x++)
        if (l->s[x].ready) push_ready(l, &l->s[x], now, &prog);
    if (l->stall) (*l->stall_ctr)++;
    return prog;
}

cycle_t lv_next_event(const lv *l, cycle_t now)
{
    cycle_t n = CYCLE_NEVER;
    bool free_engine = false;
    for (uint32_t e = 0; e < l->c.engines; e++) {
        if (l->s[e].valid && !l->s[e].running) return now + 1;
        n = sim_min_u64(n, topk_next_event(l->s[e].tk, now));
        free_engine |= !l->s[e].valid;
    }
    if (free_engine) n = sim_min_u64(n, sim_event_after(fifo_head_ready(l->in), now));
    return n;
}

void lv_skip(lv *l, uint64_t cycles)
{
    (void)l;
    (void)cycles;
}
