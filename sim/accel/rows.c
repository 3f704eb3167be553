/* rows.c - row pool, K/V buffer slots, admission, LSB re-entry, writeback (rows.h). */
#include "accel/rows.h"
#include "dram/dram.h"

#include <stdlib.h>
#include <string.h>

/* One K/V buffer slot: the rows of one resident head (arrival cells and valid flags of its K
 * full-precision / MSB, K LSB and V rows, indexed by pass key id). */
typedef struct kvslot {
    cycle_t *kc, *lc, *vc;             /* [max_tok] */
    uint8_t *kres, *lres, *vres;       /* [max_tok] */
    uint32_t owner;                    /* head slot holding it (UINT32_MAX: free) */
    uint32_t rows;                     /* its rows admitted and not yet retired */
} kvslot;

struct rows {
    acc_geom  geo;
    const char *input;               /* the trace's or CSV's source, for messages */
    uint32_t  heads, max_pos;
    bool      progressive;
    uint64_t  kv_buffer_bytes;
    rows_fifos f;
    fetch    *fe;
    golden   *g;
    acc_ctr  *ctr;
    acc_tl   *tl;
    /* rows */
    arow     *pool;
    uint32_t  pool_n;
    cycle_t  *qcell;                 /* [pool_n] arrival cell of each row's Q */
    uint32_t *row_qpos;              /* [pool_n] Q position of the row (addresses) */
    /* K/V buffers: n_slots regions, one per resident head, taken and recycled in head order
     * (the release's BufferManager); per slot, arrival cells and valid flags by pass key id */
    uint32_t  n_slots;
    kvslot   *slot;                  /* [n_slots] */
    uint64_t  head_kb, head_vb;      /* K / V buffer bytes one head of the pass takes */
    uint64_t  k_used, v_used;        /* bytes held by resident heads */
    uint32_t  free_hs;               /* oldest head whose slot is not yet recycled */
    bool      tiled;
    /* the pass */
    const acc_pass *p;
    uint32_t  next_hs, next_qi, rows_total, rows_retired, append_i;
    int       lsb_stall, wb_stall;
    cycle_t (*hspan)[8];             /* per head slot: [min,max] of admit..retire, qk, sm, pv */
};

int rows_geometry(const hw_cfg *hw, const acc_shape *sh, acc_geom *g, sim_err *err)
{
    uint32_t rb = dram_cfg_request_bytes(hw->dram);
    uint32_t d = sh->d;
    memset(g, 0, sizeof *g);
    g->bytes[ACC_TR_Q] = (d * sh->q_bits + 7) / 8;
    g->bytes[ACC_TR_K_MSB] = (d * (sh->progressive ? sh->msb_bits : sh->k_bits) + 7) / 8;
    g->bytes[ACC_TR_K_LSB] = sh->progressive ? (d * sh->lsb_bits + 7) / 8 : 0;
    g->bytes[ACC_TR_V] = (d * sh->v_bits + 7) / 8;
    g->bytes[ACC_TR_OUT] = (d * hw->out_bits + 7) / 8;
    g->bytes[ACC_TR_KV_APPEND] = 0;
    g->kfull_bytes = (d * sh->bits + 7) / 8;
    g->msb_bits = sh->progressive ? sh->msb_bits : sh->bits;
    uint64_t addr = 0;
    for (int k = 0; k < ACC_TR_N; k++) {
        /* packed: rows back to back; aligned: each row padded to whole requests. A kind that
         * moves no rows (no LSB plane; appends reuse the K/V regions) keeps a one-request
         * stride, so its (unused) region places the others as in the aligned layout. */
        uint32_t b = g->bytes[k];
        g->stride[k] = b && hw->row_layout == HW_ROWS_PACKED ? b
                                                              : (uint32_t)(sim_ceil_div(b ? b : 1, rb) * rb);
        g->region[k] = addr;
        addr += (uint64_t)sh->layers * sh->heads * sh->max_pos * g->stride[k];
        addr = sim_ceil_div(addr, 4096) * 4096;
    }
    if (addr > hw->dram->capacity_bytes)
        return sim_errf(err, SIM_EINVAL, "%s: the workload's Q/K/V/output regions need %" PRIu64
                        " bytes; the DRAM holds %" PRIu64 " (hardware %s)", sh->input, addr,
                        hw->dram->capacity_bytes, hw->path);
    return SIM_OK;
}

