/*
 * fifo.h - bounded FIFO with registered semantics: the only way blocks talk to each other.
 *
 * Semantics (the contract the RTL is held to; docs/architecture.md, "FIFOs"):
 *  - A push in cycle t is visible to the consumer no earlier than cycle t+1 (as if the write
 *    went through a flip-flop). A push may carry a later ready cycle to model a pipeline of
 *    fixed latency: the entry becomes visible at `ready` (ready > now is required).
 *  - A pop in cycle t frees its slot for pushes from cycle t+1 on.
 *  Together these make the order in which blocks are ticked within a cycle irrelevant.
 *  A depth-1 FIFO therefore passes one item every two cycles; depth 2 sustains one per cycle.
 *  Entries are delivered in push order; an entry with a later ready cycle blocks those behind it.
 */
#ifndef SPATTEN_FIFO_H
#define SPATTEN_FIFO_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fifo fifo;

fifo       *fifo_create(const char *name, size_t elem_size, uint32_t depth);
void        fifo_destroy(fifo *f);                       /* NULL is a no-op */
bool        fifo_can_push(const fifo *f, cycle_t now);
void        fifo_push(fifo *f, const void *elem, cycle_t now, cycle_t ready); /* asserts space */
const void *fifo_peek(const fifo *f, cycle_t now);       /* head if ready, else NULL */
void        fifo_pop(fifo *f, cycle_t now);              /* asserts a ready head */
uint32_t    fifo_count(const fifo *f);                   /* entries stored (ready or not) */
uint32_t    fifo_depth(const fifo *f);
bool        fifo_empty(const fifo *f);
cycle_t     fifo_head_ready(const fifo *f);              /* CYCLE_NEVER when empty */
const char *fifo_name(const fifo *f);

#ifdef __cplusplus
}
#endif
#endif
