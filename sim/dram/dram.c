/* dram.c - command-level DRAM timing model: controllers, banks, scheduling (dram.h;
 * every rule is listed in docs/dram.md, "Timing rules"). */
#include "dram/dram.h"
#include "dram/dram_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- config-level API ---- */
const dram_cfg *dram_get_cfg(const dram *d) { return &d->cfg; }
uint64_t dram_cycle(const dram *d) { return d->now; }
void dram_set_exhaustive(dram *d, bool on) { d->exhaustive = on; }
uint32_t dram_channel_of(const dram *d, uint64_t addr) { return (uint32_t)field(&d->cfg, addr, DRAM_F_CH); }

/* ---- front end ---- */
/* Room in the transaction queue: without bank queues it holds every queued request; with
 * them, only those not yet moved into their bank's queue. */
static inline bool tq_room(const dram *d, const dchan *c, bool w)
{
    uint32_t n = d->cfg.ctrl.bank_queue ? c->ntq[w] : (w ? c->nw : c->nr);
    return n < d->tq_cap[w];
}

bool dram_can_accept(const dram *d, uint64_t addr, bool is_write)
{
    if (addr >= d->cfg.capacity_bytes) return false;
    return tq_room(d, &d->ch[dctrl_of(d, addr)], is_write);
}

void dram_set_recorder(dram *d, FILE *f) { d->rec = f; }

/* q has entered its bank's command queue (depth B; 0 = none: every request is in it from
 * dram_send on): count it, and its row hit. */
static inline void bq_enter(dchan *c, dreq *q, uint32_t B)
{
    dbank *k = &c->banks[q->bank];
    bool w = q->is_write;
    if (B) c->bqrow[w][(size_t)q->bank * B + k->bq[w]] = q->row;
    if (k->bq[w]++ == 0) c->nbusy[w]++;
    c->nbq[w]++;
    if (c->orow[q->bank] == q->row) { k->hits[w]++; c->hitsum[w]++; }
}

/* A new last entry of rq (w = 0) or wq (w = 1): the arrays are windows into buffers of twice
 * their capacity, slid back to the start when they reach the end. */
static inline dreq *q_append(dram *d, dchan *c, bool w)
{
    dreq **q = w ? &c->wq : &c->rq, *buf = w ? c->wbuf : c->rbuf;
    uint32_t *n = w ? &c->nw : &c->nr;
    if (*q + *n == buf + 2 * (size_t)d->qcap[w]) {
        memmove(buf, *q, *n * sizeof **q);
        *q = buf;
    }
    return &(*q)[(*n)++];
}

/* Remove entry i of the window *base (n entries), moving the fewer entries (head-side ones up,
 * or tail-side ones down); the head, the common case, costs no copy. */
static inline void win_remove(dreq **base, uint32_t *n, uint32_t i)
{
    if (i == 0) {
        (*base)++;
    } else if (i < *n - 1 - i) {
        memmove(*base + 1, *base, i * sizeof **base);
        (*base)++;
    } else {
        memmove(*base + i, *base + i + 1, (*n - i - 1) * sizeof **base);
    }
    (*n)--;
}

/* Transaction-queue slot s of direction w enters its bank queue at cycle t: it is copied to
 * the end of rq/wq and its slot is freed. */
DRAM_INLINE void tq_to_bank(dram *d, dchan *c, bool w, uint32_t s, uint64_t t)
{
    dreq *x = &c->tslot[w][s];
    dreq *q = q_append(d, c, w);
    *q = *x;
    q->visible = t;                   /* schedulable from now: keeps rq/wq ordered by visible */
    x->addr = TQ_FREE;
    c->tnext[w][s] = (uint16_t)c->tfree[w];          /* first on the free list */
    c->tfree[w] = s;
    c->ntq[w]--;
    bq_enter(c, q, d->cfg.ctrl.bank_queue);
}

/* Slot s (bank b, direction w) becomes visible but its bank queue has no room, or an older
 * request of the bank waits already: it joins the end of the bank's waiting list. */
static inline void tq_wait(dchan *c, bool w, uint32_t b, uint32_t s)
{
    dbank *k = &c->banks[b];
    if (k->pend[w] == 0) k->whead[w] = (uint16_t)s;
    else c->tnext[w][k->wtail[w]] = (uint16_t)s;
    k->wtail[w] = (uint16_t)s;
    k->pend[w]++;
    c->chk[w]++;
}

/* The oldest request waiting for room in bank b's queue of direction w enters it at cycle t. */
DRAM_INLINE void tq_admit_head(dram *d, dchan *c, bool w, uint32_t b, uint64_t t)
{
    dbank *k = &c->banks[b];
    SIM_ASSERT(k->pend[w] > 0);
    uint32_t s = k->whead[w];
    k->whead[w] = c->tnext[w][s];     /* (meaningless once the list is empty) */
    k->pend[w]--;
    c->chk[w]--;
    tq_to_bank(d, c, w, s, t);
}

