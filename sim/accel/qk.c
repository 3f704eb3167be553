/* qk.c - Q.K unit (qk.h; docs/arch/qk.md). */
#include "accel/qk.h"

#include <stdlib.h>

/* counters (registered from QK_CTR_STATS) */
typedef struct qk_ctr { uint64_t busy, stall_data, stall_out, rows, keys, keys_lsb; } qk_ctr;
static const stats_def QK_CTR_STATS[] = {
    STATS_U64(qk_ctr, busy, "busy_cycles", "cycle",
              "cycles processing key beats"),
    STATS_U64(qk_ctr, stall_data, "stall_data_cycles", "cycle",
              "cycles holding a row whose next key (or Q) is not yet in the buffer"),
    STATS_U64(qk_ctr, stall_out, "stall_out_cycles", "cycle",
              "cycles holding a finished row because the softmax FIFO is full"),
    STATS_U64(qk_ctr, rows, "rows", "row",
              "rows processed (incl. LSB recomputes)"),
    STATS_U64(qk_ctr, keys, "keys", "key",
              "keys processed (d multiplies each)"),
    STATS_U64(qk_ctr, keys_lsb, "keys_lsb", "key",
              "keys processed in LSB recompute passes"),
};

struct qk {
    qk_cfg   c;
    arow    *pool;
    fifo    *in_new, *in_lsb, *out;
    arow_cb  on_done;
    void    *ctx;
    bool     cur_valid;
    uint32_t cur;          /* row id */
    uint32_t cursor;       /* keys processed */
    bool     beats_done;   /* all keys processed, waiting to push */
    int      stall_state;  /* 0 none, 1 waiting for data, 2 output full */
    cycle_t  now;          /* cycle of the last tick (qk_skip replays the cycles after it) */
    qk_ctr st;
};

qk *qk_create(const qk_cfg *c, arow *pool, fifo *in_new, fifo *in_lsb, fifo *out, stats *st,
              const char *prefix, arow_cb on_done, void *ctx)
{
    SIM_ASSERT(c->keys_per_cycle >= 1);
    qk *q = sim_xcalloc(1, sizeof *q);
    q->c = *c;
    q->pool = pool;
    q->in_new = in_new;
    q->in_lsb = in_lsb;
    q->out = out;
    q->on_done = on_done;
    q->ctx = ctx;
    const char *m = prefix ? prefix : "qk";
    stats_add_table(st, m, QK_CTR_STATS, sizeof QK_CTR_STATS / sizeof QK_CTR_STATS[0], &q->st);
    return q;
}

void qk_destroy(qk *q) { free(q); }

/* The key beats of cycle t for the current row: the next keys_per_cycle keys in the buffer
 * (Q must be there too). Returns 1 if keys were processed, 0 for a data-stall cycle. */
static unsigned qk_beat(qk *q, const arow *r, cycle_t t)
{
    if (*r->q_cell > t) { q->st.stall_data++; q->stall_state = 1; return 0; }
    uint32_t n = arow_take(r->att, &q->cursor, r->n_att, r->k_cells, q->c.keys_per_cycle, t);
    if (n == 0 && q->cursor < r->n_att) { q->st.stall_data++; q->stall_state = 1; return 0; }
    q->st.busy++;
    q->st.keys += n;
    if (r->lsb_pass) q->st.keys_lsb += n;
    return 1;
}

unsigned qk_tick(qk *q, cycle_t now)
{
    q->now = now;
    q->stall_state = 0;
    unsigned progress = 0;
    if (!q->cur_valid) {
        fifo *src = q->in_lsb;                       /* LSB recomputes first */
        const uint32_t *id = fifo_peek(src, now);
        if (!id) id = fifo_peek(src = q->in_new, now);
        if (!id) return 0;
        q->cur = *id;
        fifo_pop(src, now);
        q->cur_valid = true;
        q->cursor = 0;
        q->beats_done = false;
        q->pool[q->cur].t_qk0 = now;
        progress = ACT_EVENT;         /* a pop frees a slot for the producer */
    }
    arow *r = &q->pool[q->cur];
    if (!q->beats_done) {
        if (!qk_beat(q, r, now)) return progress;
        progress |= ACT_BUSY;
        if (q->cursor < r->n_att) return progress;
        progress |= ACT_EVENT;
        q->beats_done = true;
        q->on_done(q->ctx, q->cur, now);
    }
    if (!fifo_can_push(q->out, now)) {
        q->st.stall_out++;
        q->stall_state = 2;
        return progress;
    }
    fifo_push(q->out, &q->cur, now, now + 1 + q->c.latency);
    q->st.rows++;
    q->cur_valid = false;
    return progress | ACT_EVENT;
}

cycle_t qk_next_event(const qk *q, cycle_t now, cycle_t limit)
{
    if (!q->cur_valid) {
        cycle_t a = fifo_head_ready(q->in_lsb), b = fifo_head_ready(q->in_new);
        cycle_t m = a < b ? a : b;
        return sim_event_after(m, now);
    }
    /* output FIFO full: only the consumer's pop frees it, and a pop is that block's event
     * (ACT_EVENT in arow.h: the cycle after a pop is always clocked) */
    if (q->beats_done) return q->stall_state == 2 ? CYCLE_NEVER : now + 1;
    /* Key beats change nothing outside the unit until the row's last beat (the on_done
     * callback and the push): find that cycle with the buffer contents known now. A key or Q
     * not yet fetched (CYCLE_NEVER) is waited for: its arrival is the fetcher's event. */
    const arow *r = &q->pool[q->cur];
    cycle_t t = now + 1;
    if (*r->q_cell > t) t = *r->q_cell;         /* the Q row first (CYCLE_NEVER: not fetched) */
    if (t == CYCLE_NEVER) return CYCLE_NEVER;
    return arow_last_beat(r->att, q->cursor, r->n_att, r->k_cells, q->c.keys_per_cycle, t, limit);
}

/* Replays the skipped cycles q->now + 1 .. q->now + cycles, all before the event above. */
bool qk_skip(qk *q, uint64_t cycles)
{
    unsigned worked = 0;
    if (q->cur_valid && !q->beats_done) {
        const arow *r = &q->pool[q->cur];
        for (uint64_t i = 1; i <= cycles; i++) worked |= qk_beat(q, r, q->now + i);
        SIM_ASSERT(q->cursor < r->n_att);
    } else if (q->stall_state == 2) {
        q->st.stall_out += cycles;
    }
    return worked != 0;
}

uint64_t qk_busy_cycles(const qk *q)  { return q->st.busy; }
uint64_t qk_stall_cycles(const qk *q) { return q->st.stall_data + q->st.stall_out; }
uint64_t qk_keys(const qk *q)         { return q->st.keys; }
uint64_t qk_keys_lsb(const qk *q)     { return q->st.keys_lsb; }
