/* pv.c - prob.V unit (pv.h; docs/arch/pv.md). */
#include "accel/pv.h"

#include <stdlib.h>

/* counters (registered from PV_CTR_STATS) */
typedef struct pv_ctr { uint64_t busy, stall_data, stall_out, rows, vrows; } pv_ctr;
static const stats_def PV_CTR_STATS[] = {
    STATS_U64(pv_ctr, busy, "busy_cycles", "cycle",
              "cycles multiplying V rows"),
    STATS_U64(pv_ctr, stall_data, "stall_data_cycles", "cycle",
              "cycles holding a row whose next V row is not yet in the buffer"),
    STATS_U64(pv_ctr, stall_out, "stall_out_cycles", "cycle",
              "cycles holding a finished row because the output FIFO is full"),
    STATS_U64(pv_ctr, rows, "rows", "row",
              "rows processed"),
    STATS_U64(pv_ctr, vrows, "vrows", "row",
              "V rows multiplied (d MACs each)"),
};

struct pv {
    pv_cfg   c;
    arow    *pool;
    fifo    *in, *out;
    arow_cb  on_done;
    void    *ctx;
    bool     cur_valid, beats_done;
    uint32_t cur, cursor;
    int      stall_state;  /* 0 none, 1 waiting for a V row, 2 output full */
    cycle_t  now;          /* cycle of the last tick (pv_skip replays the cycles after it) */
    pv_ctr st;
};

pv *pv_create(const pv_cfg *c, arow *pool, fifo *in, fifo *out, stats *st, const char *prefix,
              arow_cb on_done, void *ctx)
{
    SIM_ASSERT(c->rows_per_cycle >= 1);
    pv *p = sim_xcalloc(1, sizeof *p);
    p->c = *c;
    p->pool = pool;
    p->in = in;
    p->out = out;
    p->on_done = on_done;
    p->ctx = ctx;
    const char *m = prefix ? prefix : "pv";
    stats_add_table(st, m, PV_CTR_STATS, sizeof PV_CTR_STATS / sizeof PV_CTR_STATS[0], &p->st);
    return p;
}

void pv_destroy(pv *p) { free(p); }

/* The V-row beats of cycle t: the next rows_per_cycle selected V rows in the buffer.
 * Returns 1 if rows were processed, 0 for a data-stall cycle. */
static unsigned pv_beat(pv *p, const arow *r, cycle_t t)
{
    uint32_t n = arow_take(r->sel, &p->cursor, r->n_sel, r->v_cells, p->c.rows_per_cycle, t);
    if (n == 0 && p->cursor < r->n_sel) { p->st.stall_data++; p->stall_state = 1; return 0; }
    p->st.busy++;
    p->st.vrows += n;
    return 1;
}

unsigned pv_tick(pv *p, cycle_t now)
{
    p->now = now;
    p->stall_state = 0;
    unsigned progress = 0;
    if (!p->cur_valid) {
        const uint32_t *id = fifo_peek(p->in, now);
        if (!id) return 0;
        p->cur = *id;
        fifo_pop(p->in, now);
        p->cur_valid = true;
        p->cursor = 0;
        p->beats_done = false;
        p->pool[p->cur].t_pv0 = now;
        progress = ACT_EVENT;         /* a pop frees a slot for the producer */
    }
    arow *r = &p->pool[p->cur];
    if (!p->beats_done) {
        if (!pv_beat(p, r, now)) return progress;
        progress |= ACT_BUSY;
        if (p->cursor < r->n_sel) return progress;
        progress |= ACT_EVENT;
        p->beats_done = true;
        p->on_done(p->ctx, p->cur, now);
    }
    if (!fifo_can_push(p->out, now)) { p->st.stall_out++; p->stall_state = 2; return progress; }
    fifo_push(p->out, &p->cur, now, now + 1 + p->c.latency);
    p->st.rows++;
    p->cur_valid = false;
    return progress | ACT_EVENT;
}

cycle_t pv_next_event(const pv *p, cycle_t now, cycle_t limit)
{
    if (!p->cur_valid) {
        cycle_t m = fifo_head_ready(p->in);
        return sim_event_after(m, now);
    }
    /* output full: the consumer's pop is its event */
    if (p->beats_done) return p->stall_state == 2 ? CYCLE_NEVER : now + 1;
    /* V-row beats change nothing outside the unit until the row's last beat: find that cycle
     * with the buffer contents known now (a row not yet fetched is the fetcher's event) */
    const arow *r = &p->pool[p->cur];
    return arow_last_beat(r->sel, p->cursor, r->n_sel, r->v_cells, p->c.rows_per_cycle, now + 1,
                          limit);
}

/* Replays the skipped cycles p->now + 1 .. p->now + cycles, all before the event above. */
bool pv_skip(pv *p, uint64_t cycles)
{
    unsigned worked = 0;
    if (p->cur_valid && !p->beats_done) {
        const arow *r = &p->pool[p->cur];
        for (uint64_t i = 1; i <= cycles; i++) worked |= pv_beat(p, r, p->now + i);
        SIM_ASSERT(p->cursor < r->n_sel);
    } else if (p->stall_state == 2) {
        p->st.stall_out += cycles;
    }
    return worked != 0;
}

uint64_t pv_busy_cycles(const pv *p)  { return p->st.busy; }
uint64_t pv_stall_cycles(const pv *p) { return p->st.stall_data + p->st.stall_out; }
uint64_t pv_vrows(const pv *p)        { return p->st.vrows; }
