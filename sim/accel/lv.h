/*
 * lv.h - local value pruning stage: between the softmax and prob.V, it selects each row's V
 * rows (the top-k of the row's probabilities) on one of its top-k engines and asks for those
 * V rows to be fetched.
 * Ports:  in  <- softmax.out (row ids, probabilities computed)
 *         out -> pv.in (row ids, sel/n_sel set); V fetch requests through lv_ports
 * Timing: a row enters per cycle, on the lowest free engine; a row that keeps every key (or
 * has one) bypasses the engine and is ready at once; a row with a job is ready in the cycle
 * its engine reports done (its job cycles, docs/arch/topk.md); ready rows leave in engine
 * order, several per cycle while pv.in and the V fetch queue have room. The engines are
 * ticked by the caller after lv_tick (accel.c's tick order), and may be shared with the
 * cascade pruning (engine 0 in the paper's single-engine machine).
 * Counters: the stall cycles (a ready row held because pv.in or the V job queue is full) are
 * counted in *stall ("accel.lv_stall_cycles").
 */
#ifndef SPATTEN_LV_H
#define SPATTEN_LV_H

#include "accel/arow.h"
#include "accel/topk.h"
#include "base/common.h"
#include "base/fifo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the stage asks of the rest of the machine (the input and the V fetcher). */
typedef struct lv_ports {
    void     *ctx;
    uint32_t (*keep)(void *ctx, const arow *r);              /* V rows the row keeps */
    void     (*scores)(void *ctx, const arow *r, uint64_t *vals); /* selection scores [n_att] */
    bool     (*can_fetch)(void *ctx, cycle_t now);           /* room for a V fetch job */
    void     (*fetch)(void *ctx, uint32_t row, cycle_t now); /* fetch its selected V rows */
} lv_ports;

typedef struct lv_cfg {
    uint32_t engines;     /* top-k engines (topk_engines) */
    uint32_t max_n;       /* most keys of a row */
    uint32_t seed;        /* each job restarts the engine's pivot LFSR here (topk_seed) */
} lv_cfg;

typedef struct lv lv;

lv      *lv_create(const lv_cfg *c, arow *pool, fifo *in, fifo *out, topk *const *engines,
                   const lv_ports *ports, uint64_t *stall);
void     lv_destroy(lv *l);                              /* NULL is a no-op */
unsigned lv_tick(lv *l, cycle_t now);                    /* ACT_EVENT when it moved a row */
/* Its next visible action: now + 1 while a row waits to leave, an engine's DONE cycle, or the
 * input's head when an engine is free. */
cycle_t  lv_next_event(const lv *l, cycle_t now);
/* Skipped cycles: nothing to replay (a held row makes lv_next_event now + 1). */
void     lv_skip(lv *l, uint64_t cycles);

#ifdef __cplusplus
}
#endif
#endif