rows *rows_create(const hw_cfg *hw, const acc_shape *sh, const acc_geom *geo, uint32_t pool_n,
                  const rows_fifos *f, fetch *fe, golden *g, acc_ctr *ctr)
{
    rows *r = sim_xcalloc(1, sizeof *r);
    r->geo = *geo;
    r->input = sh->input;
    r->heads = sh->heads;
    r->max_pos = sh->max_pos;
    r->progressive = sh->progressive;
    r->kv_buffer_bytes = hw->kv_buffer_bytes;
    r->f = *f;
    r->fe = fe;
    r->g = g;
    r->ctr = ctr;
    r->pool_n = pool_n;
    r->pool = sim_xcalloc(pool_n, sizeof *r->pool);
    r->qcell = sim_xcalloc(pool_n, sizeof *r->qcell);
    r->row_qpos = sim_xcalloc(pool_n, sizeof *r->row_qpos);
    size_t mt = (size_t)sh->max_tok + 1;
    for (uint32_t i = 0; i < pool_n; i++) {
        arow *w = &r->pool[i];
        w->att = sim_xcalloc(mt, sizeof(uint32_t));
        w->sel = sim_xcalloc(mt, sizeof(uint32_t));
        w->miss = sim_xcalloc(mt, sizeof(uint32_t));
        w->s = sim_xcalloc(mt, sizeof(int32_t));
        w->p = sim_xcalloc(mt, sizeof(uint32_t));
        w->out = sim_xcalloc(sh->d, sizeof(int32_t));
        r->qcell[i] = CYCLE_NEVER;
        fifo_push(r->f.free, &i, 0, 1);
    }
    r->n_slots = hw->kv_slots;
    r->slot = sim_xcalloc(r->n_slots, sizeof *r->slot);
    for (uint32_t h = 0; h < r->n_slots; h++) {
        kvslot *sl = &r->slot[h];
        sl->kc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->lc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->vc = sim_xcalloc(mt, sizeof(cycle_t));
        sl->kres = sim_xcalloc(mt, 1);
        sl->lres = sim_xcalloc(mt, 1);
        sl->vres = sim_xcalloc(mt, 1);
        sl->owner = UINT32_MAX;
    }
    return r;
}

void rows_destroy(rows *r)
{
    if (!r) return;
    for (uint32_t i = 0; i < r->pool_n; i++) {
        arow *w = &r->pool[i];
        free(w->att); free(w->sel); free(w->miss); free(w->s); free(w->p); free(w->out);
    }
    free(r->pool);
    free(r->qcell);
    free(r->row_qpos);
    for (uint32_t h = 0; h < r->n_slots; h++) {
        kvslot *sl = &r->slot[h];
        free(sl->kc); free(sl->lc); free(sl->vc); free(sl->kres); free(sl->lres); free(sl->vres);
    }
    free(r->slot);
    free(r->hspan);
    free(r);
}

arow *rows_pool(rows *r) { return r->pool; }

void rows_set_timeline(rows *r, acc_tl *tl)
{
    r->tl = tl && tl->tl ? tl : NULL;
    free(r->hspan);
    r->hspan = r->tl ? sim_xcalloc(r->heads + 1, sizeof *r->hspan) : NULL;
}

/* ------------------------------------------------------------------------------------------ */

static uint64_t base_addr(const rows *r, int kind, uint32_t layer, uint32_t head)
{
    return r->geo.region[kind] +
           ((uint64_t)layer * r->heads + head) * (uint64_t)r->max_pos * r->geo.stride[kind];
}

