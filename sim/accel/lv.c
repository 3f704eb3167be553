/* lv.c - local value pruning stage (lv.h; docs/arch/controller.md, "Local V"). */
#include "accel/lv.h"

#include <stdlib.h>
#include <string.h>

/* One engine's rows, in the order they entered: a row waits for its job (running) or is
 * ready; rows leave from the head only, so they leave in the order they entered the engine.
 * A serial engine holds one row, a pipelined one as many as it has jobs in flight. */
typedef struct lvrow {
    uint32_t row;
    bool     running, ready;
} lvrow;

typedef struct lveng {
    topk     *tk;
    lvrow    *q;                     /* ring of cap entries */
    uint32_t  head, count, cap;
    uint64_t *vals;                  /* serial: the running job's input (valid until done) */
} lveng;

struct lv {
    lv_cfg    c;
    arow     *pool;
    fifo     *in, *out;
    lv_ports  port;
    lveng    *e;                     /* [engines] */
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
    l->e = sim_xcalloc(c->engines, sizeof *l->e);
    for (uint32_t i = 0; i < c->engines; i++) {
        lveng *E = &l->e[i];
        E->tk = engines[i];
        E->cap = topk_variant_of(engines[i]) == TOPK_PIPELINED ? TOPK_PIPE_JOBS : 1;
        E->q = sim_xcalloc(E->cap, sizeof *E->q);
        E->vals = sim_xcalloc((size_t)c->max_n + 1, sizeof(uint64_t));
    }
    return l;
}

void lv_destroy(lv *l)
{
    if (!l) return;
    for (uint32_t i = 0; i < l->c.engines; i++) {
        free(l->e[i].q);
        free(l->e[i].vals);
    }
    free(l->e);
    free(l);
}

static lvrow *at(lveng *E, uint32_t i) { return &E->q[(E->head + i) % E->cap]; }

/* The engine's finished jobs, oldest first: their rows take the selection and become ready. */
static unsigned collect(lv *l, lveng *E)
{
    unsigned prog = 0;
    for (uint32_t i = 0; i < E->count; i++) {
        lvrow *w = at(E, i);
        if (!w->running) continue;
        if (!topk_done(E->tk)) break;           /* jobs finish in the order they started */
        const uint32_t *idx;
        arow *r = &l->pool[w->row];
        uint32_t c = topk_result(E->tk, &idx);
        for (uint32_t t = 0; t < c; t++) r->sel[t] = r->att[idx[t]];
        r->n_sel = c;
        topk_retire(E->tk);
        w->running = false;
        w->ready = true;
        prog = ACT_EVENT;
    }
    return prog;
}

/* Hands the engine's ready rows on, from its head, while pv.in and the V fetch queue have
 * room; false if a ready row had to stay. */
static bool drain(lv *l, lveng *E, cycle_t now, unsigned *prog)
{
    while (E->count && at(E, 0)->ready) {
        if (!fifo_can_push(l->out, now) || !l->port.can_fetch(l->port.ctx, now)) return false;
        uint32_t row = at(E, 0)->row;
        l->port.fetch(l->port.ctx, row, now);
        fifo_push(l->out, &row, now, now + 1);
        E->head = (E->head + 1) % E->cap;
        E->count--;
        *prog = ACT_EVENT;
    }
    return true;
}

/* The engine a row that needs a job (or only a place in line) enters this cycle: the lowest
 * one with room (and, for a job, accepting one now). */
static lveng *entry(lv *l, bool job, cycle_t now)
{
    for (uint32_t i = 0; i < l->c.engines; i++) {
        lveng *E = &l->e[i];
        if (E->count == E->cap) continue;
        if (E->cap == 1 || !job || topk_can_accept(E->tk, now)) return E;
    }
    return NULL;
}

unsigned lv_tick(lv *l, cycle_t now)
{
    l->stall = 0;
    unsigned prog = 0;
    for (uint32_t i = 0; i < l->c.engines; i++) prog |= collect(l, &l->e[i]);
    const uint32_t *idp = fifo_peek(l->in, now);
    bool room = false;                 /* ask for the row's keep count only when it can enter */
    for (uint32_t i = 0; i < l->c.engines && !room; i++) room = l->e[i].count < l->e[i].cap;
    if (idp && room) {
        arow *r = &l->pool[*idp];
        uint32_t k = l->port.keep(l->port.ctx, r);
        bool job = k < r->n_att && r->n_att > 1;
        lveng *E = entry(l, job, now);
        if (E) {
            lvrow *w = at(E, E->count++);
            w->row = *idp;
            w->running = job;
            w->ready = !job;
            fifo_pop(l->in, now);
            prog = ACT_EVENT;
            if (job) {
                l->port.scores(l->port.ctx, r, E->vals);
                topk_start(E->tk, E->vals, r->n_att, k, l->c.seed, now);
            } else {                 /* keeps every key (or has one): no job */
                memcpy(r->sel, r->att, r->n_att * sizeof(uint32_t));
                r->n_sel = k < r->n_att ? k : r->n_att;
            }
        }
    }
    for (uint32_t i = 0; i < l->c.engines && !l->stall; i++)
        if (!drain(l, &l->e[i], now, &prog)) l->stall = 1;
    if (l->stall) (*l->stall_ctr)++;
    return prog;
}

cycle_t lv_next_event(const lv *l, cycle_t now)
{
    cycle_t n = CYCLE_NEVER;
    bool room = false;
    for (uint32_t i = 0; i < l->c.engines; i++) {
        const lveng *E = &l->e[i];
        if (E->count && E->q[E->head].ready) return now + 1;
        n = sim_min_u64(n, topk_next_event(E->tk, now));
        room |= E->count < E->cap;
    }
    if (room) n = sim_min_u64(n, sim_event_after(fifo_head_ready(l->in), now));
    return n;
}

void lv_skip(lv *l, uint64_t cycles)
{
    (void)l;
    (void)cycles;
}
