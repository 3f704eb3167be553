/*
 * pv.h - the prob.V unit: `multipliers` multipliers scale rows_per_cycle = multipliers / d
 * selected V rows by their probabilities per cycle and accumulate them into the output row.
 * Ports: in <- FIFO of row ids (after local-V top-k); V buffer <- arrival cells (a V row is used
 * only in a cycle >= its cell); out -> FIFO of row ids to the importance/writeback stage.
 * Timing (docs/arch/pv.md): a row popped at t0 with k selected rows, all valid, occupies the
 * unit B = max(1, ceil(k / rows_per_cycle)) cycles; its output is visible at t0 + B + latency.
 */
#ifndef SPATTEN_PV_H
#define SPATTEN_PV_H

#include "base/common.h"
#include "base/fifo.h"
#include "base/stats.h"
#include "accel/arow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_cfg { uint32_t rows_per_cycle, latency; } pv_cfg;
typedef struct pv pv;

pv      *pv_create(const pv_cfg *c, arow *pool, fifo *in, fifo *out, stats *st,
                   const char *prefix, arow_cb on_done, void *ctx);
void     pv_destroy(pv *p);
/* One clock; returns ACT_EVENT / ACT_BUSY bits (arow.h), 0 if idle. */
unsigned pv_tick(pv *p, cycle_t now);
/* As qk_next_event (qk.h): the next visible action, searched up to `limit`. */
cycle_t  pv_next_event(const pv *p, cycle_t now, cycle_t limit);
/* Replays the `cycles` cycles after the last tick (all before the next event). */
bool     pv_skip(pv *p, uint64_t cycles);       /* true if it processed V rows in them */
uint64_t pv_busy_cycles(const pv *p);
uint64_t pv_stall_cycles(const pv *p);
uint64_t pv_vrows(const pv *p);        /* V rows multiplied (x d multiplies each) */

#ifdef __cplusplus
}
#endif
#endif
