/*
 * accel.c - SpAtten top level: the controller, the local-V selection and LSB re-fetch stages,
 * the writeback/retire logic, the clock domains, time skipping and the watchdog.
 * The datapath blocks live in fetch.c, qk.c, softmax.c, pv.c, imp.c and topk.c; this file owns
 * the FIFOs between them, the row pool, the on-chip buffer valid cells, the host image of DRAM
 * contents (K/V caches) and the golden checks. Model and timing: docs/arch/controller.md.
 */
#include "accel.h"
#include "arow.h"
#include "dram.h"
#include "energy.h"
#include "fetch.h"
#include "fifo.h"
#include "imp.h"
#include "policy.h"
#include "pv.h"
#include "qk.h"
#include "softmax.h"
#include "timeline.h"
#include "topk.h"
#include "wlcsv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ACC_MODULE_NAMES[ACC_M_N] = { "fetch", "qk", "softmax", "topk", "pv", "imp",
                                                "sram", "dram" };

/* A pass as the controller executes it (from a trace pass, or from a group of CSV rows). */
typedef struct ppass {
    uint32_t step, layer, n_tok, n_q, n_head, n_new;
    const uint32_t *tok_pos;   /* [n_tok] positions (NULL: identity) */
    const uint32_t *q_pos;     /* [n_q] (NULL: csv q position per head) */
    const uint32_t *new_pos;   /* [n_new] */
    const uint32_t *head_idx;  /* [n_head] */
    const spt_pass *sp;        /* data mode */
    /* CSV mode, per head slot */
    uint32_t *c_keys, *c_vals, *c_qpos;
    uint8_t  *c_requant;
    uint32_t  c_topk_n, c_topk_k;     /* cascade top-k job before this pass (0: none) */
    bool      c_sum, c_causal;        /* a summarization pass: n_q = n_tok queries at positions
                                         0..n_tok-1, query i sees keys 0..i when c_causal */
    uint32_t *c_heads;                /* owned head list */
} ppass;

typedef struct lvslot {
    bool      valid, running, ready;
    uint32_t  row;
    topk     *tk;
    uint64_t *vals;                  /* the engine's input (valid until done) */
} lvslot;

enum { PH_START, PH_TOK, PH_HEAD, PH_APPEND, PH_ROWS, PH_END, PH_DRAIN, PH_DONE };

typedef struct snap {
    uint64_t bytes[ACC_TR_N], rd, wr, req, rows, krows, vrows, lsb, masked, qk_keys, qk_keys_lsb,
             pv_vrows, sm_elems, tok_adds, head_adds, topk_cmp, sram_rd, sram_wr;
    uint64_t busy[ACC_M_N], stall[ACC_M_N];
    double   dram_pj;
} snap;

/* One K/V buffer slot: the rows of one resident head (arrival cells and valid flags of its K
 * full-precision / MSB, K LSB and V rows, indexed by pass key id). */
typedef struct kvslot {
    cycle_t *kc, *lc, *vc;             /* [max_tok] */
    uint8_t *kres, *lres, *vres;       /* [max_tok] */
    uint32_t owner;                    /* head slot holding it (UINT32_MAX: free) */
    uint32_t rows;                     /* its rows admitted and not yet retired */
} kvslot;

struct accel {
    const hw_cfg *hw;
    const spt_trace *tr;
    bool      data;
    stats    *st, *own_st;
    const energy_cfg *en;
    /* geometry */
    uint32_t  d, layers, heads, max_pos, max_tok;
    const char *input;                 /* the trace's or CSV's source, for messages */
    bool      progressive, local_v, causal;
    uint32_t  bytes[ACC_TR_N];       /* useful bytes per row */
    uint32_t  kfull_bytes;           /* bytes per K row in the buffer (full precision) */
    uint32_t  msb_bits;              /* K bits fetched first (MSB plane; full width if not progressive) */
    uint32_t  stride[ACC_TR_N];
    uint64_t  region[ACC_TR_N];      /* base address of each kind's region */
    /* host image of DRAM contents (data mode): [layers][heads][max_pos][d] */
    int16_t  *kimg, *kmsb, *vimg;
    uint64_t *tok_imp;               /* [max_pos] cumulative token importance */
    uint64_t *head_imp;              /* [heads] cumulative head importance */
    /* blocks */
    dram     *dr;
    fetch    *fe;
    qk       *qk;
    sm       *sm;
    pv       *pv;
    imp      *im;
    topk     *tk;
    fifo     *f_qk_new, *f_qk_lsb, *f_sm_in, *f_sm_out, *f_sm_lsb, *f_pv_in, *f_pv_out, *f_wb,
             *f_free;
    /* rows */
    arow     *pool;
    uint32_t  pool_n;
    cycle_t  *qcell;                 /* [pool_n] */
    uint32_t *row_qpos;              /* [pool_n] Q position of the row (addresses) */
    /* K/V buffers: kv_slots regions, one per resident head, taken and recycled in head order
     * (the release's BufferManager); per slot, arrival cells and valid flags by pass key id */
    uint32_t  n_slots;
    kvslot   *slot;                    /* [n_slots] */
    uint64_t  head_kb, head_vb;        /* K / V buffer bytes one head of the pass takes */
    uint64_t  k_used, v_used;          /* bytes held by resident heads */
    uint32_t  free_hs;                 /* oldest head whose slot is not yet recycled */
    bool      tiled;
    /* passes */
    ppass    *pp;
    uint32_t  n_pp, pi;
    int       phase;
    uint32_t  next_hs, next_qi, rows_total, rows_retired, append_i;
    uint32_t  tok_alive_n, head_alive_n;
    uint32_t *tok_alive, *head_alive, *tmp_u32, *tmp_u32b;
    uint32_t *cur_tok_alive; uint32_t cur_tok_n;   /* kept set of the last pass */
    uint32_t *cur_head_alive; uint32_t cur_head_n;
    uint64_t *tk_vals;
    uint32_t  ncand, kcand;
    bool      tk_job;
    cycle_t   tk_t0;
    /* local-V stage */
    lvslot   *lv;                    /* [n_lv] one per top-k engine; lv[0].tk == tk */
    uint32_t  n_lv;
    int       lv_stall;
    /* LSB stage, writeback */
    int       lsb_stall, wb_stall, ctl_stall;
    /* scratch */
    uint32_t *att_scr;
    uint64_t *pv_p;
    uint32_t *pv_pos;
    /* time */
    cycle_t   now;
    uint64_t  idle_streak;
    bool      skip;
    timeline *tl;
    int       tl_ctl, tl_head, tl_topk, tl_qk, tl_sm, tl_pv;
    cycle_t (*hspan)[8];             /* per head slot: [min,max] of admit..retire, qk, sm, pv */
    void    (*progress_cb)(void *, uint32_t, uint32_t);
    void     *progress_ctx;
    FILE     *dump;
    /* failure */
    bool      failed;
    sim_err   ferr;
    /* results */
    snap      pass_snap;
    cycle_t   pass_t0;
    accel_result res;
    struct { uint64_t rows, lsb_rows, masked_blocks, krows, golden_rows,
                      skipped, lv_stall, wb_stall, ctl_stall; } c;
};

/* ------------------------------------------------------------------------------------------ */
/* addresses and image */

static uint64_t base_addr(const accel *a, int kind, uint32_t layer, uint32_t head)
{
    return a->region[kind] +
           ((uint64_t)layer * a->heads + head) * (uint64_t)a->max_pos * a->stride[kind];
}

static size_t img_off(const accel *a, uint32_t layer, uint32_t head, uint32_t pos)
{
    return (((size_t)layer * a->heads + head) * a->max_pos + pos) * a->d;
}

static uint32_t pp_tok(const ppass *p, uint32_t j) { return p->tok_pos ? p->tok_pos[j] : j; }

/* CSV mode: V rows a row keeps. value_fetch_num is for a row that sees all key_fetch_num keys;
 * a causal summarization row that sees fewer keeps the same share, rounded up (at least 1). */
static uint32_t csv_v_keep(const ppass *p, const arow *r)
{
    uint32_t v = p->c_vals[r->hs], n = p->c_keys[r->hs];
    if (r->n_att < n && n > 0) v = (uint32_t)(((uint64_t)v * r->n_att + n - 1) / n);
    if (v == 0 && r->n_att > 0) v = 1;
    return v < r->n_att ? v : r->n_att;
}

static int fail(accel *a, sim_rc code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(accel *a, sim_rc code, const char *fmt, ...)
{
    if (a->failed) return a->ferr.code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->ferr.msg, sizeof a->ferr.msg, fmt, ap);
    va_end(ap);
    a->ferr.code = code;
    a->failed = true;
    return code;
}

/* ------------------------------------------------------------------------------------------ */
/* datapath callbacks: values are computed once per row when the block takes or finishes it */

static const int16_t *q_row(const accel *a, const arow *r)
{
    const ppass *p = &a->pp[a->pi];
    return p->sp->q + ((size_t)r->hs * p->n_q + r->qi) * a->d;
}

/* Q.K's last beat: the row's scores, one fxp_dot per attended key. */
static void cb_qk_done(void *ctx, uint32_t id, cycle_t now)
{
    accel *a = ctx;
    (void)now;
    if (!a->data) return;
    arow *r = &a->pool[id];
    const ppass *p = &a->pp[a->pi];
    const int16_t *q = q_row(a, r);
    const int16_t *img = (a->progressive && !r->lsb_pass) ? a->kmsb : a->kimg;
    uint32_t head = p->head_idx[r->hs];
    for (uint32_t t = 0; t < r->n_att; t++)
        r->s[t] = fxp_dot(q, img + img_off(a, p->layer, head, pp_tok(p, r->att[t])), a->d);
}

static void cb_sm_start(void *ctx, uint32_t id, cycle_t now)
{
    accel *a = ctx;
    (void)now;
    arow *r = &a->pool[id];
    if (!a->data) {
        const ppass *p = &a->pp[a->pi];
        r->need_lsb = (uint8_t)(p->c_requant[r->hs] && !r->lsb_pass);
        return;
    }
    r->pmax = r->n_att ? fxp_softmax(r->s, NULL, r->n_att, &a->tr->fmt, r->p) : 0;
    r->need_lsb = (uint8_t)(!r->lsb_pass && pol_needs_lsb(&a->tr->policy, &a->tr->fmt, r->pmax));
}