/* dram_send's work once its checks have passed: c is addr's controller, with room. */
static inline void enqueue(dram *d, dchan *c, uint64_t addr, bool is_write, uint64_t tag)
{
    const dram_cfg *cfg = &d->cfg;
    if (d->rec)
        fprintf(d->rec, "%" PRIu64 " 0x%" PRIx64 " %c\n", d->now, addr, is_write ? 'W' : 'R');
    if (!is_write && cfg->ctrl.write_forwarding) {
        /* read-after-write forwarding: the data is in the write queue */
        bool hit = false;
        for (uint32_t i = 0; i < c->nw && !hit; i++) hit = c->wq[i].addr == addr;
        if (c->ntq[1])                /* every slot: a free one has an address no request has */
            for (uint32_t i = 0; i < d->tq_cap[1] && !hit; i++) hit = c->tslot[1][i].addr == addr;
        if (hit) {
            uint64_t done = d->now + cfg->ctrl.frontend_latency;
            d->c.reads++;
            d->c.reads_forwarded++;
            read_latency(d, cfg->ctrl.frontend_latency);
            done_push(d, &d->fw_done, tag, done);
            return;
        }
    }
    dreq *q;
    if (cfg->ctrl.bank_queue) {
        /* a free slot, and its index at the end of the arrival ring (ntq - chk entries) */
        bool w = is_write;
        const uint32_t n = d->tq_cap[w];
        uint32_t s = c->tfree[w];
        c->tfree[w] = c->tnext[w][s];
        uint32_t a = c->tarr_head[w] + (c->ntq[w] - c->chk[w]);
        c->tarr[w][a < n ? a : a - n] = (uint16_t)s;
        c->ntq[w]++;
        q = &c->tslot[w][s];
    } else {
        q = q_append(d, c, is_write);
    }
    q->tag = tag;
    q->addr = addr;
    q->arrive = d->now;
    q->visible = d->now + cfg->ctrl.frontend_latency;
    q->row = (uint32_t)dfield(d, addr, DRAM_F_RO);
    q->bank = (uint16_t)((dfield(d, addr, DRAM_F_RA) * cfg->org.bank_groups + dfield(d, addr, DRAM_F_BG))
                         * cfg->org.banks_per_group + dfield(d, addr, DRAM_F_BA));
    q->is_write = is_write;
    q->touched = 0;
    if (!cfg->ctrl.bank_queue) bq_enter(c, q, 0);   /* no bank queues: schedulable when visible */
    uint32_t ci = (uint32_t)(c - d->ch);
    if (q->visible < d->wake[ci]) d->wake[ci] = q->visible;
    if (q->visible < d->min_wake) d->min_wake = q->visible;
}

bool dram_try_send(dram *d, uint64_t addr, bool is_write, uint64_t tag)
{
    if (addr >= d->cfg.capacity_bytes) return false;
    dchan *c = &d->ch[dctrl_of(d, addr)];
    if (!tq_room(d, c, is_write)) return false;
    /* request_bytes is a power of two (dram_cfg_load) */
    SIM_ASSERT((addr & (d->cfg.request_bytes - 1)) == 0);
    enqueue(d, c, addr, is_write, tag);
    return true;
}

void dram_send(dram *d, uint64_t addr, bool is_write, uint64_t tag)
{
    SIM_ASSERT(addr < d->cfg.capacity_bytes);   /* alignment: dram_try_send */
    bool accepted = dram_try_send(d, addr, is_write, tag);
    SIM_ASSERT(accepted);              /* the caller checked dram_can_accept */
}

bool dram_pop_done(dram *d, uint64_t *tag, bool *is_write)
{
    uint64_t r = ring_head_done(&d->rd_done), w = ring_head_done(&d->wr_done);
    uint64_t f = ring_head_done(&d->fw_done);
    done_ring *ring;
    if (f < r && f <= w && f <= d->now) { ring = &d->fw_done; *is_write = false; }
    else if (r <= w && r <= d->now) { ring = &d->rd_done; *is_write = false; }
    else if (w < r && w <= d->now) { ring = &d->wr_done; *is_write = true; }
    else return false;
    *tag = ring->tag[ring->head];
    ring->head = (ring->head + 1) & (ring->cap - 1);
    ring->n--;
    return true;
}

void dram_set_discard_done(dram *d, bool on) { d->discard_done = on; }

bool dram_idle(const dram *d)
{
    if (d->rd_done.n || d->wr_done.n || d->fw_done.n || d->last_done > d->now) return false;
    for (uint32_t i = 0; i < d->nctrl; i++)
        if (d->ch[i].nr || d->ch[i].nw || d->ch[i].ntq[0] || d->ch[i].ntq[1]) return false;
    return true;
}

