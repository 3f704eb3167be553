/* softmax.c - softmax unit + progressive-quantisation decision (softmax.h; docs/arch/softmax.md). */
#include "accel/softmax.h"

#include <stdlib.h>

typedef struct phase {
    bool     valid;
    uint32_t row;
    uint64_t left;         /* cycles of occupancy left */
} phase;

/* counters (registered from SM_CTR_STATS) */
typedef struct sm_ctr { uint64_t busy, stall_out, rows, elems, rows_lsb; } sm_ctr;
static const stats_def SM_CTR_STATS[] = {
    STATS_U64(sm_ctr, busy, "busy_cycles", "cycle",
              "cycles with phase A or phase B processing elements"),
    STATS_U64(sm_ctr, stall_out, "stall_out_cycles", "cycle",
              "cycles a finished phase could not hand its row on (FIFO full)"),
    STATS_U64(sm_ctr, rows, "rows", "row",
              "rows through the unit"),
    STATS_U64(sm_ctr, elems, "elems", "elem",
              "elements (each: exp, divide, 2 fp32 mul, 3 fp32 add)"),
    STATS_U64(sm_ctr, rows_lsb, "rows_lsb", "row",
              "rows whose max probability was below the threshold (LSB re-fetch)"),
};

struct sm {
    sm_cfg   c;
    arow    *pool;
    fifo    *in, *ab, *out, *out_lsb;
    arow_cb  on_start;
    void    *ctx;
    phase    a, b;
    int      stall_a, stall_b;   /* output blocked */
    sm_ctr st;
};

sm *sm_create(const sm_cfg *c, arow *pool, fifo *in, fifo *out, fifo *out_lsb, stats *st,
              const char *prefix, arow_cb on_start, void *ctx)
{
    SIM_ASSERT(c->lanes >= 1);
    sm *s = sim_xcalloc(1, sizeof *s);
    s->c = *c;
    s->pool = pool;
    s->in = in;
    s->out = out;
    s->out_lsb = out_lsb;
    s->on_start = on_start;
    s->ctx = ctx;
    /* phase A's pipeline (dequant + exp + acc stages) plus a 2-entry buffer before phase B */
    s->ab = fifo_create("softmax.a_to_b", sizeof(uint32_t),
                        2 + c->lat_dequant + c->lat_exp + c->lat_acc);
    const char *m = prefix ? prefix : "softmax";
    stats_add_table(st, m, SM_CTR_STATS, sizeof SM_CTR_STATS / sizeof SM_CTR_STATS[0], &s->st);
    return s;
}

void sm_destroy(sm *s)
{
    if (!s) return;
    fifo_destroy(s->ab);
    free(s);
}

static uint64_t beats(const sm *s, const arow *r)
{
    uint64_t b = (r->n_att + s->c.lanes - 1) / s->c.lanes;
    return b ? b : 1;
}

unsigned sm_tick(sm *s, cycle_t now)
{
    unsigned progress = 0;
    bool busy = false;
    s->stall_a = s->stall_b = 0;
    /* phase B */
    if (!s->b.valid) {
        const uint32_t *id = fifo_peek(s->ab, now);
        if (id) {
            s->b.valid = true;
            s->b.row = *id;
            s->b.left = beats(s, &s->pool[*id]);
            fifo_pop(s->ab, now);
            progress = ACT_EVENT;
        }
    }
    if (s->b.valid) {
        if (s->b.left) { s->b.left--; busy = true; progress |= ACT_BUSY; }
        if (s->b.left == 0) {
            arow *r = &s->pool[s->b.row];
            fifo *dst = r->need_lsb ? s->out_lsb : s->out;
            if (fifo_can_push(dst, now)) {
                fifo_push(dst, &s->b.row, now, now + 1 + s->c.lat_div + s->c.lat_quant);
                s->st.rows++;
                if (r->need_lsb) s->st.rows_lsb++;
                s->b.valid = false;
                progress |= ACT_EVENT;
            } else {
                s->stall_b = 1;
            }
        }
    }
    /* phase A */
    if (!s->a.valid) {
        const uint32_t *id = fifo_peek(s->in, now);
        if (id) {
            s->a.valid = true;
            s->a.row = *id;
            s->a.left = beats(s, &s->pool[*id]);
            fifo_pop(s->in, now);
            s->pool[*id].t_sm0 = now;
            s->st.elems += s->pool[*id].n_att;
            s->on_start(s->ctx, *id, now);
            progress |= ACT_EVENT;
        }
    }
    if (s->a.valid) {
        if (s->a.left) { s->a.left--; busy = true; progress |= ACT_BUSY; }
        if (s->a.left == 0) {
            if (fifo_can_push(s->ab, now)) {
                fifo_push(s->ab, &s->a.row, now,
                          now + 1 + s->c.lat_dequant + s->c.lat_exp + s->c.lat_acc);
                s->a.valid = false;
                progress |= ACT_EVENT;
            } else {
                s->stall_a = 1;
            }
        }
    }
    if (busy) s->st.busy++;
    else if (s->stall_a || s->stall_b) s->st.stall_out++;
    return progress;
}

cycle_t sm_next_event(const sm *s, cycle_t now)
{
    /* A phase with `left` elements to go acts (hands its row on) in cycle now + left; the
     * cycles before only count down. A finished phase whose output FIFO is full waits for the
     * consumer's pop, which is that block's event. An empty phase waits for its input. */
    cycle_t m = CYCLE_NEVER;
    const phase *ph[2] = { &s->a, &s->b };
    const fifo *src[2] = { s->in, s->ab };
    for (int i = 0; i < 2; i++) {
        cycle_t e;
        if (ph[i]->valid) e = ph[i]->left ? now + ph[i]->left : CYCLE_NEVER;
        else e = fifo_head_ready(src[i]);
        if (e < m) m = e;
    }
    return sim_event_after(m, now);
}

/* Skipped cycles lie before every phase's event (above): counting phases count down (busy),
 * otherwise a blocked phase stays blocked. */
bool sm_skip(sm *s, uint64_t cycles)
{
    bool busy = false;
    if (s->a.valid && s->a.left) { SIM_ASSERT(s->a.left > cycles); s->a.left -= cycles; busy = true; }
    if (s->b.valid && s->b.left) { SIM_ASSERT(s->b.left > cycles); s->b.left -= cycles; busy = true; }
    if (busy) s->st.busy += cycles;
    else if (s->stall_a || s->stall_b) s->st.stall_out += cycles;
    return busy;
}
uint64_t sm_busy_cycles(const sm *s)  { return s->st.busy; }
uint64_t sm_stall_cycles(const sm *s) { return s->st.stall_out; }
uint64_t sm_elems(const sm *s)        { return s->st.elems; }
uint64_t sm_rows_lsb(const sm *s)     { return s->st.rows_lsb; }
fifo    *sm_internal_fifo(sm *s)      { return s->ab; }
