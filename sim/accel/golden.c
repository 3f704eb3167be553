/* golden.c - the input interface's common part (golden.h): binding and datapath callbacks. */
#include "accel/golden.h"

#include <stdarg.h>
#include <stdio.h>

void golden_destroy(golden *g)
{
    if (g) g->ops->destroy(g);
}

void golden_bind(golden *g, arow *pool) { g->pool = pool; }

void golden_cb_qk_done(void *ctx, uint32_t id, cycle_t now)
{
    golden *g = ctx;
    (void)now;
    if (g->ops->qk_done) g->ops->qk_done(g, g->cur, &g->pool[id]);
}

void golden_cb_sm_start(void *ctx, uint32_t id, cycle_t now)
{
    golden *g = ctx;
    (void)now;
    if (g->ops->sm_start) g->ops->sm_start(g, g->cur, &g->pool[id]);
}

void golden_cb_pv_done(void *ctx, uint32_t id, cycle_t now)
{
    golden *g = ctx;
    (void)now;
    if (g->ops->pv_done) g->ops->pv_done(g, g->cur, &g->pool[id]);
}

void golden_cb_imp_start(void *ctx, uint32_t id, cycle_t now)
{
    golden *g = ctx;
    (void)now;
    if (g->ops->imp_start) g->ops->imp_start(g, g->cur, &g->pool[id]);
}

int acc_failf(acc_fail *f, sim_rc code, const char *fmt, ...)
{
    if (f->failed) return f->err.code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err.msg, sizeof f->err.msg, fmt, ap);
    va_end(ap);
    f->err.code = code;
    f->failed = true;
    return code;
}