/* Scheduling caches (dchan p3 / p4): a valid cache holds a lower bound of the cycle at which
 * any queued request could have its column (p3) or row (p4) command issued. A change that can
 * only delay requests keeps the bound; one that makes a request ready sooner lowers it to that
 * request's own lower bound; anything else invalidates it (cache_lower: dram_int.h; the
 * command-issue functions in dram_issue.c apply the rules of each command). */

static uint64_t act_ready(const dchan *c, const dbank *k, uint32_t tfaw)
{
    const drank *r = &c->ranks[k->rank];
    uint64_t v = maxu(k->next_act, maxu(c->groups[k->bg].next_act, r->next_act));
    /* faw[faw_i] is the oldest of the last four ACTs */
    if (r->acts >= 4) v = maxu(v, r->faw[r->faw_i] + tfaw);
    return v;
}

static inline uint64_t col_ready(const dchan *c, const dbank *k, bool wr)
{
    const dgroup *g = &c->groups[k->bg];
    const drank *r = &c->ranks[k->rank];
    return wr ? maxu(k->next_wr, maxu(g->next_wr, r->next_wr))
              : maxu(k->next_rd, maxu(g->next_rd, r->next_rd));
}

/* Pass 4's row commands on behalf of request x (the first of its bank that needs one): its
 * ACT, or the PRE of its bank's open row; round-robin arbitration then starts after its bank. */
static inline void serve_act(dram *d, dchan *c, dreq *x, uint64_t t)
{
    dram_record_kind(d, x, 1);
    dram_issue_act(d, c, x->bank, x->row, t);
    c->rr = (x->bank + 1) & (d->nbanks - 1);
}
static inline void serve_pre(dram *d, dchan *c, dreq *x, uint64_t t)
{
    dram_record_kind(d, x, 2);
    dram_issue_pre(d, c, x->bank, t);
    c->rr = (x->bank + 1) & (d->nbanks - 1);
}

DRAM_INLINE void remove_req(dchan *c, dreq *q)
{
    dreq **base = q->is_write ? &c->wq : &c->rq;
    uint32_t *n = q->is_write ? &c->nw : &c->nr;
    win_remove(base, n, (uint32_t)(q - *base));
}

/* Write-drain hysteresis: the mode for nr visible reads and nw visible writes. */
static bool next_mode(const dram_ctrl_cfg *k, bool write_mode, uint32_t nr, uint32_t nw)
{
    if (write_mode) return !(nw == 0 || (nw <= k->write_low && nr > 0));
    return nw > 0 && (nw >= k->write_high || nr == 0);
}

/* ---- mode_scope "admission" (docs/dram.md section 5): the mode picks the direction that
 * enters the bank queues; the bank-queued requests of both directions are scheduled. ---- */

/* The mode has just become w: its visible requests waiting for their bank queue move in,
 * oldest (arrival) first across the banks, while their bank queue has room. */
static void admit_waiting(dram *d, dchan *c, bool w, uint64_t t)
{
    const uint32_t B = d->cfg.ctrl.bank_queue;
    while (c->chk[w]) {
        uint32_t best = UINT32_MAX;
        uint64_t ba = CYCLE_NEVER;
        for (uint32_t b = 0; b < d->nbanks; b++) {
            const dbank *k = &c->banks[b];
            if (k->pend[w] && k->bq[w] < B && c->tslot[w][k->whead[w]].arrive < ba) {
                best = b;
                ba = c->tslot[w][k->whead[w]].arrive;
            }
        }
        if (best == UINT32_MAX) return;
        tq_admit_head(d, c, w, best, t);
    }
}

/* Passes 3 and 4 with mode_scope "admission" (schedule() has done 0 to 2; wake, refmask and
 * row_busy are its). Column commands: the oldest ready row hit of either direction. Row
 * commands: the oldest request of either direction that needs one; a row stays open while a
 * bank-queued request hits it, of either direction with keep_read_rows, of the mode's with
 * strict (unless the row-hit cap is reached). The caches work as in schedule(), over both
 * queues: the partial scans look at the requests of either queue that entered after p3.t / p4.t. */
