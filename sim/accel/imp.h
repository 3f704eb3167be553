/*
 * imp.h - importance accumulators: token importance s_tok[j] += p_j for every key of a row, and
 * head importance s_head[h] += sum |o_i| over the row's output; both are on-chip accumulator
 * arrays (uint64) read by the cascade-pruning top-k between layers.
 * Ports: in <- FIFO of row ids from prob.V; out -> FIFO of row ids to the writeback/retire
 * logic (which writes the output row to DRAM).
 * Timing (docs/arch/imp.md): a row with n keys and d outputs occupies the unit
 * B = max(1, ceil(n / lanes), ceil(d / lanes)) cycles (token and head adders in parallel);
 * visible at the output at t0 + B.
 */
#ifndef SPATTEN_IMP_H
#define SPATTEN_IMP_H

#include "base/common.h"
#include "base/fifo.h"
#include "base/stats.h"
#include "accel/arow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct imp_cfg { uint32_t lanes, d; } imp_cfg;
typedef struct imp imp;

imp     *imp_create(const imp_cfg *c, arow *pool, fifo *in, fifo *out, stats *st,
                    const char *prefix, arow_cb on_start, void *ctx);
void     imp_destroy(imp *m);
/* One clock; returns ACT_EVENT / ACT_BUSY bits (arow.h), 0 if idle. */
unsigned imp_tick(imp *m, cycle_t now);
/* Next cycle > now with an ACT_EVENT: the row's hand-on (now + left) or an input's arrival;
 * CYCLE_NEVER while blocked on a full FIFO. */
cycle_t  imp_next_event(const imp *m, cycle_t now);
/* Accounts `cycles` skipped cycles (all before imp_next_event); true if it counted down. */
bool     imp_skip(imp *m, uint64_t cycles);
uint64_t imp_busy_cycles(const imp *m);
uint64_t imp_stall_cycles(const imp *m);
uint64_t imp_tok_adds(const imp *m);
uint64_t imp_head_adds(const imp *m);

#ifdef __cplusplus
}
#endif
#endif
