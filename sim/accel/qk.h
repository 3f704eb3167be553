/*
 * qk.h - the Q.K unit: `multipliers` fixed-point multipliers broadcast one query over
 * keys_per_cycle = multipliers / d keys per cycle, followed by a reduction tree.
 * Ports:
 *   in_lsb, in_new <- FIFOs of row ids (arow.h); in_lsb (progressive-quantisation recomputes)
 *                     has priority over in_new;
 *   K/Q buffers    <- arrival cells: a key is consumed only in a cycle >= its cell (the Q row
 *                     must be valid before the first key);
 *   out            -> FIFO of row ids to the softmax unit.
 * Timing (docs/arch/qk.md): a row popped in cycle t0 whose n keys are all valid occupies the
 * unit for B = max(1, ceil(n / keys_per_cycle)) cycles and its scores are visible at
 * t0 + B + latency (ready stamp of the output FIFO); the next row can start at t0 + B. Keys not
 * yet valid stall the unit (stall_data); a full output FIFO holds the row (stall_out).
 */
#ifndef SPATTEN_QK_H
#define SPATTEN_QK_H

#include "base/common.h"
#include "base/fifo.h"
#include "base/stats.h"
#include "accel/arow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qk_cfg { uint32_t keys_per_cycle, latency, d; } qk_cfg;
typedef struct qk qk;

/* on_done(ctx, row, now) is called when the row's last beat is processed (compute scores). */
qk      *qk_create(const qk_cfg *c, arow *pool, fifo *in_new, fifo *in_lsb, fifo *out,
                   stats *st, const char *prefix, arow_cb on_done, void *ctx);
void     qk_destroy(qk *q);
/* One clock; returns ACT_EVENT / ACT_BUSY bits (arow.h), 0 if idle. */
unsigned qk_tick(qk *q, cycle_t now);
/* The next cycle > now in which the unit acts visibly (ACT_EVENT, arow.h), with the buffer
 * contents known now; a search stops at `limit` (any value >= limit means "not before limit"). */
cycle_t  qk_next_event(const qk *q, cycle_t now, cycle_t limit);
/* Replays the `cycles` cycles after the last tick (all before the next event). */
bool     qk_skip(qk *q, uint64_t cycles);       /* true if it processed keys in them */
uint64_t qk_busy_cycles(const qk *q);
uint64_t qk_stall_cycles(const qk *q);
uint64_t qk_keys(const qk *q);         /* keys processed (x d = multiplies) */
uint64_t qk_keys_lsb(const qk *q);     /* of which in LSB recompute passes */

#ifdef __cplusplus
}
#endif
#endif