static void cb_pv_done(void *ctx, uint32_t id, cycle_t now)
{
    accel *a = ctx;
    (void)now;
    if (!a->data) return;
    arow *r = &a->pool[id];
    const ppass *p = &a->pp[a->pi];
    uint32_t head = p->head_idx[r->hs];
    /* probabilities scattered to the keys' positions, V rows used in place (fxp_pv with a
     * selection list over the head's image block) */
    uint32_t *pp32 = (uint32_t *)a->pv_p;
    uint32_t *pos = a->pv_pos;
    for (uint32_t t = 0, u = 0; t < r->n_sel; t++) {
        uint32_t j = r->sel[t];
        while (r->att[u] < j) u++;          /* sel and att are both ascending */
        uint32_t ps = pp_tok(p, j);
        pp32[ps] = r->p[u];
        pos[t] = ps;
    }
    fxp_pv(pp32, a->vimg + img_off(a, p->layer, head, 0), pos, r->n_sel, a->max_pos,
           &a->tr->fmt, r->out);
}

static void cb_imp_start(void *ctx, uint32_t id, cycle_t now)
{
    accel *a = ctx;
    (void)now;
    if (!a->data) return;
    arow *r = &a->pool[id];
    const ppass *p = &a->pp[a->pi];
    for (uint32_t t = 0; t < r->n_att; t++) a->tok_imp[pp_tok(p, r->att[t])] += r->p[t];
    uint64_t s = 0;
    for (uint32_t i = 0; i < a->d; i++) s += (uint64_t)(r->out[i] < 0 ? -(int64_t)r->out[i] : r->out[i]);
    a->head_imp[p->head_idx[r->hs]] += s;
}

/* ------------------------------------------------------------------------------------------ */
/* row admission (controller front end) */

static bool build_att(accel *a, const ppass *p, arow *r)
{
    if (!a->data) {
        r->n_att = p->c_keys[r->hs];
        if (p->c_causal && r->qi + 1 < r->n_att) r->n_att = r->qi + 1;
        for (uint32_t j = 0; j < r->n_att; j++) r->att[j] = j;
        return true;
    }
    const spt_pass *sp = p->sp;
    uint32_t qpos = sp->q_pos[r->qi];
    uint32_t B = a->tr->policy.mask_block;
    uint32_t ncb = (sp->blk_mask && B) ? (sp->n_tok + B - 1) / B : 0;
    const uint8_t *mrow = (sp->blk_mask && B) ? sp->blk_mask + (size_t)(r->qi / B) * ncb : NULL;
    uint32_t n = 0;
    uint64_t masked = 0;
    for (uint32_t j = 0; j < sp->n_tok; j++) {
        if (a->causal && sp->tok_idx[j] > qpos) continue;
        if (mrow && mrow[j / B]) { masked++; continue; }
        r->att[n++] = j;
    }
    a->c.masked_blocks += masked;   /* (row, key) pairs skipped by the mask */
    r->n_att = n;
    return true;
}

/* keys of r not valid (nor requested) in its slot; marks them requested */
static uint32_t missing(accel *a, arow *r, const uint32_t *ids, uint32_t n, uint8_t *res)
{
    uint32_t m = 0;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t j = ids[t];
        if (a->tiled || !res[j]) {
            res[j] = 1;
            r->miss[m++] = j;
        }
    }
    return m;
}

/* Recycles, in head order, the slots of heads whose rows have all been admitted and retired. */
static void slots_recycle(accel *a)
{
    while (a->free_hs < a->next_hs) {
        uint32_t s = a->free_hs % a->n_slots;
        if (a->slot[s].owner != a->free_hs || a->slot[s].rows != 0) break;
        a->slot[s].owner = UINT32_MAX;
        a->k_used -= a->head_kb;
        a->v_used -= a->head_vb;
        a->free_hs++;
    }
}

/* Head hs may take its slot: the slot is free and both buffers have room for the head. */
static bool slot_can_take(accel *a, uint32_t hs)
{
    slots_recycle(a);
    const uint64_t cap = a->hw->kv_buffer_bytes;
    return a->slot[hs % a->n_slots].owner == UINT32_MAX && a->k_used + a->head_kb <= cap &&
           a->v_used + a->head_vb <= cap;
}

static void slot_take(accel *a, uint32_t hs)
{
    uint32_t s = hs % a->n_slots;
    const ppass *p = &a->pp[a->pi];
    a->slot[s].owner = hs;
    a->slot[s].rows = 0;
    a->k_used += a->head_kb;
    a->v_used += a->head_vb;
    memset(a->slot[s].kres, 0, p->n_tok);
    memset(a->slot[s].lres, 0, p->n_tok);
    memset(a->slot[s].vres, 0, p->n_tok);
}

/* Queue a fetch job on `stream` for rows of `kind` (region, stride, row bytes) of head slot hs
 * of the current pass: n rows, ids[] (or first .. first + n - 1), id -> position by pos[],
 * arrival cells for reads. */
static void push_rows(accel *a, int stream, int kind, uint32_t hs, uint32_t n,
                      const uint32_t *ids, uint32_t first, const uint32_t *pos, cycle_t *cells,
                      cycle_t now)
{
    const ppass *p = &a->pp[a->pi];
    fetch_job j = { n, ids, first, pos, cells, base_addr(a, kind, p->layer, p->head_idx[hs]),
                    a->stride[kind], a->bytes[kind] };
    fetch_push(a->fe, stream, &j, now);
}

static bool admit_row(accel *a, cycle_t now)
{
    const ppass *p = &a->pp[a->pi];
    uint32_t hs = a->next_hs, h = hs % a->n_slots;
    /* head hs needs its slot (free, and room in both buffers) or already holds it */
    if (a->slot[h].owner != hs && !slot_can_take(a, hs)) return false;
    if (!fifo_peek(a->f_free, now)) return false;
    if (!fifo_can_push(a->f_qk_new, now) || !fetch_can_push(a->fe, ACC_TR_Q, now) ||
        !fetch_can_push(a->fe, ACC_TR_K_MSB, now))
        return false;
    if (a->slot[h].owner != hs) slot_take(a, hs);
    uint32_t id = *(const uint32_t *)fifo_peek(a->f_free, now);
    fifo_pop(a->f_free, now);
    arow *r = &a->pool[id];
    r->hs = hs;
    r->qi = a->next_qi;
    r->slot = h;
    r->lsb_pass = 0;
    r->need_lsb = 0;
    r->n_sel = 0;
    r->t_admit = now;
    build_att(a, p, r);
    if (r->n_att == 0) {       /* the trace reader and the CSV reader rule this out */
        fail(a, SIM_ETRACE, "%s: step %u layer %u head %u row %u attends no key", a->input,
             p->step, p->layer, p->head_idx[r->hs], r->qi);
        return true;
    }
    r->k_cells = a->slot[h].kc;
    r->v_cells = a->slot[h].vc;
    r->q_cell = &a->qcell[id];
    /* Q row */
    a->row_qpos[id] = a->data ? p->sp->q_pos[r->qi] : p->c_sum ? r->qi : p->c_qpos[hs];
    push_rows(a, ACC_TR_Q, ACC_TR_Q, hs, 1, NULL, id, a->row_qpos, a->qcell, now);
    /* K rows (MSB plane, or full K) not yet in the buffer */
    uint32_t m = missing(a, r, r->att, r->n_att, a->slot[h].kres);
    push_rows(a, ACC_TR_K_MSB, ACC_TR_K_MSB, hs, m, r->miss, 0, p->tok_pos, a->slot[h].kc, now);
    a->c.krows += m;
    fifo_push(a->f_qk_new, &id, now, now + 1);
    a->slot[h].rows++;
    if (++a->next_qi == p->n_q) { a->next_qi = 0; a->next_hs++; }
    return true;
}

/* LSB re-fetch path: softmax said the row's max probability is below the threshold */
static unsigned lsb_tick(accel *a, cycle_t now)
{
    a->lsb_stall = 0;
    const uint32_t *idp = fifo_peek(a->f_sm_lsb, now);
    if (!idp) return 0;
    if (!fifo_can_push(a->f_qk_lsb, now) || !fetch_can_push(a->fe, ACC_TR_K_LSB, now)) {
        a->lsb_stall = 1;
        return 0;
    }
    uint32_t id = *idp;
    fifo_pop(a->f_sm_lsb, now);
    arow *r = &a->pool[id];
    const ppass *p = &a->pp[a->pi];
    r->lsb_pass = 1;
    r->need_lsb = 0;
    r->k_cells = a->slot[r->slot].lc;
    uint32_t m = missing(a, r, r->att, r->n_att, a->slot[r->slot].lres);
    push_rows(a, ACC_TR_K_LSB, ACC_TR_K_LSB, r->hs, m, r->miss, 0, p->tok_pos, a->slot[r->slot].lc,
              now);
    fifo_push(a->f_qk_lsb, &id, now, now + 1);
    a->c.lsb_rows++;
    return 1;
}

/* local value pruning: top-k over the row's probabilities on one of `topk_engines` engines,
 * then fetch the selected V rows. One row enters per cycle (lowest free engine); finished rows
 * leave in engine order, several per cycle if the FIFOs have room. */
static void lv_push_ready(accel *a, lvslot *l, cycle_t now, unsigned *prog)
{
    const ppass *p = &a->pp[a->pi];
    if (!fifo_can_push(a->f_pv_in, now) || !fetch_can_push(a->fe, ACC_TR_V, now)) {
        a->lv_stall = 1;
        return;
    }
    arow *r = &a->pool[l->row];
    uint32_t m = missing(a, r, r->sel, r->n_sel, a->slot[r->slot].vres);
    push_rows(a, ACC_TR_V, ACC_TR_V, r->hs, m, r->miss, 0, p->tok_pos, a->slot[r->slot].vc, now);
    fifo_push(a->f_pv_in, &l->row, now, now + 1);
    l->valid = l->ready = false;
    *prog = 1;
}