static __attribute__((noinline)) uint64_t schedule_both(dram *d, dchan *c, uint64_t t,
                                                       uint64_t wake, uint32_t refmask, bool row_busy)
{
    const dram_cfg *cfg = &d->cfg;
    const uint32_t cap = cfg->ctrl.row_hit_cap;
    const bool single = !cfg->ctrl.dual_cmd_bus, mode = c->write_mode;
    const bool keep = cfg->ctrl.drain_policy == DRAM_DRAIN_KEEP_READ_ROWS;
    bool col_busy = false, p4_issued = false;
    int refill = -1;
    uint32_t st[2];

    /* 3. first ready, over the row hits of both queues */
    uint64_t lb = minu(c->hitsum[0] ? c->col_lb[0] : CYCLE_NEVER,
                       c->hitsum[1] ? c->col_lb[1] : CYCLE_NEVER);
    if (c->hitsum[0] + c->hitsum[1] == 0) { /* no row hit queued */ }
    else if (lb > t) wake = minu(wake, lb);
    else {
        uint64_t w3 = CYCLE_NEVER;
        st[0] = st[1] = 0;
        bool skip3 = false;
        if (cache_usable(&c->p3, d, t, mode, refmask)) {
            st[0] = c->nr;
            st[1] = c->nw;
            while (st[0] > 0 && c->rq[st[0] - 1].visible > c->p3.t) st[0]--;
            while (st[1] > 0 && c->wq[st[1] - 1].visible > c->p3.t) st[1]--;
            w3 = c->p3.wake;
            skip3 = st[0] == c->nr && st[1] == c->nw;
        }
        uint32_t hits_left = st[0] + st[1] == 0 ? c->hitsum[0] + c->hitsum[1] : UINT32_MAX;
        for (int w; !skip3 && hits_left && (w = both_next(c, st)) >= 0;) {
            dreq *x = w ? &c->wq[st[w]++] : &c->rq[st[w]++];
            if (c->orow[x->bank] != x->row) continue;
            hits_left--;
            dbank *k = &c->banks[x->bank];
            if (refmask >> k->rank & 1) continue;
            /* row-hit cap: a request of another row waits in this bank's queues */
            if (cap && k->streak >= cap && k->bq[0] + k->bq[1] > k->hits[0] + k->hits[1]) continue;
            uint64_t rdy = col_ready(c, k, x->is_write);
            if (rdy <= t) {
                uint32_t b = x->bank;
                dram_issue_col(d, c, x, t);
                remove_req(c, x);
                col_busy = true;
                if (w == mode && c->banks[b].pend[w]) refill = (int)(b * 2 + w);
                break;
            }
            w3 = minu(w3, rdy);
        }
        if (!col_busy) cache_fill(&c->p3, w3, t, mode, refmask);
        wake = minu(wake, w3);
    }
    if (refill >= 0) tq_admit_head(d, c, mode, (uint32_t)refill / 2, t);   /* mode's direction */
    if (single && col_busy) return minu(wake, t + 1);
    if (row_busy) return wake;
    if (c->hitsum[0] + c->hitsum[1] == c->nbq[0] + c->nbq[1]) goto done;   /* all hits */

    /* 4. first come, over both queues */
    uint64_t w4 = CYCLE_NEVER;
    st[0] = st[1] = 0;
    if (cache_usable(&c->p4, d, t, mode, refmask)) {
        st[0] = c->nr;
        st[1] = c->nw;
        while (st[0] > 0 && c->rq[st[0] - 1].visible > c->p4.t) st[0]--;
        while (st[1] > 0 && c->wq[st[1] - 1].visible > c->p4.t) st[1]--;
        if (st[0] == c->nr && st[1] == c->nw) { wake = minu(wake, c->p4.wake); goto done; }
        w4 = c->p4.wake;
    }
    uint32_t stamp = ++c->stamp;
    if (stamp == 0) { memset(c->seen, 0, d->nbanks * sizeof *c->seen); stamp = c->stamp = 1; }
    /* banks with a queued request: at most nbusy[0] + nbusy[1] (a bank may count twice) */
    const uint32_t nbusy = c->nbusy[0] + c->nbusy[1], nrr = c->nr - st[0] + c->nw - st[1];
    const bool rr = cfg->ctrl.bank_arbitration == DRAM_ARB_ROUND_ROBIN;
    if (rr) dram_rr_order_both(d, c, st);
    uint32_t nseen = 0;
    for (uint32_t j = 0;; j++) {
        if (p4_issued && w4 <= t + 1) break;
        if (nseen == nbusy) break;
        dreq *x;
        if (rr) {
            if (j == nrr) break;
            uint32_t e = c->rr_ord[j];
            x = e < c->nr ? &c->rq[e] : &c->wq[e - c->nr];
        } else {
            int w = both_next(c, st);
            if (w < 0) break;
            x = w ? &c->wq[st[w]++] : &c->rq[st[w]++];
        }
        if (c->seen[x->bank] == stamp) continue;
        dbank *k = &c->banks[x->bank];
        bool capped = cap && k->streak >= cap;
        uint32_t prot = keep ? k->hits[0] + k->hits[1] : k->hits[mode];   /* hits keeping the row */
        if (c->orow[x->bank] == x->row) {
            /* a hit: if it keeps the row open, no request of this bank needs a row command */
            if (!capped && (keep || x->is_write == mode)) { c->seen[x->bank] = stamp; nseen++; }
            continue;
        }
        if (refmask >> k->rank & 1) continue;
        c->seen[x->bank] = stamp;
        nseen++;
        if (k->open_row == ROW_NONE) {
            uint64_t rdy = act_ready(c, k, cfg->t.tFAW);
            if (!p4_issued && rdy <= t) {
                serve_act(d, c, x, t);
                w4 = minu(w4, k->next_pre);
                wake = minu(wake, minu(k->next_rd, k->next_wr));
                p4_issued = true;
                continue;
            }
            w4 = minu(w4, rdy);
        } else {
            if (prot && !capped) continue;
            if (!p4_issued && k->next_pre <= t) {
                if (prot) d->c.cap_closes++;
                serve_pre(d, c, x, t);
                w4 = minu(w4, k->next_act);
                p4_issued = true;
                continue;
            }
            w4 = minu(w4, k->next_pre);
        }
    }
    if (w4 <= t) w4 = t + 1;
    cache_fill(&c->p4, w4, t, mode, refmask);
    wake = minu(wake, w4);
done:
    if (col_busy || p4_issued) {
        if (next_mode(&cfg->ctrl, mode, c->nr + c->chk[0], c->nw + c->chk[1]) != mode)
            return minu(wake, t + 1);
        for (int w = 0; w < 2; w++)
            if (c->hitsum[w]) wake = minu(wake, maxu(c->col_lb[w], t + 1));
    }
    return wake;
}