/* Queue a fetch job on `stream` for rows of `kind` (region, stride, row bytes) of head slot hs
 * of the current pass: n rows, ids[] (or first .. first + n - 1), id -> position by pos[],
 * arrival cells for reads. */
static void push_rows(rows *r, int stream, int kind, uint32_t hs, uint32_t n,
                      const uint32_t *ids, uint32_t first, const uint32_t *pos, cycle_t *cells,
                      cycle_t now)
{
    const acc_pass *p = r->p;
    fetch_job j = { n, ids, first, pos, cells, base_addr(r, kind, p->layer, p->head_idx[hs]),
                    r->geo.stride[kind], r->geo.bytes[kind] };
    fetch_push(r->fe, stream, &j, now);
}

/* keys of w not valid (nor requested) in its slot; marks them requested */
static uint32_t missing(rows *r, arow *w, const uint32_t *ids, uint32_t n, uint8_t *res)
{
    uint32_t m = 0;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t j = ids[t];
        if (r->tiled || !res[j]) {
            res[j] = 1;
            w->miss[m++] = j;
        }
    }
    return m;
}

/* Recycles, in head order, the slots of heads whose rows have all been admitted and retired. */
static void slots_recycle(rows *r)
{
    while (r->free_hs < r->next_hs) {
        uint32_t s = r->free_hs % r->n_slots;
        if (r->slot[s].owner != r->free_hs || r->slot[s].rows != 0) break;
        r->slot[s].owner = UINT32_MAX;
        r->k_used -= r->head_kb;
        r->v_used -= r->head_vb;
        r->free_hs++;
    }
}

/* Head hs may take its slot: the slot is free and both buffers have room for the head. */
static bool slot_can_take(rows *r, uint32_t hs)
{
    slots_recycle(r);
    const uint64_t cap = r->kv_buffer_bytes;
    return r->slot[hs % r->n_slots].owner == UINT32_MAX && r->k_used + r->head_kb <= cap &&
           r->v_used + r->head_vb <= cap;
}

static void slot_take(rows *r, uint32_t hs)
{
    uint32_t s = hs % r->n_slots;
    r->slot[s].owner = hs;
    r->slot[s].rows = 0;
    r->k_used += r->head_kb;
    r->v_used += r->head_vb;
    memset(r->slot[s].kres, 0, r->p->n_tok);
    memset(r->slot[s].lres, 0, r->p->n_tok);
    memset(r->slot[s].vres, 0, r->p->n_tok);
}

void rows_pass_begin(rows *r, const acc_pass *p)
{
    r->p = p;
    r->next_hs = r->next_qi = 0;
    r->rows_retired = 0;
    r->rows_total = p->n_head * p->n_q;
    r->append_i = 0;
    for (uint32_t s = 0; s < r->n_slots; s++) {
        r->slot[s].owner = UINT32_MAX;
        r->slot[s].rows = 0;
    }
    r->k_used = r->v_used = 0;
    r->free_hs = 0;
    if (r->hspan)
        for (uint32_t h = 0; h < p->n_head; h++)
            for (int k = 0; k < 8; k++) r->hspan[h][k] = CYCLE_NEVER;
    /* A head's K (full precision: MSB and LSB planes land in the same rows) and V rows. A head
     * larger than half a buffer is tiled (every row fetches its keys and values again) and
     * takes half the buffer, so the next head can still be fetched while it runs. */
    const uint64_t half = r->kv_buffer_bytes / 2;
    uint64_t kb = (uint64_t)p->n_tok * r->geo.kfull_bytes, vb = (uint64_t)p->n_tok * r->geo.bytes[ACC_TR_V];
    r->tiled = kb > half || vb > half;
    r->head_kb = kb < half ? kb : half;
    r->head_vb = vb < half ? vb : half;
}

