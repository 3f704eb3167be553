/*
 * arow.h - the unit of work that flows through the accelerator's datapath: one attention ROW,
 * i.e. one (head, query) of the current pass. Internal to the accelerator (accel.c and its
 * blocks); not a public API.
 *
 * Rows live in a pool owned by the controller (accel.c); FIFOs between blocks carry row ids
 * (uint32_t). A block reads the fields it needs (key lists, arrival cells) and never frees a row.
 * Arrival cells: the fetcher writes, per fetched DRAM row, the cycle from which the row is in
 * the on-chip buffer (CYCLE_NEVER until then); consumers may use a row in cycle c iff
 * cell <= c. This is the buffer's "valid" bit with its timestamp.
 */
#ifndef SPATTEN_AROW_H
#define SPATTEN_AROW_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct arow {
    uint32_t hs;              /* head slot in the pass (index into head_idx) */
    uint32_t qi;              /* query row index in the pass */
    uint32_t slot;            /* K/V buffer slot of its head (accel.c, admission) */
    uint32_t n_att;           /* keys the row attends (after causal / static mask) */
    uint32_t *att;            /* [n_att] key ids (pass-local token index), ascending */
    const cycle_t *k_cells;   /* arrival cells of the K plane the current Q.K pass reads */
    const cycle_t *q_cell;    /* arrival cell of the Q row */
    uint32_t n_sel;           /* V rows selected (local V pruning) */
    uint32_t *sel;            /* [n_sel] key ids, ascending */
    const cycle_t *v_cells;   /* arrival cells of the V rows (indexed by key id) */
    uint8_t  lsb_pass;        /* 0: MSB-only pass; 1: recompute with the LSB plane */
    uint8_t  need_lsb;        /* set by the softmax decision */
    /* datapath values (data mode) */
    int32_t  *s;              /* [n_att] scores */
    uint32_t *p;              /* [n_att] probabilities (prob_bits) */
    uint32_t  pmax;
    int32_t  *out;            /* [d] output */
    /* bookkeeping */
    uint32_t *miss;           /* scratch list of key ids to fetch */
    cycle_t   t_admit, t_qk0, t_sm0, t_pv0;
} arow;

/* Callback a block calls when a row leaves it (data computation lives in the controller). */
/* What a block's tick returns (a bit set; 0: the block did nothing this cycle):
 *  ACT_EVENT - it changed something other blocks can see (a FIFO push or pop, a callback, a
 *              row handed on). The next cycle is then always clocked: a pop frees a slot
 *              from the next cycle on, and a producer blocked on that FIFO reports no event
 *              of its own (it waits for the consumer's).
 *  ACT_BUSY  - it worked inside the block only (a counted-down pipeline cycle, a beat of keys
 *              that is not the row's last). Such cycles may be skipped: the block's
 *              next_event names the cycle of its next ACT_EVENT and its skip function
 *              replays the cycles in between.
 * Either one resets the watchdog. */
enum { ACT_EVENT = 1u, ACT_BUSY = 2u };

/* The beats of cycle t over a row's id list (Q.K: keys, prob.V: selected V rows): advances
 * *cur over at most `width` ids whose arrival cell is <= t; returns how many. */
static inline uint32_t arow_take(const uint32_t *ids, uint32_t *cur, uint32_t n,
                                 const cycle_t *cells, uint32_t width, cycle_t t)
{
    uint32_t k = 0;
    while (k < width && *cur < n && cells[ids[*cur]] <= t) {
        (*cur)++;
        k++;
    }
    return k;
}

/* The cycle of the last beat over ids[cur, n), the first beat no earlier than t, with the
 * arrival cells known now; CYCLE_NEVER if an id is not fetched yet (its arrival is the
 * fetcher's event). The search stops at `limit`: any result >= limit means "not before". */
static inline cycle_t arow_last_beat(const uint32_t *ids, uint32_t cur, uint32_t n,
                                     const cycle_t *cells, uint32_t width, cycle_t t,
                                     cycle_t limit)
{
    for (;;) {
        if (t >= limit) return t;
        if (arow_take(ids, &cur, n, cells, width, t) == 0 && cur < n) {
            t = cells[ids[cur]];               /* > t: a stall until it arrives */
            if (t == CYCLE_NEVER) return CYCLE_NEVER;
            continue;
        }
        if (cur >= n) return t;
        t++;
    }
}

typedef void (*arow_cb)(void *ctx, uint32_t row, cycle_t now);

#ifdef __cplusplus
}
#endif
#endif