/* Pass 1 of schedule() at a cycle t at which a refresh is due in some rank (t >= c->ref_min): a
 * due rank gets no new ACT or column command; its banks are closed, then it gets its REF. Sets
 * the due ranks' bits in *refmask (cleared again for a rank whose REF issues now) and *row_busy
 * when it issues a command; returns wake lowered to the cycles it found. */
DRAM_COLD uint64_t refresh_pass(dram *d, dchan *c, uint64_t t, uint64_t wake, uint32_t *refmask,
                                bool *row_busy)
{
    const dram_cfg *cfg = &d->cfg;
    const dram_timing *tm = &cfg->t;
    for (uint32_t ri = 0; ri < cfg->org.ranks; ri++) {
        drank *r = &c->ranks[ri];
        if (t < r->ref_due) { wake = minu(wake, r->ref_due); continue; }
        *refmask |= 1u << ri;
        if (*row_busy) { wake = minu(wake, t + 1); continue; }
        if (r->open_banks == 0) {
            if (t >= r->next_ref) {
                for (uint32_t b = 0; b < d->nbanks; b++)
                    if (c->banks[b].rank == ri) bump(&c->banks[b].next_act, t + tm->tRFC);
                bump(&r->next_ref, t + tm->tRFC);
                r->ref_due += tm->tREFI;
                c->ref_min = CYCLE_NEVER;
                for (uint32_t x = 0; x < cfg->org.ranks; x++) c->ref_min = minu(c->ref_min, c->ranks[x].ref_due);
                c->p4.valid = false;
                d->c.n_ref++;
                d->c.refresh_cycles += tm->tRFC;
                *row_busy = true;
                *refmask &= ~(1u << ri);
                wake = minu(wake, t + 1);
            } else wake = minu(wake, r->next_ref);
        } else {
            for (uint32_t b = 0; b < d->nbanks; b++) {
                dbank *k = &c->banks[b];
                if (k->rank != ri || k->open_row == ROW_NONE) continue;
                if (t >= k->next_pre) { dram_issue_pre(d, c, b, t); *row_busy = true; wake = minu(wake, t + 1); break; }
                wake = minu(wake, k->next_pre);
            }
        }
    }
    return wake;
}

/* One clock of one controller: at most one row command and one column command (dual bus), or
 * one command in all (single bus). Returns the earliest cycle at which it may issue again. */