bool    rows_admitting(const rows *r)   { return r->next_hs < r->p->n_head; }
bool    rows_retired_all(const rows *r) { return r->rows_retired == r->rows_total; }
cycle_t rows_free_ready(const rows *r)  { return fifo_head_ready(r->f.free); }

bool rows_admit(rows *r, cycle_t now)
{
    const acc_pass *p = r->p;
    uint32_t hs = r->next_hs, h = hs % r->n_slots;
    /* head hs needs its slot (free, and room in both buffers) or already holds it */
    if (r->slot[h].owner != hs && !slot_can_take(r, hs)) return false;
    if (!fifo_peek(r->f.free, now)) return false;
    if (!fifo_can_push(r->f.qk_new, now) || !fetch_can_push(r->fe, ACC_TR_Q, now) ||
        !fetch_can_push(r->fe, ACC_TR_K_MSB, now))
        return false;
    if (r->slot[h].owner != hs) slot_take(r, hs);
    uint32_t id = *(const uint32_t *)fifo_peek(r->f.free, now);
    fifo_pop(r->f.free, now);
    arow *w = &r->pool[id];
    w->hs = hs;
    w->qi = r->next_qi;
    w->slot = h;
    w->lsb_pass = 0;
    w->need_lsb = 0;
    w->n_sel = 0;
    w->t_admit = now;
    r->g->ops->row_keys(r->g, p, w);
    if (w->n_att == 0) {       /* the trace reader and the CSV reader rule this out */
        acc_failf(r->g->fail, SIM_ETRACE, "%s: step %u layer %u head %u row %u attends no key",
                  r->input, p->step, p->layer, p->head_idx[w->hs], w->qi);
        return true;
    }
    w->k_cells = r->slot[h].kc;
    w->v_cells = r->slot[h].vc;
    w->q_cell = &r->qcell[id];
    /* Q row */
    r->row_qpos[id] = r->g->ops->row_qpos(r->g, p, w);
    push_rows(r, ACC_TR_Q, ACC_TR_Q, hs, 1, NULL, id, r->row_qpos, r->qcell, now);
    /* K rows (MSB plane, or full K) not yet in the buffer */
    uint32_t m = missing(r, w, w->att, w->n_att, r->slot[h].kres);
    push_rows(r, ACC_TR_K_MSB, ACC_TR_K_MSB, hs, m, w->miss, 0, p->tok_pos, r->slot[h].kc, now);
    r->ctr->krows += m;
    fifo_push(r->f.qk_new, &id, now, now + 1);
    r->slot[h].rows++;
    if (++r->next_qi == p->n_q) { r->next_qi = 0; r->next_hs++; }
    return true;
}

/* LSB re-fetch path: softmax said the row's max probability is below the threshold */
unsigned rows_lsb_tick(rows *r, cycle_t now)
{
    r->lsb_stall = 0;
    const uint32_t *idp = fifo_peek(r->f.sm_lsb, now);
    if (!idp) return 0;
    if (!fifo_can_push(r->f.qk_lsb, now) || !fetch_can_push(r->fe, ACC_TR_K_LSB, now)) {
        r->lsb_stall = 1;
        return 0;
    }
    uint32_t id = *idp;
    fifo_pop(r->f.sm_lsb, now);
    arow *w = &r->pool[id];
    w->lsb_pass = 1;
    w->need_lsb = 0;
    w->k_cells = r->slot[w->slot].lc;
    uint32_t m = missing(r, w, w->att, w->n_att, r->slot[w->slot].lres);
    push_rows(r, ACC_TR_K_LSB, ACC_TR_K_LSB, w->hs, m, w->miss, 0, r->p->tok_pos,
              r->slot[w->slot].lc, now);
    fifo_push(r->f.qk_lsb, &id, now, now + 1);
    r->ctr->lsb_rows++;
    return ACT_EVENT;
}

