/* imp.c - token/head importance accumulators (imp.h; docs/arch/imp.md). */
#include "accel/imp.h"

#include <stdlib.h>

/* counters (registered from IMP_CTR_STATS) */
typedef struct imp_ctr { uint64_t busy, stall, rows, tok_adds, head_adds; } imp_ctr;
static const stats_def IMP_CTR_STATS[] = {
    STATS_U64(imp_ctr, busy, "busy_cycles", "cycle",
              "cycles accumulating"),
    STATS_U64(imp_ctr, stall, "stall_out_cycles", "cycle",
              "cycles holding a row because the writeback FIFO is full"),
    STATS_U64(imp_ctr, rows, "rows", "row",
              "rows accumulated"),
    STATS_U64(imp_ctr, tok_adds, "tok_adds", "add",
              "token-importance adds"),
    STATS_U64(imp_ctr, head_adds, "head_adds", "add",
              "head-importance adds (|o| per output element)"),
};

struct imp {
    imp_cfg  c;
    arow    *pool;
    fifo    *in, *out;
    arow_cb  on_start;
    void    *ctx;
    bool     cur_valid;
    uint32_t cur;
    uint64_t left;
    int      stall_out;
    imp_ctr st;
};

imp *imp_create(const imp_cfg *c, arow *pool, fifo *in, fifo *out, stats *st,
                const char *prefix, arow_cb on_start, void *ctx)
{
    SIM_ASSERT(c->lanes >= 1);
    imp *m = sim_xcalloc(1, sizeof *m);
    m->c = *c;
    m->pool = pool;
    m->in = in;
    m->out = out;
    m->on_start = on_start;
    m->ctx = ctx;
    const char *pre = prefix ? prefix : "imp";
    stats_add_table(st, pre, IMP_CTR_STATS, sizeof IMP_CTR_STATS / sizeof IMP_CTR_STATS[0], &m->st);
    return m;
}

void imp_destroy(imp *m) { free(m); }

unsigned imp_tick(imp *m, cycle_t now)
{
    m->stall_out = 0;
    unsigned progress = 0;
    if (!m->cur_valid) {
        const uint32_t *id = fifo_peek(m->in, now);
        if (!id) return 0;
        m->cur = *id;
        fifo_pop(m->in, now);
        m->cur_valid = true;
        const arow *r = &m->pool[m->cur];
        uint64_t b = (r->n_att + m->c.lanes - 1) / m->c.lanes;
        uint64_t bd = (m->c.d + m->c.lanes - 1) / m->c.lanes;
        if (bd > b) b = bd;
        m->left = b ? b : 1;
        m->st.tok_adds += r->n_att;
        m->st.head_adds += m->c.d;
        m->on_start(m->ctx, m->cur, now);
        progress = ACT_EVENT;
    }
    if (m->left) {
        m->left--;
        m->st.busy++;
        progress |= ACT_BUSY;
        if (m->left) return progress;
    }
    if (!fifo_can_push(m->out, now)) { m->st.stall++; m->stall_out = 1; return progress; }
    fifo_push(m->out, &m->cur, now, now + 1);
    m->st.rows++;
    m->cur_valid = false;
    return progress | ACT_EVENT;
}

cycle_t imp_next_event(const imp *m, cycle_t now)
{
    /* counting down: acts when the count reaches 0; blocked: waits for the consumer's pop */
    if (m->cur_valid) return m->left ? now + m->left : CYCLE_NEVER;
    cycle_t r = fifo_head_ready(m->in);
    return sim_event_after(r, now);
}

bool imp_skip(imp *m, uint64_t cycles)
{
    if (m->cur_valid && m->left) {
        SIM_ASSERT(m->left > cycles);
        m->left -= cycles;
        m->st.busy += cycles;
        return true;
    }
    if (m->stall_out) m->st.stall += cycles;
    return false;
}
uint64_t imp_busy_cycles(const imp *m)  { return m->st.busy; }
uint64_t imp_stall_cycles(const imp *m) { return m->st.stall; }
uint64_t imp_tok_adds(const imp *m)     { return m->st.tok_adds; }
uint64_t imp_head_adds(const imp *m)    { return m->st.head_adds; }