static unsigned lv_tick(accel *a, cycle_t now)
{
    a->lv_stall = 0;
    unsigned prog = 0;
    const ppass *p = &a->pp[a->pi];
    for (uint32_t e = 0; e < a->n_lv; e++) {
        lvslot *l = &a->lv[e];
        if (!l->running || !topk_done(l->tk)) continue;
        const uint32_t *idx;
        arow *r = &a->pool[l->row];
        uint32_t c = topk_result(l->tk, &idx);
        for (uint32_t t = 0; t < c; t++) r->sel[t] = r->att[idx[t]];
        r->n_sel = c;
        l->running = false;
        l->ready = true;
        prog = 1;
    }
    const uint32_t *idp = fifo_peek(a->f_sm_out, now);
    uint32_t e = 0;
    while (idp && e < a->n_lv && a->lv[e].valid) e++;
    if (idp && e < a->n_lv) {
        lvslot *l = &a->lv[e];
        l->row = *idp;
        fifo_pop(a->f_sm_out, now);
        l->valid = true;
        prog = 1;
        arow *r = &a->pool[l->row];
        uint32_t k = a->data ? pol_v_keep(&a->tr->policy, r->n_att) : csv_v_keep(p, r);
        if (k < r->n_att && r->n_att > 1 && a->local_v) {   /* CSV mode sets local_v */
            for (uint32_t t = 0; t < r->n_att; t++)
                l->vals[t] = a->data ? r->p[t] : (uint64_t)((r->att[t] * 2654435761u) >> 7);
            topk_start(l->tk, l->vals, r->n_att, k, a->hw->topk_seed, now);
            l->running = true;       /* the engine ticks this cycle (accel_tick) */
        } else {
            memcpy(r->sel, r->att, r->n_att * sizeof(uint32_t));
            r->n_sel = k < r->n_att ? k : r->n_att;
            l->ready = true;
        }
    }
    for (uint32_t x = 0; x < a->n_lv && !a->lv_stall; x++)
        if (a->lv[x].ready) lv_push_ready(a, &a->lv[x], now, &prog);
    if (a->lv_stall) a->c.lv_stall++;
    return prog;
}

/* golden checks of one finished row */
static void check_row(accel *a, const arow *r)
{
    const ppass *p = &a->pp[a->pi];
    const spt_pass *sp = p->sp;
    size_t ri = (size_t)r->hs * sp->n_q + r->qi;
    uint32_t head = p->head_idx[r->hs];
    if (sp->lsb_refetch && a->progressive && sp->lsb_refetch[ri] != r->lsb_pass) {
        fail(a, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row %u: LSB re-fetch "
             "%s, trace says %s", p->step, p->layer, head, r->qi, r->lsb_pass ? "yes" : "no",
             sp->lsb_refetch[ri] ? "yes" : "no");
        return;
    }
    if (sp->v_cnt && sp->v_cnt[ri] != r->n_sel) {
        fail(a, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row %u: %u V rows "
             "kept, trace says %u", p->step, p->layer, head, r->qi, r->n_sel, sp->v_cnt[ri]);
        return;
    }
    const int32_t *g = sp->out + ri * a->d;
    for (uint32_t i = 0; i < a->d; i++)
        if (g[i] != r->out[i]) {
            fail(a, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row %u: out[%u] "
                 "= %d, trace says %d", p->step, p->layer, head, r->qi, i, r->out[i], g[i]);
            return;
        }
    a->c.golden_rows++;
}