/* writeback: write the output row to DRAM, retire the row */
unsigned rows_wb_tick(rows *r, cycle_t now)
{
    r->wb_stall = 0;
    const uint32_t *idp = fifo_peek(r->f.wb, now);
    if (!idp) return 0;
    if (!fetch_can_push(r->fe, ACC_TR_OUT, now) || !fifo_can_push(r->f.free, now)) {
        r->wb_stall = 1;
        r->ctr->wb_stall++;
        return 0;
    }
    uint32_t id = *idp;
    fifo_pop(r->f.wb, now);
    arow *w = &r->pool[id];
    push_rows(r, ACC_TR_OUT, ACC_TR_OUT, w->hs, 1, NULL, id, r->row_qpos, NULL, now);
    if (r->g->ops->row_done) r->g->ops->row_done(r->g, r->p, w);
    if (r->hspan) {
        cycle_t *sp = r->hspan[w->hs];
        const cycle_t st[4] = { w->t_admit, w->t_qk0, w->t_sm0, w->t_pv0 };
        const cycle_t en[4] = { now, w->t_sm0, w->t_pv0, now };
        for (int k = 0; k < 4; k++) {
            if (st[k] < sp[2 * k]) sp[2 * k] = st[k];
            if (sp[2 * k + 1] == CYCLE_NEVER || en[k] > sp[2 * k + 1]) sp[2 * k + 1] = en[k];
        }
    }
    r->slot[w->slot].rows--;
    r->rows_retired++;
    r->ctr->rows++;
    fifo_push(r->f.free, &id, now, now + 1);
    return ACT_EVENT;
}

cycle_t rows_next_event(const rows *r, cycle_t now)
{
    if (r->lsb_stall || r->wb_stall) return now + 1;
    return sim_min_u64(sim_event_after(fifo_head_ready(r->f.sm_lsb), now),
                       sim_event_after(fifo_head_ready(r->f.wb), now));
}

bool rows_can_fetch_v(const rows *r, cycle_t now) { return fetch_can_push(r->fe, ACC_TR_V, now); }

void rows_fetch_v(rows *r, uint32_t id, cycle_t now)
{
    arow *w = &r->pool[id];
    uint32_t m = missing(r, w, w->sel, w->n_sel, r->slot[w->slot].vres);
    push_rows(r, ACC_TR_V, ACC_TR_V, w->hs, m, w->miss, 0, r->p->tok_pos, r->slot[w->slot].vc, now);
}

/* kv append: generation writes the new token's K (planes) and V rows to the caches, one job
 * per cycle */
bool rows_append_tick(rows *r, cycle_t now)
{
    const acc_pass *p = r->p;
    if (p->step == 0 || p->n_new == 0) return true;
    uint32_t nplanes = r->progressive ? 3 : 2;
    if (r->append_i < p->n_head * nplanes) {
        if (!fetch_can_push(r->fe, ACC_TR_KV_APPEND, now)) return false;
        uint32_t h = r->append_i / nplanes, pl = r->append_i % nplanes;
        int kind = pl == 0 ? ACC_TR_K_MSB : (pl == 1 && r->progressive) ? ACC_TR_K_LSB : ACC_TR_V;
        push_rows(r, ACC_TR_KV_APPEND, kind, h, p->n_new, p->new_pos, 0, NULL, NULL, now);
        r->append_i++;
        return false;
    }
    return true;
}

void rows_pass_timeline(rows *r, const acc_pass *p)
{
    if (!r->hspan) return;
    char nm[48];
    const int tracks[4] = { r->tl->head, r->tl->qk, r->tl->sm, r->tl->pv };
    for (uint32_t h = 0; h < p->n_head; h++) {
        snprintf(nm, sizeof nm, "L%u H%u", p->layer, p->head_idx[h]);
        for (int k = 0; k < 4; k++)
            if (r->hspan[h][2 * k] != CYCLE_NEVER && r->hspan[h][2 * k + 1] >= r->hspan[h][2 * k])
                tl_slice(r->tl->tl, tracks[k], nm, r->hspan[h][2 * k], r->hspan[h][2 * k + 1] + 1);
    }
}
