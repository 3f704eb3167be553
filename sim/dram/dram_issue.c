/* dram_issue.c - command issue: every timing rule a command applies when it issues (docs/dram.md,
 * "Timing rules"), its counters, and the scheduling-cache updates it makes (dram.c, "Scheduling
 * caches"); called by the scheduler (dram.c) once per command. Also the scan orders of the
 * round-robin bank arbitration (pass 4). */
#include "dram/dram.h"
#include "dram/dram_int.h"

/* ---- background-state accounting (energy) ---- */
static void rank_open(dram *d, drank *r, uint64_t t)
{
    (void)d;
    if (r->open_banks++ == 0) { r->pre_cycles += t - r->bg_mark; r->bg_mark = t; }
}
static void rank_close(dram *d, drank *r, uint64_t t)
{
    (void)d;
    SIM_ASSERT(r->open_banks > 0);
    if (--r->open_banks == 0) { r->active_cycles += t - r->bg_mark; r->bg_mark = t; }
}

/* ---- command issue: apply every timing rule (docs/dram.md, "Timing rules") ---- */
/* Bank b's open row becomes row (ROW_NONE: precharged); its queued hits are recounted by the
 * caller (an ACT counts the requests to the new row; after a PRE there are none). */
static inline void set_row(dchan *c, dbank *k, uint32_t b, uint32_t row)
{
    k->open_row = row;
    c->orow[b] = row;
    c->hitsum[0] -= k->hits[0];
    c->hitsum[1] -= k->hits[1];
    k->hits[0] = k->hits[1] = 0;
}

void dram_issue_act(dram *d, dchan *c, uint32_t b, uint32_t row, uint64_t t)
{
    const dram_timing *tm = &d->cfg.t;
    dbank *k = &c->banks[b];
    drank *r = &c->ranks[k->rank];
    set_row(c, k, b, row);
    uint32_t B = d->cfg.ctrl.bank_queue, h[2] = { 0, 0 };
    if (B) {                            /* the bank's own queue: at most B rows per direction */
        for (int w = 0; w < 2; w++) {
            const uint32_t *rows = c->bqrow[w] + (size_t)b * B;
            for (uint32_t j = 0; j < k->bq[w]; j++) h[w] += rows[j] == row;
        }
    } else {
        for (uint32_t i = 0; i < c->nr; i++) h[0] += c->rq[i].bank == b && c->rq[i].row == row;
        for (uint32_t i = 0; i < c->nw; i++) h[1] += c->wq[i].bank == b && c->wq[i].row == row;
    }
    k->hits[0] = (uint16_t)h[0];        /* <= bq[0], bq[1]: 16 bits */
    k->hits[1] = (uint16_t)h[1];
    k->streak = 0;
    c->hitsum[0] += k->hits[0];
    c->hitsum[1] += k->hits[1];
    bump(&k->next_rd, t + tm->tRCDRD);
    bump(&k->next_wr, t + tm->tRCDWR);
    bump(&k->next_pre, t + tm->tRAS);
    bump(&k->next_act, t + d->t_rc);
    bump(&c->groups[k->bg].next_act, t + tm->tRRD_L);
    bump(&r->next_act, t + tm->tRRD_S);
    r->faw[r->faw_i] = t;               /* ring holds the last four ACT cycles */
    r->faw_i = (r->faw_i + 1) & 3;
    r->acts++;
    rank_open(d, r, t);
    d->c.n_act++;
    cache_lower(&c->p3, minu(k->next_rd, k->next_wr));  /* its queued requests to row: new hits */
    cache_lower(&c->p4, k->next_pre);                   /* to other rows: conflicts, PRE from here */
}

void dram_issue_pre(dram *d, dchan *c, uint32_t b, uint64_t t)
{
    dbank *k = &c->banks[b];
    drank *r = &c->ranks[k->rank];
    set_row(c, k, b, ROW_NONE);
    bump(&k->next_act, t + d->cfg.t.tRP);
    cache_lower(&c->p4, k->next_act);                   /* its queued requests: ACT from here */
    bump(&r->next_ref, t + d->cfg.t.tRP);
    rank_close(d, r, t);
    d->c.n_pre++;
}

void dram_record_kind(dram *d, dreq *q, int kind)
{
    if (q->touched) return;
    q->touched = 1;
    if (kind == 0) d->c.row_hits++;
    else if (kind == 1) d->c.row_misses++;
    else d->c.row_conflicts++;
}