/* writeback: write the output row to DRAM, retire the row */
static unsigned wb_tick(accel *a, cycle_t now)
{
    a->wb_stall = 0;
    const uint32_t *idp = fifo_peek(a->f_wb, now);
    if (!idp) return 0;
    if (!fetch_can_push(a->fe, ACC_TR_OUT, now) || !fifo_can_push(a->f_free, now)) {
        a->wb_stall = 1;
        a->c.wb_stall++;
        return 0;
    }
    uint32_t id = *idp;
    fifo_pop(a->f_wb, now);
    arow *r = &a->pool[id];
    push_rows(a, ACC_TR_OUT, ACC_TR_OUT, r->hs, 1, NULL, id, a->row_qpos, NULL, now);
    if (a->data) check_row(a, r);
    if (a->tl) {
        cycle_t *sp = a->hspan[r->hs];
        const cycle_t st[4] = { r->t_admit, r->t_qk0, r->t_sm0, r->t_pv0 };
        const cycle_t en[4] = { now, r->t_sm0, r->t_pv0, now };
        for (int k = 0; k < 4; k++) {
            if (st[k] < sp[2 * k]) sp[2 * k] = st[k];
            if (sp[2 * k + 1] == CYCLE_NEVER || en[k] > sp[2 * k + 1]) sp[2 * k + 1] = en[k];
        }
    }
    a->slot[r->slot].rows--;
    a->rows_retired++;
    a->c.rows++;
    fifo_push(a->f_free, &id, now, now + 1);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* pass control: cascade pruning, K/V append, rows, pass results */

static void snap_take(accel *a, snap *s);
static void counts_between(accel *a, const snap *s0, const snap *s1, accel_counts *o);

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Token set alive before the pruning of pass pi (docs/arch/controller.md, "Cascade pruning"). */
static void alive_before(accel *a, uint32_t pi)
{
    const ppass *p = &a->pp[pi];
    if (p->layer == 0 && p->step == 0) {
        a->tok_alive_n = a->tr->n_prompt;
        for (uint32_t j = 0; j < a->tok_alive_n; j++) a->tok_alive[j] = j;
        a->head_alive_n = a->heads;
        for (uint32_t h = 0; h < a->heads; h++) a->head_alive[h] = h;
        return;
    }
    memcpy(a->tok_alive, a->cur_tok_alive, a->cur_tok_n * sizeof(uint32_t));
    a->tok_alive_n = a->cur_tok_n;
    if (p->layer == 0) {         /* a new generation step: the new token joins */
        for (uint32_t i = 0; i < p->n_new; i++) a->tok_alive[a->tok_alive_n++] = p->new_pos[i];
        qsort(a->tok_alive, a->tok_alive_n, sizeof(uint32_t), cmp_u32);
    }
    /* heads carry over from the previous pass (in generation: the previous step's last layer) */
    memcpy(a->head_alive, a->cur_head_alive, a->cur_head_n * sizeof(uint32_t));
    a->head_alive_n = a->cur_head_n;
}

static bool same_set(const uint32_t *x, uint32_t nx, const uint32_t *y, uint32_t ny)
{
    return nx == ny && (nx == 0 || memcmp(x, y, nx * sizeof(uint32_t)) == 0);
}

static void set_desc(char *buf, size_t cap, const uint32_t *x, uint32_t n)
{
    size_t len = (size_t)snprintf(buf, cap, "%u {", n);
    for (uint32_t i = 0; i < n && i < 6 && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%u", i ? "," : "", x[i]);
    if (len < cap) snprintf(buf + len, cap - len, "%s}", n > 6 ? ",..." : "");
}

static void apply_append(accel *a, const ppass *p)
{
    const spt_pass *sp = p->sp;
    for (uint32_t h = 0; h < sp->n_head; h++)
        for (uint32_t i = 0; i < sp->n_new; i++) {
            size_t o = img_off(a, p->layer, sp->head_idx[h], sp->new_pos[i]);
            const int16_t *k = sp->k_new + ((size_t)h * sp->n_new + i) * a->d;
            const int16_t *v = sp->v_new + ((size_t)h * sp->n_new + i) * a->d;
            memcpy(a->kimg + o, k, a->d * sizeof(int16_t));
            memcpy(a->vimg + o, v, a->d * sizeof(int16_t));
            if (a->progressive)
                for (uint32_t e = 0; e < a->d; e++) a->kmsb[o + e] = fxp_k_msb_only(k[e], &a->tr->fmt);
            else
                memcpy(a->kmsb + o, k, a->d * sizeof(int16_t));
        }
}

static void pass_begin(accel *a, cycle_t now)
{
    ppass *p = &a->pp[a->pi];
    snap_take(a, &a->pass_snap);
    a->pass_t0 = now;
    a->next_hs = a->next_qi = 0;
    a->rows_retired = 0;
    a->rows_total = p->n_head * p->n_q;
    a->append_i = 0;
    for (uint32_t s = 0; s < a->n_slots; s++) {
        a->slot[s].owner = UINT32_MAX;
        a->slot[s].rows = 0;
    }
    a->k_used = a->v_used = 0;
    a->free_hs = 0;
    if (a->tl)
        for (uint32_t h = 0; h < p->n_head; h++)
            for (int k = 0; k < 8; k++) a->hspan[h][k] = CYCLE_NEVER;
    /* A head's K (full precision: MSB and LSB planes land in the same rows) and V rows. A head
     * larger than half a buffer is tiled (every row fetches its keys and values again) and
     * takes half the buffer, so the next head can still be fetched while it runs. */
    const uint64_t half = a->hw->kv_buffer_bytes / 2;
    uint64_t kb = (uint64_t)p->n_tok * a->kfull_bytes, vb = (uint64_t)p->n_tok * a->bytes[ACC_TR_V];
    a->tiled = kb > half || vb > half;
    a->head_kb = kb < half ? kb : half;
    a->head_vb = vb < half ? vb : half;
    if (a->data) apply_append(a, p);
}

/* start the cascade token top-k (data mode); returns false if no job is needed */
static bool tok_prune_start(accel *a, cycle_t now)
{
    const ppass *p = &a->pp[a->pi];
    if (!a->data) {
        if (!p->c_topk_n) return false;
        for (uint32_t i = 0; i < p->c_topk_n; i++) a->tk_vals[i] = (uint64_t)((i * 2654435761u) >> 5);
        topk_start(a->tk, a->tk_vals, p->c_topk_n, p->c_topk_k, a->hw->topk_seed, now);
        return true;
    }
    alive_before(a, a->pi);
    const spt_policy *pol = &a->tr->policy;
    uint32_t seq = p->step == 0 ? a->tr->n_prompt : a->tr->n_prompt + p->step;
    uint32_t k = pol_tok_keep(pol, p->layer, seq, a->tok_alive_n);
    if (k >= a->tok_alive_n) return false;
    uint32_t newp = (p->step > 0 && p->n_new) ? p->new_pos[0] : POL_NO_NEW;
    a->ncand = pol_tok_candidates(a->tok_alive, a->tok_alive_n, newp, k, a->tmp_u32, &a->kcand);
    for (uint32_t i = 0; i < a->ncand; i++) a->tk_vals[i] = a->tok_imp[a->tok_alive[a->tmp_u32[i]]];
    topk_start(a->tk, a->tk_vals, a->ncand, a->kcand, a->hw->topk_seed, now);
    return true;
}


/* A kept set selected by the top-k engine against the trace's golden set. */
static void check_kept(accel *a, const ppass *p, const char *what, const uint32_t *keep,
                       uint32_t n, const uint32_t *golden, uint32_t gn)
{
    if (same_set(keep, n, golden, gn)) return;
    char x[96], y[96];
    set_desc(x, sizeof x, keep, n);
    set_desc(y, sizeof y, golden, gn);
    fail(a, SIM_EMISMATCH, "golden mismatch at step %u layer %u: kept %s %s, trace says %s",
         p->step, p->layer, what, x, y);
}

static void tok_prune_finish(accel *a, bool ran)
{
    const ppass *p = &a->pp[a->pi];
    if (!a->data) return;
    uint32_t *keep = a->tmp_u32b;
    uint32_t n = 0;
    if (!ran) {
        memcpy(keep, a->tok_alive, a->tok_alive_n * sizeof(uint32_t));
        n = a->tok_alive_n;
    } else {
        const uint32_t *idx;
        uint32_t c = topk_result(a->tk, &idx);
        uint32_t newp = (p->step > 0 && p->n_new) ? p->new_pos[0] : POL_NO_NEW;
        for (uint32_t t = 0; t < c; t++) keep[n++] = a->tok_alive[a->tmp_u32[idx[t]]];
        if (newp != POL_NO_NEW)
            for (uint32_t i = 0; i < a->tok_alive_n; i++)
                if (a->tok_alive[i] == newp) keep[n++] = newp;
        qsort(keep, n, sizeof(uint32_t), cmp_u32);
    }
    check_kept(a, p, "tokens", keep, n, p->sp->tok_idx, p->sp->n_tok);
}

static bool head_prune_start(accel *a, cycle_t now)
{
    const ppass *p = &a->pp[a->pi];
    if (!a->data) return false;
    const spt_policy *pol = &a->tr->policy;
    if (pol->static_heads) return false;
    uint32_t k = pol_head_keep(pol, p->layer, a->heads, a->head_alive_n);
    if (k >= a->head_alive_n) return false;
    for (uint32_t i = 0; i < a->head_alive_n; i++) a->tk_vals[i] = a->head_imp[a->head_alive[i]];
    topk_start(a->tk, a->tk_vals, a->head_alive_n, k, a->hw->topk_seed, now);
    return true;
}

static void head_prune_finish(accel *a, bool ran)
{
    const ppass *p = &a->pp[a->pi];
    if (!a->data || a->tr->policy.static_heads) return;
    uint32_t *keep = a->tmp_u32b, n = 0;
    if (!ran) {
        memcpy(keep, a->head_alive, a->head_alive_n * sizeof(uint32_t));
        n = a->head_alive_n;
    } else {
        const uint32_t *idx;
        uint32_t c = topk_result(a->tk, &idx);
        for (uint32_t t = 0; t < c; t++) keep[n++] = a->head_alive[idx[t]];
    }
    check_kept(a, p, "heads", keep, n, p->sp->head_idx, p->sp->n_head);
}

/* The accumulated importance of the pass's alive tokens or heads against the trace's. */
static bool check_imp(accel *a, const ppass *p, const char *what, const uint64_t *got,
                      const uint32_t *idx, uint32_t n, const uint64_t *golden)
{
    for (uint32_t j = 0; golden && j < n; j++)
        if (got[idx[j]] != golden[j]) {
            fail(a, SIM_EMISMATCH, "golden mismatch at step %u layer %u: importance of %s %u = %"
                 PRIu64 ", trace says %" PRIu64, p->step, p->layer, what, idx[j], got[idx[j]],
                 golden[j]);
            return false;
        }
    return true;
}

static void pass_end(accel *a, cycle_t now)
{
    ppass *p = &a->pp[a->pi];
    if (a->data) {
        const spt_pass *sp = p->sp;
        if (!check_imp(a, p, "token", a->tok_imp, sp->tok_idx, sp->n_tok, sp->tok_imp) ||
            !check_imp(a, p, "head", a->head_imp, sp->head_idx, sp->n_head, sp->head_imp))
            return;
        memcpy(a->cur_tok_alive, sp->tok_idx, sp->n_tok * sizeof(uint32_t));
        a->cur_tok_n = sp->n_tok;
        memcpy(a->cur_head_alive, sp->head_idx, sp->n_head * sizeof(uint32_t));
        a->cur_head_n = sp->n_head;
    }
    if (a->tl) {
        char nm[48];
        const int tracks[4] = { a->tl_head, a->tl_qk, a->tl_sm, a->tl_pv };
        for (uint32_t h = 0; h < p->n_head; h++) {
            snprintf(nm, sizeof nm, "L%u H%u", p->layer, p->head_idx[h]);
            for (int k = 0; k < 4; k++)
                if (a->hspan[h][2 * k] != CYCLE_NEVER && a->hspan[h][2 * k + 1] >= a->hspan[h][2 * k])
                    tl_slice(a->tl, tracks[k], nm, a->hspan[h][2 * k], a->hspan[h][2 * k + 1] + 1);
        }
        snprintf(nm, sizeof nm, "step %u layer %u", p->step, p->layer);
        tl_slice(a->tl, a->tl_ctl, nm, a->pass_t0, now + 1);
    }
    snap s1;
    snap_take(a, &s1);
    accel_pass_result *pr = &a->res.pass[a->pi];
    counts_between(a, &a->pass_snap, &s1, &pr->c);
    pr->step = p->step;
    pr->layer = p->layer;
    pr->n_tok = p->n_tok;
    pr->n_q = p->n_q;
    pr->n_head = p->n_head;
    pr->n_new = p->n_new;
    pr->start = a->pass_t0;
    pr->end = now + 1;
    pr->cycles = pr->end - pr->start;
    if (a->progress_cb) a->progress_cb(a->progress_ctx, a->pi + 1, a->n_pp);
}

/* kv append: generation writes the new token's K (planes) and V rows to the caches */
static bool append_tick(accel *a, cycle_t now)
{
    const ppass *p = &a->pp[a->pi];
    if (p->step == 0 || p->n_new == 0) return true;
    uint32_t nplanes = a->progressive ? 3 : 2;
    while (a->append_i < p->n_head * nplanes) {
        if (!fetch_can_push(a->fe, ACC_TR_KV_APPEND, now)) return false;
        uint32_t h = a->append_i / nplanes, pl = a->append_i % nplanes;
        int kind = pl == 0 ? ACC_TR_K_MSB : (pl == 1 && a->progressive) ? ACC_TR_K_LSB : ACC_TR_V;
        push_rows(a, ACC_TR_KV_APPEND, kind, h, p->n_new, p->new_pos, 0, NULL, NULL, now);
        a->append_i++;
        return false;        /* one job per cycle */
    }
    return true;
}

static unsigned ctl_tick(accel *a, cycle_t now)
{
    a->ctl_stall = 0;
    switch (a->phase) {
    case PH_START:
        if (a->pi == a->n_pp) { a->phase = PH_DRAIN; return 1; }
        pass_begin(a, now);
        a->tk_job = tok_prune_start(a, now);
        a->tk_t0 = now;
        a->phase = PH_TOK;
        return 1;
    case PH_TOK:
        if (a->tk_job && !topk_done(a->tk)) return 0;
        if (a->tk_job && a->tl) tl_slice(a->tl, a->tl_topk, "token top-k", a->tk_t0, now);
        tok_prune_finish(a, a->tk_job);
        if (!a->data) { a->phase = PH_APPEND; return 1; }
        a->tk_job = head_prune_start(a, now);
        a->tk_t0 = now;
        a->phase = PH_HEAD;
        return 1;
    case PH_HEAD:
        if (a->tk_job && !topk_done(a->tk)) return 0;
        if (a->tk_job && a->tl) tl_slice(a->tl, a->tl_topk, "head top-k", a->tk_t0, now);
        head_prune_finish(a, a->tk_job);
        a->tk_job = false;
        a->phase = PH_APPEND;
        return 1;
    case PH_APPEND:
        if (!append_tick(a, now)) return 1;
        a->phase = PH_ROWS;
        return 1;
    case PH_ROWS: {
        const ppass *p = &a->pp[a->pi];
        if (a->next_hs < p->n_head) {
            if (admit_row(a, now)) return 1;
            a->ctl_stall = 1;
            a->c.ctl_stall++;
            return 0;
        }
        if (a->rows_retired < a->rows_total) return 0;
        pass_end(a, now);
        a->pi++;
        a->phase = PH_START;
        return 1;
    }
    case PH_DRAIN:
        if (!fetch_idle(a->fe) || !dram_idle(a->dr)) return 0;
        a->phase = PH_DONE;
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* counters -> results */

static void snap_take(accel *a, snap *s)
{
    memset(s, 0, sizeof *s);
    for (int k = 0; k < ACC_TR_N; k++) s->bytes[k] = fetch_useful_bytes(a->fe, k);
    s->rd = fetch_dram_bytes(a->fe, false);
    s->wr = fetch_dram_bytes(a->fe, true);
    s->req = fetch_requests(a->fe);
    s->rows = a->c.rows;
    s->krows = a->c.krows;
    s->vrows = fetch_rows(a->fe, ACC_TR_V);
    s->lsb = a->c.lsb_rows;
    s->masked = a->c.masked_blocks;
    s->qk_keys = qk_keys(a->qk);
    s->qk_keys_lsb = qk_keys_lsb(a->qk);
    s->pv_vrows = pv_vrows(a->pv);
    s->sm_elems = sm_elems(a->sm);
    s->tok_adds = imp_tok_adds(a->im);
    s->head_adds = imp_head_adds(a->im);
    for (uint32_t e = 0; e < a->n_lv; e++) {
        s->topk_cmp += topk_compares(a->lv[e].tk);
        s->busy[ACC_M_TOPK] += topk_busy_cycles(a->lv[e].tk);
    }
    /* SRAM: every fetched byte is written into a buffer once; the datapath reads K/Q per key
     * beat and V per V row */
    s->sram_wr = s->rd;
    s->sram_rd = s->qk_keys * a->kfull_bytes + s->pv_vrows * a->bytes[ACC_TR_V] + s->rows * 2u *
                 a->bytes[ACC_TR_Q];
    s->busy[ACC_M_FETCH] = fetch_busy_cycles(a->fe);
    s->stall[ACC_M_FETCH] = fetch_stall_cycles(a->fe);
    s->busy[ACC_M_QK] = qk_busy_cycles(a->qk);
    s->stall[ACC_M_QK] = qk_stall_cycles(a->qk);
    s->busy[ACC_M_SOFTMAX] = sm_busy_cycles(a->sm);
    s->stall[ACC_M_SOFTMAX] = sm_stall_cycles(a->sm);
    s->stall[ACC_M_TOPK] = a->c.lv_stall;
    s->busy[ACC_M_PV] = pv_busy_cycles(a->pv);
    s->stall[ACC_M_PV] = pv_stall_cycles(a->pv);
    s->busy[ACC_M_IMP] = imp_busy_cycles(a->im);
    s->stall[ACC_M_IMP] = imp_stall_cycles(a->im) + a->c.wb_stall;
    s->stall[ACC_M_SRAM] = a->c.ctl_stall;
    /* DRAM busy: data-bus cycles per (pseudo-)channel, averaged (DRAM clocks) */
    const dram_cfg *dc = a->hw->dram;
    s->busy[ACC_M_DRAM] = dram_data_cycles(a->dr) / ((uint64_t)dc->org.channels * dc->org.pseudo_channels);
    dram_energy de;
    dram_get_energy(a->dr, &de);
    s->dram_pj = de.total_pj;
}

static void module_energy(const accel *a, const snap *s0, const snap *s1, uint64_t cycles,
                          double *e)
{
    memset(e, 0, ACC_M_N * sizeof *e);
    e[ACC_M_DRAM] = s1->dram_pj - s0->dram_pj;
    const energy_cfg *c = a->en;
    if (!c) return;
    double ns = (double)a->hw->clk_ps / 1000.0;
    double d = a->d;
    double keys = (double)(s1->qk_keys - s0->qk_keys);
    double keys_lsb = (double)(s1->qk_keys_lsb - s0->qk_keys_lsb);
    double keys_msb = a->progressive ? keys - keys_lsb : 0.0;
    double keys_full = keys - keys_msb;
    uint32_t msb_bits = a->msb_bits;
    double mul_msb = energy_mul_pj(c, a->hw->data_bits, msb_bits);
    double mul_full = energy_mul_pj(c, a->hw->data_bits, a->hw->data_bits);
    e[ACC_M_QK] = keys_msb * d * mul_msb + keys_full * d * mul_full + keys * (d - 1) * c->add_acc_pj +
                  energy_leak_pj(c->leak.qk_mw, cycles, ns);
    double el = (double)(s1->sm_elems - s0->sm_elems);
    /* per score: dequantize and quantize multiplies, max compare, max subtract, exp, sum, divide */
    e[ACC_M_SOFTMAX] = el * (2.0 * c->fp32_mul_pj + 3.0 * c->fp32_add_pj + c->fp32_exp_pj + c->fp32_div_pj) +
                       energy_leak_pj(c->leak.softmax_mw, cycles, ns);
    e[ACC_M_TOPK] = (double)(s1->topk_cmp - s0->topk_cmp) * c->cmp_pj +
                    energy_leak_pj(c->leak.topk_mw, cycles, ns);
    double vr = (double)(s1->pv_vrows - s0->pv_vrows);
    e[ACC_M_PV] = vr * d * (mul_full + c->add_acc_pj) + energy_leak_pj(c->leak.pv_mw, cycles, ns);
    e[ACC_M_IMP] = (double)(s1->tok_adds - s0->tok_adds) * energy_add_pj(c, 32) +
                   (double)(s1->head_adds - s0->head_adds) * energy_add_pj(c, 32) +
                   energy_leak_pj(c->leak.ctrl_mw, cycles, ns);
    e[ACC_M_FETCH] = energy_leak_pj(c->leak.fetch_mw, cycles, ns);
    double kb = (double)a->hw->kv_buffer_bytes;
    e[ACC_M_SRAM] = (double)(s1->sram_rd - s0->sram_rd) * energy_sram_pj_per_byte(c, (uint64_t)kb, false) +
                    (double)(s1->sram_wr - s0->sram_wr) * energy_sram_pj_per_byte(c, (uint64_t)kb, true) +
                    energy_leak_pj(c->leak.sram_mw_per_kb * 2.0 * kb / 1024.0, cycles, ns);
}

static void counts_between(accel *a, const snap *s0, const snap *s1, accel_counts *o)
{
    for (int k = 0; k < ACC_TR_N; k++) o->bytes[k] = s1->bytes[k] - s0->bytes[k];
    o->dram_rd_bytes = s1->rd - s0->rd;
    o->dram_wr_bytes = s1->wr - s0->wr;
    o->rows = s1->rows - s0->rows;
    o->k_rows = s1->krows - s0->krows;
    o->v_rows = s1->vrows - s0->vrows;
    o->lsb_refetch_rows = s1->lsb - s0->lsb;
    o->masked_blocks = s1->masked - s0->masked;
    o->qk_macs = (s1->qk_keys - s0->qk_keys) * a->d;
    o->pv_macs = (s1->pv_vrows - s0->pv_vrows) * a->d;
    for (int m = 0; m < ACC_M_N; m++) {
        o->busy[m] = s1->busy[m] - s0->busy[m];
        o->stall[m] = s1->stall[m] - s0->stall[m];
    }
    uint64_t cycles = a->now + 1 - a->pass_t0;
    module_energy(a, s0, s1, cycles, o->energy_pj);
    o->energy_total_pj = 0;
    for (int m = 0; m < ACC_M_N; m++) o->energy_total_pj += o->energy_pj[m];
}

/* ------------------------------------------------------------------------------------------ */
/* create */

static int setup_geometry(accel *a, uint32_t bits, uint32_t msb_bits, uint32_t lsb_bits,
                          uint32_t qbits, uint32_t vbits, sim_err *err)
{
    uint32_t rb = dram_cfg_request_bytes(a->hw->dram);
    uint32_t d = a->d;
    a->bytes[ACC_TR_Q] = (d * qbits + 7) / 8;
    a->bytes[ACC_TR_K_MSB] = (d * (a->progressive ? msb_bits : bits) + 7) / 8;
    a->bytes[ACC_TR_K_LSB] = a->progressive ? (d * lsb_bits + 7) / 8 : 0;
    a->bytes[ACC_TR_V] = (d * vbits + 7) / 8;
    a->bytes[ACC_TR_OUT] = (d * a->hw->out_bits + 7) / 8;
    a->bytes[ACC_TR_KV_APPEND] = 0;
    a->kfull_bytes = (d * bits + 7) / 8;
    a->msb_bits = a->progressive ? msb_bits : bits;
    uint64_t addr = 0;
    for (int k = 0; k < ACC_TR_N; k++) {
        /* packed: rows back to back; aligned: each row padded to whole requests. A kind that
         * moves no rows (no LSB plane; appends reuse the K/V regions) keeps a one-request
         * stride, so its (unused) region places the others as in the aligned layout. */
        uint32_t b = a->bytes[k];
        a->stride[k] = b && a->hw->row_layout == HW_ROWS_PACKED ? b
                                                                : (uint32_t)(sim_ceil_div(b ? b : 1, rb) * rb);
        a->region[k] = addr;
        addr += (uint64_t)a->layers * a->heads * a->max_pos * a->stride[k];
        addr = sim_ceil_div(addr, 4096) * 4096;
    }
    if (addr > a->hw->dram->capacity_bytes)
        return sim_errf(err, SIM_EINVAL, "%s: the workload's Q/K/V/output regions need %" PRIu64
                        " bytes; the DRAM holds %" PRIu64 " (hardware %s)", a->input, addr,
                        a->hw->dram->capacity_bytes, a->hw->path);
    return SIM_OK;
}

static accel *create_common(const hw_cfg *hw, stats *st, sim_err *err)
{
    if (!hw->dram)
        { sim_errf(err, SIM_EINVAL, "%s: no DRAM config loaded", hw->path); return NULL; }
    accel *a = sim_xcalloc(1, sizeof *a);
    a->hw = hw;
    a->own_st = st ? NULL : stats_create();
    a->st = st ? st : a->own_st;
    a->en = hw->energy;
    a->skip = hw->time_skip;
    return a;
}

static int create_blocks(accel *a, sim_err *err)
{
    const hw_cfg *hw = a->hw;
    uint32_t d = a->d;
    if (hw->qk_multipliers < d || hw->pv_multipliers < d)
        return sim_errf(err, SIM_EINVAL, "%s: %u Q.K / %u prob.V multipliers cannot hold one "
                        "d = %u row (hardware %s)", a->input, hw->qk_multipliers,
                        hw->pv_multipliers, d, hw->path);
    if (a->max_tok > hw->topk_max_n)
        return sim_errf(err, SIM_EINVAL, "%s: top-k engine holds %u values; the workload needs %u "
                        "(hardware %s)", a->input, hw->topk_max_n, a->max_tok, hw->path);
    a->dr = dram_create(hw->dram, a->st, "dram", err);
    if (!a->dr) return err->code;
    fetch_cfg fc = { hw->fetchers, hw->xbar_latency, hw->max_outstanding, hw->fifo_req_depth,
                     hw->fifo_row_depth };
    a->fe = fetch_create(&fc, a->dr, a->st, "fetch", err);
    if (!a->fe) return err->code;
    uint32_t rd = hw->fifo_row_depth;
    /* rows in flight: every FIFO slot plus one per block register, plus the double-buffer
     * overlap; the LSB loop FIFOs hold the whole pool, so the loop can never block */
    /* A FIFO fed by a pipeline of latency L models the pipeline's registers AND the buffer
     * behind them (entries carry ready stamps): a pipeline of L stages holds up to L rows in
     * flight (one row per stage when rows take one beat), so such FIFOs get depth rd + L, and
     * only the rd buffer entries throttle a full consumer's producer in steady state. */
    const uint32_t lat_b = hw->sm_div_latency + hw->sm_quant_latency;
    a->pool_n = 6 * rd + 8 + hw->qk_latency + hw->sm_dequant_latency + hw->sm_exp_latency +
                hw->sm_acc_latency + lat_b + hw->pv_latency;
    a->f_qk_new = fifo_create("qk.in", sizeof(uint32_t), rd);
    a->f_qk_lsb = fifo_create("qk.in_lsb", sizeof(uint32_t), a->pool_n);
    a->f_sm_in = fifo_create("softmax.in", sizeof(uint32_t), rd + hw->qk_latency);
    a->f_sm_out = fifo_create("softmax.out", sizeof(uint32_t), rd + lat_b);
    a->f_sm_lsb = fifo_create("softmax.out_lsb", sizeof(uint32_t), a->pool_n);
    a->f_pv_in = fifo_create("pv.in", sizeof(uint32_t), rd);
    a->f_pv_out = fifo_create("imp.in", sizeof(uint32_t), rd + hw->pv_latency);
    a->f_wb = fifo_create("writeback.in", sizeof(uint32_t), rd);
    a->f_free = fifo_create("rows.free", sizeof(uint32_t), a->pool_n);
    a->pool = sim_xcalloc(a->pool_n, sizeof *a->pool);
    a->qcell = sim_xcalloc(a->pool_n, sizeof *a->qcell);
    a->row_qpos = sim_xcalloc(a->pool_n, sizeof *a->row_qpos);
    size_t mt = a->max_tok + 1;
    for (uint32_t i = 0; i < a->pool_n; i++) {
        arow *r = &a->pool[i];
        r->att = sim_xcalloc(mt, sizeof(uint32_t));
        r->sel = sim_xcalloc(mt, sizeof(uint32_t));
        r->miss = sim_xcalloc(mt, sizeof(uint32_t));
        r->s = sim_xcalloc(mt, sizeof(int32_t));
        r->p = sim_xcalloc(mt, sizeof(uint32_t));
        r->out = sim_xcalloc(d, sizeof(int32_t));
        a->qcell[i] = CYCLE_NEVER;
        fifo_push(a->f_free, &i, 0, 1);
    }
    a->n_slots = hw->kv_slots;
    a->slot = sim_xcalloc(a->n_slots, sizeof *a->slot);
    for (uint32_t h = 0; h < a->n_slots; h++) {
        kvslot *sl = &a->slot[h];
        sl->kc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->lc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->vc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->kres = sim_xcalloc(mt, 1);
        sl->lres = sim_xcalloc(mt, 1);
        sl->vres = sim_xcalloc(mt, 1);
        sl->owner = UINT32_MAX;
    }
    a->tk_vals = sim_xcalloc(mt + a->heads, sizeof(uint64_t));
    a->tmp_u32 = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->tmp_u32b = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->tok_alive = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->head_alive = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->cur_tok_alive = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->cur_head_alive = sim_xcalloc(mt + a->heads, sizeof(uint32_t));
    a->pv_p = sim_xcalloc(a->max_pos + 1, sizeof(uint64_t));
    a->pv_pos = sim_xcalloc(mt, sizeof(uint32_t));
    qk_cfg qc = { hw->qk_multipliers / d, hw->qk_latency, d };
    a->qk = qk_create(&qc, a->pool, a->f_qk_new, a->f_qk_lsb, a->f_sm_in, a->st, "qk", cb_qk_done, a);
    sm_cfg sc = { hw->sm_lanes, hw->sm_dequant_latency, hw->sm_exp_latency, hw->sm_acc_latency,
                  hw->sm_div_latency, hw->sm_quant_latency };
    a->sm = sm_create(&sc, a->pool, a->f_sm_in, a->f_sm_out, a->f_sm_lsb, a->st, "softmax",
                      cb_sm_start, a);
    pv_cfg pc = { hw->pv_multipliers / d, hw->pv_latency };
    a->pv = pv_create(&pc, a->pool, a->f_pv_in, a->f_pv_out, a->st, "pv", cb_pv_done, a);
    imp_cfg ic = { hw->sm_lanes, d };
    a->im = imp_create(&ic, a->pool, a->f_pv_out, a->f_wb, a->st, "imp", cb_imp_start, a);
    topk_cfg tc = { hw->topk_comparators, hw->topk_in_lanes, hw->topk_max_n, hw->topk_fifo_depth };
    a->n_lv = hw->topk_engines;
    a->lv = sim_xcalloc(a->n_lv, sizeof *a->lv);
    for (uint32_t e = 0; e < a->n_lv; e++) {
        char nm[32];
        if (e == 0) snprintf(nm, sizeof nm, "topk");
        else snprintf(nm, sizeof nm, "topk%u", e);
        a->lv[e].tk = topk_create(&tc, a->st, nm, err);
        if (!a->lv[e].tk) return err->code;
        topk_set_fast(a->lv[e].tk, a->skip);
        a->lv[e].vals = sim_xcalloc(mt, sizeof(uint64_t));
    }
    a->tk = a->lv[0].tk;
    stats *st = a->st;
    stats_add_u64(st, "accel", "rows", "row", &a->c.rows, "(head, query) rows retired");
    stats_add_u64(st, "accel", "lsb_refetch_rows", "row", &a->c.lsb_rows,
                  "rows that fetched the K LSB plane and were recomputed");
    stats_add_u64(st, "accel", "masked_keys", "key", &a->c.masked_blocks,
                  "(row, key) pairs skipped by the static block mask");
    stats_add_u64(st, "accel", "k_rows", "row", &a->c.krows, "K rows fetched (MSB plane or full)");
    stats_add_u64(st, "accel", "golden_rows", "row", &a->c.golden_rows,
                  "output rows checked against the trace");
    stats_add_u64(st, "accel", "lv_stall_cycles", "cycle", &a->c.lv_stall,
                  "cycles the local-V stage held a row (prob.V FIFO or V job FIFO full)");
    stats_add_u64(st, "accel", "wb_stall_cycles", "cycle", &a->c.wb_stall,
                  "cycles the writeback held a row (write job FIFO full)");
    stats_add_u64(st, "accel", "admit_stall_cycles", "cycle", &a->c.ctl_stall,
                  "cycles the controller could not admit the next row (pool, buffer slot, FIFOs)");
    stats_add_u64(st, "accel", "cycles", "cycle", &a->res.cycles, "accelerator cycles");
    a->res.n_pass = a->n_pp;
    a->res.pass = sim_xcalloc(a->n_pp ? a->n_pp : 1, sizeof *a->res.pass);
    a->res.clk_ps = hw->clk_ps;
    return SIM_OK;
}

accel *accel_create(const hw_cfg *hw, const spt_trace *tr, stats *st, sim_err *err)
{
    const char *in = tr && tr->source ? tr->source : "trace";
    if (!tr || tr->n_pass == 0) { sim_errf(err, SIM_ETRACE, "%s: no passes", in); return NULL; }
    if (tr->fmt.bits != hw->data_bits) {
        sim_errf(err, SIM_EINVAL, "%s: Q/K/V are %u bits but the hardware's data_bits = %u "
                 "(hardware %s)", in, tr->fmt.bits, hw->data_bits, hw->path);
        return NULL;
    }
    if (tr->policy.progressive && tr->fmt.k_lsb_bits == 0) {
        sim_errf(err, SIM_ETRACE, "%s: progressive quantisation with k_lsb_bits = 0", in);
        return NULL;
    }
    accel *a = create_common(hw, st, err);
    if (!a) return NULL;
    a->input = in;
    a->tr = tr;
    a->data = true;
    a->d = tr->d_head;
    a->layers = tr->layers;
    a->heads = tr->heads;
    a->max_pos = tr->n_prompt + tr->n_gen;
    a->progressive = tr->policy.progressive;
    a->local_v = tr->policy.local_v;
    a->causal = tr->causal;
    a->n_pp = tr->n_pass;
    a->pp = sim_xcalloc(a->n_pp, sizeof *a->pp);
    for (uint32_t i = 0; i < tr->n_pass; i++) {
        const spt_pass *sp = &tr->pass[i];
        ppass *p = &a->pp[i];
        if (sp->layer >= tr->layers || sp->n_tok > a->max_pos || sp->n_head > tr->heads) {
            sim_errf(err, SIM_ETRACE, "%s: pass %u (step %u layer %u) has inconsistent sizes",
                     in, i, sp->step, sp->layer);
            accel_destroy(a);
            return NULL;
        }
        p->step = sp->step;
        p->layer = sp->layer;
        p->n_tok = sp->n_tok;
        p->n_q = sp->n_q;
        p->n_head = sp->n_head;
        p->n_new = sp->n_new;
        p->tok_pos = sp->tok_idx;
        p->q_pos = sp->q_pos;
        p->new_pos = sp->new_pos;
        p->head_idx = sp->head_idx;
        p->sp = sp;
        if (sp->n_tok > a->max_tok) a->max_tok = sp->n_tok;
    }
    /* the first pass's cascade token top-k runs on every prompt token (tok_start 0) */
    if (tr->n_prompt > a->max_tok) a->max_tok = tr->n_prompt;
    a->kimg = sim_xcalloc((size_t)a->layers * a->heads * a->max_pos * a->d, sizeof(int16_t));
    a->kmsb = sim_xcalloc((size_t)a->layers * a->heads * a->max_pos * a->d, sizeof(int16_t));
    a->vimg = sim_xcalloc((size_t)a->layers * a->heads * a->max_pos * a->d, sizeof(int16_t));
    a->tok_imp = sim_xcalloc(a->max_pos + 1, sizeof(uint64_t));
    a->head_imp = sim_xcalloc(a->heads + 1, sizeof(uint64_t));
    uint32_t msb = tr->fmt.bits - tr->fmt.k_lsb_bits;
    if (setup_geometry(a, tr->fmt.bits, msb, tr->fmt.k_lsb_bits, tr->fmt.bits, tr->fmt.v_bits, err) ||
        create_blocks(a, err)) {
        accel_destroy(a);
        return NULL;
    }
    return a;
}

accel *accel_create_csv(const hw_cfg *hw, const wlcsv *csv, stats *st, sim_err *err)
{
    const char *in = csv && csv->source ? csv->source : "workload CSV";
    if (!csv || csv->n_rows == 0) { sim_errf(err, SIM_ETRACE, "%s: no rows", in); return NULL; }
    const wlcsv_row *r0 = &csv->rows[0];
    accel *a = create_common(hw, st, err);
    if (!a) return NULL;
    a->input = in;
    a->data = false;
    a->d = r0->d_head;
    a->layers = csv->n_layers;
    a->heads = csv->max_heads;
    a->progressive = r0->requant_incre > 0;
    a->local_v = true;
    uint32_t kbits = r0->quant_key_bit > 0 ? (uint32_t)r0->quant_key_bit : hw->data_bits;
    uint32_t lbits = r0->requant_incre > 0 ? (uint32_t)r0->requant_incre : 0;
    uint32_t qbits = r0->quant_query_bit > 0 ? (uint32_t)r0->quant_query_bit : hw->data_bits;
    uint32_t vbits = r0->quant_value_bit > 0 ? (uint32_t)r0->quant_value_bit : hw->data_bits;
    /* group rows into passes (iteration, layer) */
    a->pp = sim_xcalloc(csv->n_rows, sizeof *a->pp);
    uint32_t pending_n = 0, pending_k = 0;
    for (size_t i = 0; i < csv->n_rows;) {
        const wlcsv_row *r = &csv->rows[i];
        size_t j = i;
        while (j < csv->n_rows && csv->rows[j].iteration == r->iteration &&
               csv->rows[j].layer == r->layer) j++;
        ppass *p = &a->pp[a->n_pp++];
        uint32_t n = (uint32_t)(j - i);
        p->step = r->iteration;
        p->layer = r->layer;
        p->c_sum = csv->summary_iter0 && r->iteration == 0;
        p->c_causal = p->c_sum && csv->summary_causal;
        p->n_q = 1;
        p->n_head = n;
        p->n_new = r->iteration > 0 ? 1 : 0;
        p->c_heads = sim_xcalloc(n, sizeof(uint32_t));
        p->c_keys = sim_xcalloc(n, sizeof(uint32_t));
        p->c_vals = sim_xcalloc(n, sizeof(uint32_t));
        p->c_qpos = sim_xcalloc(n, sizeof(uint32_t));
        p->c_requant = sim_xcalloc(n, 1);
        p->c_topk_n = pending_n;
        p->c_topk_k = pending_k;
        pending_n = pending_k = 0;
        for (uint32_t h = 0; h < n; h++) {
            const wlcsv_row *x = &csv->rows[i + h];
            if (x->d_head != a->d) {
                sim_errf(err, SIM_ETRACE, "%s:%u: embedding_length_D = %u differs from %u "
                         "(one head dimension per run)", in, x->line, x->d_head, a->d);
                accel_destroy(a);
                return NULL;
            }
            p->c_heads[h] = x->head;
            p->c_keys[h] = x->key_fetch;
            p->c_vals[h] = x->value_fetch;
            p->c_qpos[h] = x->sentence_len ? x->sentence_len - 1 : 0;
            p->c_requant[h] = (uint8_t)(x->if_requant && a->progressive);
            if (x->key_fetch > p->n_tok) p->n_tok = x->key_fetch;
            if (x->sentence_len > a->max_pos) a->max_pos = x->sentence_len;
            if (x->if_topk) { pending_n = x->key_fetch; pending_k = (uint32_t)x->topk; }
        }
        p->head_idx = p->c_heads;
        if (p->c_sum) {                /* every alive token is a query */
            for (uint32_t h = 1; h < n; h++)
                if (p->c_keys[h] != p->c_keys[0]) {
                    sim_errf(err, SIM_ETRACE, "%s:%u: key_fetch_num = %u differs from %u in the "
                             "same summarization layer", in, csv->rows[i + h].line, p->c_keys[h],
                             p->c_keys[0]);
                    accel_destroy(a);
                    return NULL;
                }
            p->n_q = p->n_tok;         /* >= 1: the CSV reader requires key_fetch_num >= 1 */
        }
        if (p->n_tok > a->max_tok) a->max_tok = p->n_tok;
        i = j;
    }
    if (a->max_pos < a->max_tok) a->max_pos = a->max_tok;
    if (a->max_pos == 0) a->max_pos = 1;
    for (uint32_t i = 0; i < a->n_pp; i++)     /* the appended row sits at the query position */
        a->pp[i].new_pos = a->pp[i].c_qpos;
    if (setup_geometry(a, hw->data_bits, kbits, lbits, qbits, vbits, err) || create_blocks(a, err)) {
        accel_destroy(a);
        return NULL;
    }
    a->res.timing_only = true;
    return a;
}

/* Off also turns off the top-k engines' job-level evaluation, so a --no-skip run clocks every
 * block, the engines' cores included, on every cycle (the reference the skip path is checked
 * against: tests/unit/800, tests/e2e/800, bench/30_accel.sh). */
void accel_set_time_skip(accel *a, bool on)
{
    a->skip = on;
    for (uint32_t e = 0; e < a->n_lv; e++) topk_set_fast(a->lv[e].tk, on);
}

void accel_set_dram_trace(accel *a, FILE *f) { dram_set_recorder(a->dr, f); }

void accel_set_timeline(accel *a, timeline *tl)
{
    a->tl = tl;
    if (!tl) return;
    a->tl_ctl = tl_track(tl, "controller (passes)");
    a->tl_head = tl_track(tl, "heads (admit to retire)");
    a->tl_qk = tl_track(tl, "Q.K unit");
    a->tl_sm = tl_track(tl, "softmax unit");
    a->tl_pv = tl_track(tl, "prob.V + importance + writeback");
    free(a->hspan);
    a->hspan = sim_xcalloc(a->heads + 1, sizeof *a->hspan);
    a->tl_topk = tl_track(tl, "top-k (cascade pruning)");
}

void accel_set_progress(accel *a, void (*cb)(void *, uint32_t, uint32_t), void *ctx)
{
    a->progress_cb = cb;
    a->progress_ctx = ctx;
}

void accel_set_dump(accel *a, void *file) { a->dump = file; }

/* ------------------------------------------------------------------------------------------ */
/* the clock */

static unsigned accel_tick(accel *a, cycle_t now)
{
    /* ACT_* bits (arow.h); the fetcher, the controller's stages and the top-k engines
     * report any action as an event */
    unsigned p = 0;
    p |= fetch_tick(a->fe, now) ? ACT_EVENT : 0u;
    p |= qk_tick(a->qk, now);
    p |= sm_tick(a->sm, now);
    p |= pv_tick(a->pv, now);
    p |= imp_tick(a->im, now);
    p |= wb_tick(a, now) ? ACT_EVENT : 0u;
    p |= lsb_tick(a, now) ? ACT_EVENT : 0u;
    p |= lv_tick(a, now) ? ACT_EVENT : 0u;
    p |= ctl_tick(a, now) ? ACT_EVENT : 0u;
    for (uint32_t e = 0; e < a->n_lv; e++)
        if (topk_busy(a->lv[e].tk) && topk_tick(a->lv[e].tk, now)) p |= ACT_EVENT;
    return p;
}


static bool topk_working(const accel *a)
{
    for (uint32_t e = 0; e < a->n_lv; e++)
        if (topk_busy(a->lv[e].tk)) return true;
    return false;
}

static cycle_t fifo_ev(const fifo *f, cycle_t now)
{
    cycle_t r = fifo_head_ready(f);
    return sim_event_after(r, now);
}

/* The row FIFOs between the pipeline stages, in pipeline order (watchdog and its dump). */
#define ROW_FIFOS 10
static void row_fifos(const accel *a, const fifo *fs[ROW_FIFOS])
{
    const fifo *l[ROW_FIFOS] = { a->f_qk_new, a->f_qk_lsb, a->f_sm_in, sm_internal_fifo(a->sm),
                                 a->f_sm_out, a->f_sm_lsb, a->f_pv_in, a->f_pv_out, a->f_wb,
                                 a->f_free };
    memcpy(fs, l, sizeof l);
}

/* A row still travels down a pipeline (a FIFO's head becomes ready after now): it will arrive,
 * so for the watchdog this is progress, however long the configured latency. */
static bool pipeline_pending(const accel *a, cycle_t now)
{
    const fifo *fs[ROW_FIFOS];
    row_fifos(a, fs);
    for (size_t i = 0; i < ROW_FIFOS; i++) {
        cycle_t r = fifo_head_ready(fs[i]);
        if (r != CYCLE_NEVER && r > now) return true;
    }
    return false;
}

/* The earliest cycle > now in which any block may act visibly (ACT_EVENT, arow.h): now + 1
 * while one acts every cycle. Cycles before it only count down or process beats, which the
 * blocks' skip functions replay. dram_limit (the first cycle a DRAM event can be seen) bounds
 * the beat searches of Q.K and prob.V; the caller takes the DRAM event into account itself. */
static cycle_t accel_next_event(const accel *a, cycle_t now, cycle_t dram_limit)
{
    cycle_t n = CYCLE_NEVER;
    /* a top-k engine acts at its next event (every cycle while its core is clocked, only the
     * DONE cycle of a job evaluated at job level); a slot holding a row without a running
     * job acts now */
    for (uint32_t e = 0; e < a->n_lv; e++) {
        if (a->lv[e].valid && !a->lv[e].running) return now + 1;
        n = sim_min_u64(n, topk_next_event(a->lv[e].tk, now));
    }
    if (a->phase == PH_TOK || a->phase == PH_HEAD) {
        if (!a->tk_job) return now + 1;       /* else: waits for the engine (above) */
    } else if (a->phase != PH_ROWS && a->phase != PH_DRAIN && a->phase != PH_DONE) {
        return now + 1;
    }
    if (a->phase == PH_ROWS) {
        const ppass *p = &a->pp[a->pi];
        if (a->next_hs < p->n_head) {
            if (!a->ctl_stall) return now + 1;
            /* admission waits for a free row slot (its ready cycle), or, with one ready, for
             * the Q.K input FIFO, the fetcher's queues or a K/V buffer slot: each freed by
             * another block's event */
            cycle_t fr = fifo_head_ready(a->f_free);
            if (fr != CYCLE_NEVER && fr > now) n = sim_min_u64(n, fr);
        } else if (a->rows_retired == a->rows_total) return now + 1;
    }
    if (a->phase == PH_DRAIN && fetch_idle(a->fe) && dram_idle(a->dr)) return now + 1;
    bool lv_free = false;
    for (uint32_t e = 0; e < a->n_lv; e++) lv_free |= !a->lv[e].valid;
    if (lv_free) n = sim_min_u64(n, fifo_ev(a->f_sm_out, now));
    if (a->lsb_stall || a->wb_stall) return now + 1;
    n = sim_min_u64(n, fifo_ev(a->f_sm_lsb, now));
    n = sim_min_u64(n, fifo_ev(a->f_wb, now));
    n = sim_min_u64(n, fetch_next_event(a->fe, now));
    n = sim_min_u64(n, sm_next_event(a->sm, now));
    n = sim_min_u64(n, imp_next_event(a->im, now));
    /* the beat searches last, bounded by what is known so far (a search result at or past
     * the bound only says "not before it") */
    cycle_t bound = sim_min_u64(n, dram_limit);
    if (bound > now + 1) n = sim_min_u64(n, qk_next_event(a->qk, now, bound));
    bound = sim_min_u64(n, dram_limit);
    if (bound > now + 1) n = sim_min_u64(n, pv_next_event(a->pv, now, bound));
    return n;
}

/* accounts c skipped cycles in every block; true if any block worked in them (ACT_BUSY) */
static bool skip_account(accel *a, uint64_t c)
{
    fetch_skip(a->fe, c);
    bool busy = qk_skip(a->qk, c);
    busy |= sm_skip(a->sm, c);
    busy |= pv_skip(a->pv, c);
    busy |= imp_skip(a->im, c);
    if (a->ctl_stall) a->c.ctl_stall += c;
    a->c.skipped += c;
    return busy;
}

static void dump_queues(const accel *a, char *buf, size_t cap)
{
    const fifo *fs[ROW_FIFOS];
    row_fifos(a, fs);
    size_t len = strlen(buf);
    for (size_t i = 0; i < ROW_FIFOS && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, " %s %u/%u;", fifo_name(fs[i]),
                                fifo_count(fs[i]), fifo_depth(fs[i]));
    if (len < cap) fetch_dump(a->fe, buf, cap, a->now);
}

int accel_run(accel *a, sim_err *err)
{
    const uint64_t clk = a->hw->clk_ps, tck = dram_cfg_tck_ps(a->hw->dram);
    uint64_t t_acc = 0, t_dram = 0;
    cycle_t now = 0;
    a->phase = PH_START;
    a->pi = 0;
    /* DRAM catch-up with local skipping: DRAM ticks before the next known DRAM event are
     * no-ops (dram.h), so they are jumped; dn is recomputed when requests were sent and every
     * few ticks (ticking is always correct, skipping only on a fresh dn). */
    uint64_t dn = 0, sends_seen = UINT64_MAX;
    bool stuck_on_dram = false;
    unsigned ticks_since = 0;
    for (;;) {
        while (t_dram <= t_acc) {
            uint64_t c = dram_cycle(a->dr);
            if (fetch_dram_sends(a->fe) != sends_seen || ticks_since >= 8) {
                sends_seen = fetch_dram_sends(a->fe);
                dn = dram_next_event(a->dr);
                ticks_since = 0;
                uint64_t last = t_acc / tck;            /* last DRAM cycle due by t_acc */
                if (dn > c + 1) {
                    uint64_t to = dn - 1 < last + 1 ? dn - 1 : last + 1;
                    if (to > c) {
                        dram_skip_to(a->dr, to);
                        t_dram = to * tck;
                        continue;
                    }
                }
            }
            dram_tick(a->dr);
            ticks_since++;
            t_dram += tck;
        }
        a->now = now;
        unsigned prog = accel_tick(a, now);
        if (a->failed) {
            *err = a->ferr;
            return a->ferr.code;
        }
        if (a->phase == PH_DONE) break;
        /* a top-k job in flight always finishes (bounded by its cycle formula), so it counts
         * as progress for the watchdog even in the cycles a job-level engine does not act.
         * While the fetcher waits on DRAM, the watchdog counts DRAM clocks since the last
         * completion instead: one DRAM latency can span many accelerator clocks. */
        if (prog || topk_working(a) || pipeline_pending(a, now)) a->idle_streak = 0;
        else if (fetch_waiting(a->fe)) {
            a->idle_streak = 0;
            if (dram_cycle(a->dr) > fetch_last_done(a->fe) + a->hw->watchdog_cycles) {
                stuck_on_dram = true;
                goto deadlock;
            }
        } else if (++a->idle_streak > a->hw->watchdog_cycles) goto deadlock;
        if (a->skip && !(prog & ACT_EVENT)) {
            bool waiting = fetch_waiting(a->fe);
            dn = dram_next_event(a->dr);
            if (waiting) {                          /* never jump past the DRAM-side check */
                uint64_t stuck = fetch_last_done(a->fe) + a->hw->watchdog_cycles + 1;
                if (stuck < dn) dn = stuck;
            }
            /* a DRAM event at cycle e (dram.h: completions pop once dram_cycle() >= e) is
             * visible after the DRAM edge at (e - 1) * tck: conservative for both kinds */
            uint64_t tD = (dn > 0 ? dn - 1 : 0) * tck;
            cycle_t n = accel_next_event(a, now, (cycle_t)sim_ceil_div(tD, clk));
            uint64_t T = n == CYCLE_NEVER ? UINT64_MAX : n * clk;
            if (tD < T) T = tD;
            if (T > (now + 1) * clk) {
                cycle_t nn = (cycle_t)sim_ceil_div(T, clk);
                uint64_t c = nn - now - 1;
                if (c > 0) {
                    /* the watchdog sees the skipped cycles as clocking would have */
                    if (skip_account(a, c) || topk_working(a) || waiting || pipeline_pending(a, now))
                        a->idle_streak = 0;
                    else a->idle_streak += c;
                    if (a->idle_streak > a->hw->watchdog_cycles) goto deadlock;
                    now += c;
                    t_acc += c * clk;
                    uint64_t dc = sim_ceil_div(t_acc + clk > T ? T : t_acc + clk, tck);
                    if (dc > dram_cycle(a->dr)) {
                        dram_skip_to(a->dr, dc);
                        t_dram = dc * tck;
                    }
                }
            }
        }
        now++;
        t_acc += clk;
    }
    a->now = now;
    a->res.cycles = now + 1;
    snap s0, s1;
    memset(&s0, 0, sizeof s0);
    snap_take(a, &s1);
    a->pass_t0 = 0;
    accel_result *r = &a->res;
    counts_between(a, &s0, &s1, &r->c);
    r->dram_requests = fetch_requests(a->fe);
    r->seconds = (double)r->cycles * (double)clk * 1e-12;
    r->skipped_cycles = a->c.skipped;
    r->golden_rows_checked = a->c.golden_rows;
    r->done = true;
    dram_update_stats(a->dr);
    return SIM_OK;

deadlock: {
        char buf[SIM_ERR_MSG];
        snprintf(buf, sizeof buf, "deadlock: no %s for %u %scycles at cycle %" PRIu64
                 " (pass %u); queues:", stuck_on_dram ? "DRAM completion" : "progress",
                 a->hw->watchdog_cycles, stuck_on_dram ? "DRAM " : "", now, a->pi);
        dump_queues(a, buf, sizeof buf);
        if (a->dump) fprintf(a->dump, "%s\n", buf);
        return sim_errf(err, SIM_EDEADLOCK, "%s", buf);
    }
}

const accel_result *accel_result_get(const accel *a) { return &a->res; }

void accel_destroy(accel *a)
{
    if (!a) return;
    for (uint32_t i = 0; a->pool && i < a->pool_n; i++) {
        arow *r = &a->pool[i];
        free(r->att); free(r->sel); free(r->miss); free(r->s); free(r->p); free(r->out);
    }
    free(a->pool);
    free(a->qcell);
    free(a->row_qpos);
    for (uint32_t h = 0; a->slot && h < a->n_slots; h++) {
        kvslot *sl = &a->slot[h];
        free(sl->kc); free(sl->lc); free(sl->vc); free(sl->kres); free(sl->lres); free(sl->vres);
    }
    free(a->slot);
    free(a->tk_vals); free(a->tmp_u32); free(a->tmp_u32b); free(a->tok_alive); free(a->head_alive);
    free(a->cur_tok_alive); free(a->cur_head_alive); free(a->pv_p); free(a->pv_pos);
    fifo *fs[] = { a->f_qk_new, a->f_qk_lsb, a->f_sm_in, a->f_sm_out, a->f_sm_lsb, a->f_pv_in,
                   a->f_pv_out, a->f_wb, a->f_free };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) fifo_destroy(fs[i]);
    qk_destroy(a->qk);
    sm_destroy(a->sm);
    pv_destroy(a->pv);
    imp_destroy(a->im);
    for (uint32_t e = 0; a->lv && e < a->n_lv; e++) {
        topk_destroy(a->lv[e].tk);
        free(a->lv[e].vals);
    }
    free(a->lv);
    fetch_destroy(a->fe);
    dram_destroy(a->dr);
    if (!a->data && a->pp)
        for (uint32_t i = 0; i < a->n_pp; i++) {
            free(a->pp[i].c_heads); free(a->pp[i].c_keys); free(a->pp[i].c_vals);
            free(a->pp[i].c_qpos); free(a->pp[i].c_requant);
        }
    free(a->pp);
    free(a->kimg); free(a->kmsb); free(a->vimg); free(a->tok_imp); free(a->head_imp);
    free(a->res.pass);
    free(a->hspan);
    stats_destroy(a->own_st);
    free(a);
}