DRAM_INLINE uint64_t schedule(dram *d, dchan *c, uint64_t t, bool fast)
{
    const dram_cfg *cfg = &d->cfg;
    const dram_timing *tm = &cfg->t;
    uint64_t wake = CYCLE_NEVER;
    /* fast (dram.fast_ctrl): these settings are constants, so their tests compile away */
    const bool bqon = fast || cfg->ctrl.bank_queue, single = !fast && !cfg->ctrl.dual_cmd_bus;
    bool row_busy = false, col_busy = false, p4_issued = false;
    int refill = -1;                          /* 2 x bank + direction of a bank queue with room */
    uint32_t refmask = 0;                     /* ranks with a refresh pending */
    const uint32_t cap = fast ? 0 : cfg->ctrl.row_hit_cap;
    const bool both = !fast && cfg->ctrl.mode_scope == DRAM_SCOPE_ADMISSION;  /* (only with bank queues) */

    /* 0. bank queues: requests that became visible move, in arrival order, from the
     * transaction queue into their bank's command queue if it has room and no older request
     * of that bank waits; the others join their bank's waiting list (pass 3 moves them in as a
     * column command makes room) */
    if (bqon) {
        for (int w = 0; w < 2; w++) {
            uint32_t na = c->ntq[w] - c->chk[w];   /* on the arrival ring */
            if (na == 0) continue;                 /* nothing new (the common case) */
            const uint32_t n = d->tq_cap[w];
            uint32_t h = c->tarr_head[w];
            while (na && c->tslot[w][c->tarr[w][h]].visible <= t) {
                uint32_t s = c->tarr[w][h], b = c->tslot[w][s].bank;
                h = h + 1 == n ? 0 : h + 1;
                na--;
                dbank *k = &c->banks[b];
                if (k->pend[w] == 0 && k->bq[w] < cfg->ctrl.bank_queue
                    && (!both || w == c->write_mode))  /* admission: the mode's direction only */
                    tq_to_bank(d, c, w, s, t);
                else tq_wait(c, w, b, s);
            }
            c->tarr_head[w] = h;
        }
    }

    /* 1. refresh: a due rank gets no new ACT or column command; close its banks, then REF */
    if (DRAM_LIKELY(t < c->ref_min)) wake = minu(wake, c->ref_min);  /* none due (the common case) */
    else wake = refresh_pass(d, c, t, wake, &refmask, &row_busy);
    if (single && row_busy) return wake;

    /* 2. read or write mode (write-drain hysteresis on visible queue contents) */
    uint32_t nr = c->nr, nw = c->nw;
    if (!bqon) {                             /* with bank queues, rq/wq are all visible */
        while (nr && c->rq[nr - 1].visible > t) nr--;
        while (nw && c->wq[nw - 1].visible > t) nw--;
    }
    /* the mode counts every visible request: bank-queued, and waiting in the transaction queue */
    bool m = next_mode(&cfg->ctrl, c->write_mode, nr + c->chk[0], nw + c->chk[1]);
    if (m && !c->write_mode) d->c.write_drains++;
    if (both && m != c->write_mode) {         /* mode_scope admission: the new mode's requests */
        admit_waiting(d, c, m, t);
        nr = c->nr;
        nw = c->nw;
    }
    c->write_mode = m;
    dreq *q = c->write_mode ? c->wq : c->rq;
    uint32_t n = c->write_mode ? c->nw : c->nr, nvis = c->write_mode ? nw : nr;
    if (nvis < n) wake = minu(wake, q[nvis].visible);
    /* the other queue's first invisible entry may flip the mode when it arrives */
    if (c->write_mode) { if (nr < c->nr) wake = minu(wake, c->rq[nr].visible); }
    else if (nw < c->nw) wake = minu(wake, c->wq[nw].visible);
    /* with bank queues, arrivals wait in the transaction queues */
    for (int w = 0; w < 2; w++)
        if (c->chk[w] < c->ntq[w]) wake = minu(wake, c->tslot[w][c->tarr[w][c->tarr_head[w]]].visible);

    if (DRAM_UNLIKELY(both)) return schedule_both(d, c, t, wake, refmask, row_busy);

    /* 3. FR-FCFS, first-ready: the oldest row hit whose column command may issue now. No
     * column command of this kind can issue before the earliest rank-level bound (a lower bound
     * of every request's readiness), so the scan is skipped until then. */
    uint64_t lb = c->col_lb[c->write_mode];
    if (c->hitsum[c->write_mode] == 0) { /* no row hit queued: nothing for pass 3 */ }
    else if (lb > t) wake = minu(wake, lb);
    else {
        /* pass-3 cache, as for pass 4: column issues only delay other hits, so the bound stays
         * a lower bound until an ACT makes new hits; newly visible requests are looked at */
        uint64_t w3 = CYCLE_NEVER;
        uint32_t start = 0;
        bool skip3 = false;
        if (cache_usable(&c->p3, d, t, c->write_mode, refmask)) {
            start = nvis;
            while (start > 0 && q[start - 1].visible > c->p3.t) start--;
            w3 = c->p3.wake;
            skip3 = start == nvis;
        }
        /* a full scan may stop after the last queued hit (hitsum counts them all) */
        uint32_t hits_left = start == 0 ? c->hitsum[c->write_mode] : UINT32_MAX;
        for (uint32_t i = start; i < nvis && !skip3 && hits_left; i++) {
            dreq *x = &q[i];
            if (c->orow[x->bank] != x->row) continue;
            hits_left--;
            dbank *k = &c->banks[x->bank];
            if (refmask >> k->rank & 1) continue;
            /* row-hit cap: an older request of another row waits in this bank queue */
            if (cap && k->streak >= cap && k->bq[c->write_mode] > k->hits[c->write_mode]) continue;
            uint64_t rdy = col_ready(c, k, x->is_write);
            if (rdy <= t) {
                uint32_t b = x->bank;
                bool w = x->is_write;
                if (fast) dram_issue_col_fast(d, c, x, t);
                else dram_issue_col(d, c, x, t);
                remove_req(c, x);
                col_busy = true;
                if (c->banks[b].pend[w]) refill = (int)(b * 2 + w);
                break;
            }
            w3 = minu(w3, rdy);
        }
        if (!col_busy) cache_fill(&c->p3, w3, t, c->write_mode, refmask);
        wake = minu(wake, w3);
    }
    if (refill >= 0) {
        /* room in a bank queue: the oldest request waiting for it moves in, at the end of
         * rq/wq with visible = t, where the caches' partial scans look */
        bool w = refill & 1;
        tq_admit_head(d, c, w, (uint32_t)refill / 2, t);
        if (w == c->write_mode) nvis++;
    }
    if (single && col_busy) return minu(wake, t + 1);
    if (row_busy) return wake;
    if (col_busy) nvis--;                    /* the issued request left the queue */
    q = c->write_mode ? c->wq : c->rq;       /* and the window may have moved */
    if (c->hitsum[c->write_mode] == c->nbq[c->write_mode]) goto done; /* all hits */
    /* drain_policy keep_read_rows: in write mode a PRE of a row that queued reads hit is
     * deferred; it issues only when no other write can make progress (then the scan must
     * see every request, so the cache's partial scan is not used) */
    const bool keep = c->write_mode && cfg->ctrl.drain_policy == DRAM_DRAIN_KEEP_READ_ROWS;
    bool live = false;                        /* a candidate that is not deferred */
    uint32_t dfr = UINT32_MAX;                /* first deferred bank */
    uint64_t w4d = CYCLE_NEVER;               /* its PRE bound (kept in the cache's bound) */

    /* 4. then first-come: ACT or PRE on behalf of the oldest request that needs one. Only the
     * oldest request of each bank can be the one served, so each bank is looked at once. */
    /* With the cache valid, only requests that became visible since it was filled need a
     * look: the others cannot issue before p4.wake (a lower bound; see dchan). */
    uint64_t w4 = CYCLE_NEVER;
    uint32_t start = 0;
    if (cache_usable(&c->p4, d, t, c->write_mode, refmask)) {
        start = nvis;
        while (start > 0 && q[start - 1].visible > c->p4.t) start--;
        if (start == nvis) { wake = minu(wake, c->p4.wake); goto done; }
        w4 = c->p4.wake;
        if (keep) { start = 0; w4 = CYCLE_NEVER; }
    }
    uint32_t stamp = ++c->stamp;
    if (stamp == 0) { memset(c->seen, 0, d->nbanks * sizeof *c->seen); stamp = c->stamp = 1; }
    /* Issue the first ready command; keep scanning (without issuing) to refill the cache. Once
     * every bank with a queued request (nbusy) has been looked at, the rest adds nothing. */
    uint32_t nseen = 0;
    const bool rr = !fast && cfg->ctrl.bank_arbitration == DRAM_ARB_ROUND_ROBIN;
    if (rr) dram_rr_order(d, c, q, start, nvis);
    for (uint32_t j = start; j < nvis; j++) {
        if (p4_issued && w4 <= t + 1) break;  /* the bound cannot get any lower */
        if (nseen == c->nbusy[c->write_mode]) break;   /* every bank with a request seen */
        uint32_t i = rr ? c->rr_ord[j - start] : j;
        dreq *x = &q[i];
        if (c->seen[x->bank] == stamp) continue;
        if (c->orow[x->bank] == x->row) {
            /* a queued hit: unless the cap allows it, the row stays open, so no request of
             * this bank needs a row command (as the PRE rule below would find) */
            if (!cap || c->banks[x->bank].streak < cap) { c->seen[x->bank] = stamp; nseen++; }
            continue;
        }
        dbank *k = &c->banks[x->bank];
        if (refmask >> k->rank & 1) continue;
        c->seen[x->bank] = stamp;
        nseen++;
        if (k->open_row == ROW_NONE) {
            live = true;
            uint64_t rdy = act_ready(c, k, tm->tFAW);
            if (!p4_issued && rdy <= t) {
                serve_act(d, c, x, t);
                w4 = minu(w4, k->next_pre);       /* its bank's other rows: PRE from here */
                wake = minu(wake, minu(k->next_rd, k->next_wr));   /* its new row hits */
                p4_issued = true;
                continue;
            }
            w4 = minu(w4, rdy);
        } else {
            /* conflict: close the row only when no request of this queue still hits it, or
             * when the row-hit cap has been reached */
            bool capped = cap && k->streak >= cap;
            if (k->hits[c->write_mode] && !capped) continue;
            if (keep && k->hits[0] && !capped) {
                if (dfr == UINT32_MAX) dfr = x->bank;
                w4d = minu(w4d, k->next_pre);
                continue;
            }
            live = true;
            if (!p4_issued && k->next_pre <= t) {
                if (k->hits[c->write_mode]) d->c.cap_closes++;
                serve_pre(d, c, x, t);
                w4 = minu(w4, k->next_act);       /* its bank's requests: ACT from here */
                p4_issued = true;
                continue;
            }
            w4 = minu(w4, k->next_pre);
        }
    }
    if (dfr != UINT32_MAX) {
        /* deferred PREs: only when no write can progress otherwise (no other candidate, no
         * write hit left; hits that the cap holds back have their own, non-deferred PRE) and
         * the drain goes on (otherwise the reads are served first, next clock) */
        bool drains_on = next_mode(&cfg->ctrl, true, nr + c->chk[0], nvis + c->chk[1]); /* not
                                                 about to serve reads */
        if (!p4_issued && !live && c->hitsum[1] == 0 && drains_on && c->banks[dfr].next_pre <= t) {
            dreq *x = NULL;
            for (uint32_t i = 0; i < nvis && !x; i++)
                if (q[i].bank == dfr) x = &q[i];
            serve_pre(d, c, x, t);
            p4_issued = true;
        }
        w4 = minu(w4, w4d);
    }
    if (w4 <= t) w4 = t + 1;                  /* ready, but the row bus was taken this clock */
    cache_fill(&c->p4, w4, t, c->write_mode, refmask);
    wake = minu(wake, w4);
done:
    /* After an issue, the next clock matters only if the queue contents flip the mode, or if
     * a bound computed above says so; the column bound is recomputed after the issue. */
    if (col_busy || p4_issued) {
        uint32_t vr = c->nr, vw = c->nw;
        if (!bqon) {
            while (vr && c->rq[vr - 1].visible > t) vr--;
            while (vw && c->wq[vw - 1].visible > t) vw--;
        }
        if (next_mode(&cfg->ctrl, c->write_mode, vr + c->chk[0], vw + c->chk[1]) != c->write_mode) {
            wake = minu(wake, t + 1);
        } else if (c->hitsum[c->write_mode]) {
            wake = minu(wake, maxu(c->col_lb[c->write_mode], t + 1));
        }
    }
    return wake;
}