DRAM_INLINE void issue_col(dram *d, dchan *c, dreq *q, uint64_t t, bool fast)
{
    const dram_cfg *cfg = &d->cfg;
    /* fast (dram.fast_ctrl): bank queues, no row-hit cap, one rank, open page */
    const uint32_t B = cfg->ctrl.bank_queue;
    const uint32_t cap = fast ? 0 : cfg->ctrl.row_hit_cap;
    dbank *k = &c->banks[q->bank];
    uint32_t rk = k->rank, g = k->bg;
    bool wr = q->is_write;
    dram_record_kind(d, q, 0);
    SIM_ASSERT(k->hits[wr] > 0 && k->bq[wr] > 0);
    k->hits[wr]--;                      /* it leaves the queue */
    c->hitsum[wr]--;
    if (fast || B) {                    /* drop one copy of its row from the bank's list */
        uint32_t *rows = c->bqrow[wr] + (size_t)q->bank * B, j = 0;
        while (j < k->bq[wr] && rows[j] != q->row) j++;
        SIM_ASSERT(j < k->bq[wr]);
        rows[j] = rows[k->bq[wr] - 1];
    }
    if (--k->bq[wr] == 0) c->nbusy[wr]--;
    c->nbq[wr]--;
    k->streak++;
    if (k->hits[wr] == 0) cache_lower(&c->p4, k->next_pre);   /* conflicts it blocked: PRE */
    else if (cap && k->streak >= cap) cache_lower(&c->p4, k->next_pre);
    if (fast || cfg->org.ranks == 1) {  /* the common case, without the loop below */
        drank *x = &c->ranks[0];
        bump(&x->next_rd, t + (wr ? d->wr_rd_s : d->rd_rd_s));
        bump(&x->next_wr, t + (wr ? d->wr_wr_s : d->rd_wr));
        c->col_lb[0] = x->next_rd;
        c->col_lb[1] = x->next_wr;
    } else {
        uint64_t lbr = CYCLE_NEVER, lbw = CYCLE_NEVER;
        for (uint32_t r = 0; r < cfg->org.ranks; r++) {
            drank *x = &c->ranks[r];
            if (r == rk) {
                bump(&x->next_rd, t + (wr ? d->wr_rd_s : d->rd_rd_s));
                bump(&x->next_wr, t + (wr ? d->wr_wr_s : d->rd_wr));
            } else {
                bump(&x->next_rd, t + (wr ? d->wr_rd_o : d->rd_rd_o));
                bump(&x->next_wr, t + (wr ? d->wr_wr_o : d->rd_wr_o));
            }
            lbr = minu(lbr, x->next_rd);
            lbw = minu(lbw, x->next_wr);
        }
        c->col_lb[0] = lbr;           /* only column commands move the ranks' column bounds */
        c->col_lb[1] = lbw;
    }
    bump(&c->groups[g].next_rd, t + (wr ? d->wr_rd_l : d->rd_rd_l));
    bump(&c->groups[g].next_wr, t + (wr ? d->wr_wr_l : d->rd_wr));
    uint64_t pre_at = t + (wr ? d->wr_pre : d->rd_pre);
    bump(&k->next_pre, pre_at);
    c->st.data_cycles += d->bl2;
    if (wr) {
        d->c.n_wr++; d->c.writes++; c->st.writes++;
        d->c.bytes_written += cfg->request_bytes;
        done_push(d, &d->wr_done, q->tag, t + cfg->t.CWL + d->bl2);
    } else {
        uint64_t done = t + cfg->t.CL + d->bl2, lat = done - q->arrive;
        d->c.n_rd++; d->c.reads++; c->st.reads++;
        d->c.bytes_read += cfg->request_bytes;
        read_latency(d, lat);
        done_push(d, &d->rd_done, q->tag, done);
    }
    if (!fast && cfg->ctrl.page_policy == DRAM_CLOSED_PAGE) {
        /* auto-precharge unless another queued request hits this row */
        if (k->hits[0] + k->hits[1] == 0) {
            uint64_t p = maxu(k->next_pre, pre_at);   /* respects tRAS as well */
            k->open_row = ROW_NONE;
            c->orow[q->bank] = ROW_NONE;
            bump(&k->next_act, p + cfg->t.tRP);
            cache_lower(&c->p4, k->next_act);           /* its other requests: ACT from here */
            bump(&c->ranks[rk].next_ref, p + cfg->t.tRP);
            rank_close(d, &c->ranks[rk], t);
            d->c.n_pre++;
        }
    }
}

void dram_issue_col(dram *d, dchan *c, dreq *q, uint64_t t) { issue_col(d, c, q, t, false); }
void dram_issue_col_fast(dram *d, dchan *c, dreq *q, uint64_t t) { issue_col(d, c, q, t, true); }

/* ---- round-robin bank arbitration (bank_arbitration round_robin): pass 4's scan order ---- */
/* Round-robin row-command arbitration: the scan order of q[start, nvis) sorted (stably, so each
 * bank's requests stay oldest first) by bank, in rotation from bank c->rr; into c->rr_ord. */
void dram_rr_order(const dram *d, dchan *c, const dreq *q, uint32_t start, uint32_t nvis)
{
    const uint32_t nb = d->nbanks, m = nb - 1;    /* a power of two (checked with the config) */
    uint32_t *cnt = c->rr_cnt;
    memset(cnt, 0, (nb + 1) * sizeof *cnt);
    for (uint32_t i = start; i < nvis; i++) cnt[((q[i].bank - c->rr) & m) + 1]++;
    for (uint32_t b = 0; b < nb; b++) cnt[b + 1] += cnt[b];
    for (uint32_t i = start; i < nvis; i++) c->rr_ord[cnt[(q[i].bank - c->rr) & m]++] = i;
}

/* Round robin over both queues: the merged order of rq[s[0], nr) and wq[s[1], nw) sorted
 * stably by bank in rotation from c->rr, into c->rr_ord (entry i of wq as nr + i). */
void dram_rr_order_both(const dram *d, dchan *c, const uint32_t *s)
{
    const uint32_t nb = d->nbanks, m = nb - 1;
    uint32_t *cnt = c->rr_cnt, i[2] = { s[0], s[1] };
    memset(cnt, 0, (nb + 1) * sizeof *cnt);
    for (uint32_t j = s[0]; j < c->nr; j++) cnt[((c->rq[j].bank - c->rr) & m) + 1]++;
    for (uint32_t j = s[1]; j < c->nw; j++) cnt[((c->wq[j].bank - c->rr) & m) + 1]++;
    for (uint32_t b = 0; b < nb; b++) cnt[b + 1] += cnt[b];
    for (int w; (w = both_next(c, i)) >= 0; i[w]++) {
        const dreq *x = w ? &c->wq[i[w]] : &c->rq[i[w]];
        c->rr_ord[cnt[(x->bank - c->rr) & m]++] = w ? c->nr + i[w] : i[w];
    }
}
