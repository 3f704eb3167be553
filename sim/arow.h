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

#include "common.h"

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
    cycle_t   t_admit, t_qk0, t_sm0, t_pv0, t_retire;
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

typedef void (*arow_cb)(void *ctx, uint32_t row, cycle_t now);

#ifdef __cplusplus
}
#endif
#endif