/* schedule() specialised for the common controller (dram.fast_ctrl: its settings are constants
 * there), and the general one; exhaustive runs use the general one, so the tests that compare
 * them with skipping runs (tests/unit/330, 360) compare the two */
static __attribute__((noinline)) uint64_t schedule_fast(dram *d, dchan *c, uint64_t t)
{
    return schedule(d, c, t, true);
}
static __attribute__((noinline)) uint64_t schedule_any(dram *d, dchan *c, uint64_t t)
{
    return schedule(d, c, t, false);
}

void dram_tick(dram *d)
{
    uint64_t t = d->now;
    /* No controller due (min_wake is the exact minimum of wake[]): the scan below would
     * schedule nothing and leave min_wake as it is. */
    if (!d->exhaustive && d->min_wake > t) {
        d->now = t + 1;
        return;
    }
    uint64_t mw = CYCLE_NEVER;
    uint64_t *wk = d->wake;
    const bool all = d->exhaustive, fast = d->fast_ctrl && !all;   /* exhaustive: the general one */
    for (uint32_t i = 0, n = d->nctrl; i < n; i++) {
        if (all || wk[i] <= t) {
            uint64_t w = fast ? schedule_fast(d, &d->ch[i], t) : schedule_any(d, &d->ch[i], t);
            SIM_ASSERT(w > t);
            wk[i] = w;
        }
        mw = minu(mw, wk[i]);
    }
    d->min_wake = mw;
    d->now = t + 1;
}

uint64_t dram_data_cycles(const dram *d)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < d->nctrl; i++) n += d->ch[i].st.data_cycles;
    return n;
}

uint64_t dram_next_event(const dram *d)
{
    uint64_t e = minu(ring_head_done(&d->rd_done), ring_head_done(&d->wr_done));
    e = minu(e, ring_head_done(&d->fw_done));
    if (d->last_done > d->now) e = minu(e, d->last_done);   /* (discarded completions) */
    e = minu(e, d->min_wake);
    if (SIM_DEBUG) {
        uint64_t m = CYCLE_NEVER;
        for (uint32_t i = 0; i < d->nctrl; i++) m = minu(m, d->wake[i]);
        SIM_DASSERT(m == d->min_wake);
    }
    return maxu(e, d->now);
}

void dram_skip_to(dram *d, uint64_t cyc)
{
    SIM_ASSERT(cyc >= d->now && cyc <= dram_next_event(d));
    d->now = cyc;
}
