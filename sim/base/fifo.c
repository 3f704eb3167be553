/* fifo.c - registered bounded FIFO (see fifo.h for the cycle contract). */
#include "base/fifo.h"

#include <stdlib.h>
#include <string.h>

struct fifo {
    char     *name;
    uint8_t  *data;          /* depth * elem_size bytes, ring */
    cycle_t  *ready;         /* ready cycle of each slot */
    size_t    elem_size;
    uint32_t  depth;
    uint32_t  head;          /* index of oldest entry */
    uint32_t  count;         /* entries stored */
    cycle_t   pop_cycle;     /* cycle of the most recent pops */
    uint32_t  pops_in_cycle; /* pops done in pop_cycle: their slots free only next cycle */
};

fifo *fifo_create(const char *name, size_t elem_size, uint32_t depth)
{
    SIM_ASSERT(elem_size > 0 && depth > 0);
    fifo *f = sim_xcalloc(1, sizeof *f);
    f->name = sim_xstrdup(name ? name : "fifo");
    f->data = sim_xcalloc(depth, elem_size);
    f->ready = sim_xcalloc(depth, sizeof *f->ready);
    f->elem_size = elem_size;
    f->depth = depth;
    f->pop_cycle = CYCLE_NEVER;
    return f;
}

void fifo_destroy(fifo *f)
{
    if (!f) return;
    free(f->name);
    free(f->data);
    free(f->ready);
    free(f);
}

bool fifo_can_push(const fifo *f, cycle_t now)
{
    uint32_t held = f->count + (f->pop_cycle == now ? f->pops_in_cycle : 0);
    return held < f->depth;
}

void fifo_push(fifo *f, const void *elem, cycle_t now, cycle_t ready)
{
    SIM_ASSERT(fifo_can_push(f, now));
    SIM_ASSERT(ready > now);
    uint32_t slot = f->head + f->count;
    if (slot >= f->depth) slot -= f->depth;
    memcpy(f->data + (size_t)slot * f->elem_size, elem, f->elem_size);
    f->ready[slot] = ready;
    f->count++;
}

const void *fifo_peek(const fifo *f, cycle_t now)
{
    if (f->count == 0 || f->ready[f->head] > now) return NULL;
    return f->data + (size_t)f->head * f->elem_size;
}

void fifo_pop(fifo *f, cycle_t now)
{
    SIM_ASSERT(f->count > 0 && f->ready[f->head] <= now);
    if (f->pop_cycle != now) { f->pop_cycle = now; f->pops_in_cycle = 0; }
    f->pops_in_cycle++;
    f->head = f->head + 1 == f->depth ? 0 : f->head + 1;
    f->count--;
}

uint32_t    fifo_count(const fifo *f)      { return f->count; }
uint32_t    fifo_depth(const fifo *f)      { return f->depth; }
bool        fifo_empty(const fifo *f)      { return f->count == 0; }
cycle_t     fifo_head_ready(const fifo *f) { return f->count ? f->ready[f->head] : CYCLE_NEVER; }
const char *fifo_name(const fifo *f)       { return f->name; }
