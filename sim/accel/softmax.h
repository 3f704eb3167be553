/*
 * softmax.h - softmax unit (fp32) with the progressive-quantisation decision at its output.
 * Two pipelined phases with `lanes` elements per cycle each:
 *   phase A: dequantise -> exp -> accumulate (needs the row max, tracked as Q.K results arrive)
 *   phase B: divide -> quantise; then the decision: a row whose max probability is below the
 *            threshold (and has not been recomputed yet) goes to out_lsb (fetch the K LSB
 *            plane, recompute), every other row to out.
 * Ports: in <- FIFO of row ids from Q.K; out -> FIFO to local-V top-k; out_lsb -> FIFO to the
 * LSB re-fetch path.
 * Timing (docs/arch/softmax.md): with B = max(1, ceil(n / lanes)), a row popped at t0 by phase
 * A occupies it B cycles and enters phase B at t0 + B + (dequant + exp + acc latencies) at the
 * earliest; phase B occupies B cycles and the row is visible at its output
 * t1 + B + (div + quant latencies). Isolated row: 2B + sum of the five latencies.
 */
#ifndef SPATTEN_SOFTMAX_H
#define SPATTEN_SOFTMAX_H

#include "base/common.h"
#include "base/fifo.h"
#include "base/stats.h"
#include "accel/arow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sm_cfg {
    uint32_t lanes;
    uint32_t lat_dequant, lat_exp, lat_acc, lat_div, lat_quant;
} sm_cfg;
typedef struct sm sm;

/* on_start(ctx, row, now): phase A took the row (compute probabilities and row->need_lsb). */
sm      *sm_create(const sm_cfg *c, arow *pool, fifo *in, fifo *out, fifo *out_lsb, stats *st,
                   const char *prefix, arow_cb on_start, void *ctx);
void     sm_destroy(sm *s);
/* One clock; returns ACT_EVENT / ACT_BUSY bits (arow.h), 0 if idle. */
unsigned sm_tick(sm *s, cycle_t now);
/* Next cycle > now with an ACT_EVENT: a phase's hand-on (now + left) or an input's arrival;
 * CYCLE_NEVER while blocked on a full FIFO (the consumer's pop is its event). */
cycle_t  sm_next_event(const sm *s, cycle_t now);
/* Accounts `cycles` skipped cycles (all before sm_next_event); true if a phase counted down. */
bool     sm_skip(sm *s, uint64_t cycles);
uint64_t sm_busy_cycles(const sm *s);
uint64_t sm_stall_cycles(const sm *s);
uint64_t sm_elems(const sm *s);        /* elements through phase A (= exps = divides) */
uint64_t sm_rows_lsb(const sm *s);     /* rows sent to the LSB re-fetch */
fifo    *sm_internal_fifo(sm *s);      /* phase A -> B (for dumps) */

#ifdef __cplusplus
}
#endif
#endif
