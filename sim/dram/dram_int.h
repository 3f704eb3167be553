/*
 * dram_int.h - what the DRAM model's files share (dram.c: the front end, the scheduler and the
 * clock; dram_issue.c: command issue and the round-robin scan orders; dram_setup.c:
 * create/destroy, the counters and the energy): the model's state and the address-field
 * helpers. Not a public API.
 */
#ifndef SPATTEN_DRAM_INT_H
#define SPATTEN_DRAM_INT_H

#include "dram/dram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_NONE UINT32_MAX
#define TQ_FREE UINT64_MAX          /* addr of a free transaction-queue slot (no request's) */
#define NHIST 12                     /* read-latency histogram buckets (powers of two) */

typedef struct dreq {
    uint64_t tag;
    uint64_t addr;
    uint64_t arrive;                 /* dram cycle of dram_send */
    uint64_t visible;                /* arrive + frontend_latency; with bank queues, once in
                                        rq/wq: the cycle it entered its bank queue */
    uint32_t row;
    uint16_t bank;                   /* flat bank index within the controller */
    uint8_t  is_write;
    uint8_t  touched;                /* a command was issued on its behalf (hit/miss decided) */
} dreq;

/* One cache line per bank (the banks are carved line-aligned, see dchan.mem): the counters fit
 * 16 bits (at most read_queue/write_queue <= 1024 requests of a direction are queued). */
typedef struct dbank {
    uint64_t next_act, next_pre, next_rd, next_wr; /* earliest cycle for each command */
    uint32_t open_row;               /* ROW_NONE when precharged */
    uint32_t streak;                 /* column commands since its row was opened */
    uint16_t bg, rank;               /* its bank group (flat) and rank */
    uint16_t hits[2];                /* bank-queued reads [0] / writes [1] that hit open_row */
    uint16_t bq[2];                  /* reads / writes in its command queue */
    uint16_t pend[2];                /* visible reads / writes waiting for room in it */
    uint16_t whead[2], wtail[2];     /* the first and last slot of their waiting list */
} dbank;
_Static_assert(sizeof(dbank) == 64, "one cache line per bank");

typedef struct dgroup { uint64_t next_act, next_rd, next_wr; } dgroup;

typedef struct drank {
    uint64_t next_act, next_rd, next_wr, next_ref;
    uint64_t faw[4];                 /* issue cycles of the last four ACTs (ring) */
    uint32_t faw_i;
    uint64_t acts;                   /* ACTs issued (tFAW applies from the fifth on) */
    uint32_t open_banks;             /* banks with an open row */
    uint64_t ref_due;                /* next refresh deadline (k * tREFI) */
    uint64_t bg_mark;                /* cycle of the last open/precharged state change */
    uint64_t active_cycles;          /* cycles with >= 1 open bank (background energy) */
    uint64_t pre_cycles;             /* cycles with all banks precharged */
} drank;

typedef struct dstat_ch { uint64_t reads, writes, data_cycles; double util; } dstat_ch;

/* A scheduling pass's cache: a lower bound (wake) of the cycle at which the pass can issue for
 * the requests visible at cycle t, valid while the mode and the refresh mask stay the same. */
typedef struct sched_cache {
    bool     valid, mode;
    uint32_t refmask;
    uint64_t wake, t;
} sched_cache;

/* A controller. The fields that every scheduling pass reads come first (the struct is aligned to
 * a cache line), and its small arrays (banks, groups, ranks, per-bank rows and stamps, the
 * transaction-queue slots and lists) are carved out of one line-aligned block (mem), so that a
 * pass touches few cache lines: with 32 controllers due every other clock, what a controller
 * touches does not stay in L1 otherwise. */
typedef struct dchan {
    _Alignas(64)
    dreq    *rq, *wq;                /* schedulable requests, oldest first (windows into rbuf/wbuf) */
    uint32_t nr, nw;
    uint32_t nbq[2];                 /* requests in rq / wq */
    uint32_t hitsum[2];              /* sum of banks[].hits[] per queue */
    uint32_t nbusy[2];               /* banks with bq[w] > 0 (pass 4 stops once it has seen them) */
    /* With bank queues (bank_queue > 0), rq/wq hold the bank-queued requests, in the order
     * they entered their bank queue ("visible" = that cycle), and the transaction queues hold
     * the requests not yet in a bank queue. Without, rq/wq hold every request in arrival order
     * and the transaction queues are unused.
     * A transaction-queue request stays in one slot of tslot[w] from dram_send until it enters
     * its bank queue (it is never moved). A slot is on exactly one of three lists: the free
     * list (threaded through tnext[w]), the arrival ring (tarr[w], slot indices: sent, not yet
     * visible to the scheduler, in arrival order, so visible increases along it) or its bank's
     * waiting list (visible, waiting for room in its bank queue, oldest first; threaded through
     * tnext[w] from dbank.whead to dbank.wtail). So pass 0 looks only at the ring's head, and a
     * bank queue with room takes its next request from its own list: no search, and nothing is
     * shifted. */
    uint32_t ntq[2];                 /* requests in the transaction queue (slots in use) */
    uint32_t chk[2];                 /* of which visible and waiting for bank-queue room (the
                                        sum of the banks' pend[w]); the other ntq - chk are on
                                        the arrival ring */
    uint32_t tarr_head[2];           /* the arrival ring's oldest entry */
    uint32_t tfree[2];               /* the first free slot (free list threaded through tnext) */
    /* its wake cycle (earliest cycle at which it can issue anything) is dram.wake[i] */
    bool     write_mode;
    uint32_t stamp;
    /* scheduling caches (see "Scheduling caches" in dram.c): pass 4 (ACT/PRE) and pass 3
     * (column commands) cannot issue before wake for the requests visible at t, in that mode
     * and with that refresh mask */
    sched_cache p4, p3;
    uint64_t col_lb[2];              /* min over ranks of next_rd [0] / next_wr [1]: no column
                                        command of that kind issues before it (kept by issue_col) */
    uint64_t ref_min;                /* min over ranks of ref_due: no refresh is due before it */
    dbank   *banks;
    dgroup  *groups;
    drank   *ranks;
    uint32_t *orow;                  /* per bank: copy of banks[].open_row, dense for the scans */
    uint32_t *seen;                  /* per bank: stamp of the last scheduling pass that looked */
    uint32_t *bqrow[2];              /* with bank queues: the rows of bank b's queued reads /
                                        writes at [b * bank_queue, + banks[b].bq[w]), any order */
    dreq    *tslot[2];               /* [tq_cap[w]] slots; a free slot has addr TQ_FREE */
    uint16_t *tnext[2];              /* per slot: the next slot on its list */
    uint16_t *tarr[2];               /* the arrival ring: [tq_cap[w]] slot indices */
    dstat_ch st;
    /* colder */
    dreq    *rbuf, *wbuf;            /* 2 x capacity each, so removal near the head is cheap */
    uint32_t rr;                     /* round-robin arbitration: the bank to look at first */
    uint32_t *rr_cnt, *rr_ord;       /* its scratch: per-bank counts (banks + 1), scan order */
    void    *mem;                    /* the block the small arrays are carved from (to free) */
} dchan;

/* completions in done order; cap is a power of two (256, doubled when full) */
typedef struct done_ring { uint64_t *tag, *done; size_t head, n, cap; } done_ring;

typedef struct dram_counters {
    uint64_t reads, writes, bytes_read, bytes_written;
    uint64_t row_hits, row_misses, row_conflicts;
    uint64_t n_act, n_pre, n_rd, n_wr, n_ref;
    uint64_t lat_sum, lat_max, lat_hist[NHIST];
    uint64_t refresh_cycles, write_drains, reads_forwarded, cap_closes;
    double   lat_avg, bw_gbps, peak_gbps, bw_pct;
    double   e_act, e_rd, e_wr, e_ref, e_bg, e_io, e_total, pj_per_bit_read;
} dram_counters;

struct dram {
    dram_cfg cfg;
    uint64_t now;
    dchan   *ch;                     /* [nctrl], line-aligned within ch_mem */
    void    *ch_mem;
    uint32_t nctrl, nbanks, ngroups, nranks_, bl2;
    bool     exhaustive;
    bool     fast_ctrl;              /* the common controller: bank queues, dual command bus,
                                        no row-hit cap, one rank, open page, oldest-first row
                                        arbitration, mode_scope issue (the specialised copy of
                                        the scheduler and column issue has them as constants) */
    uint64_t *wake;                  /* [nctrl] per controller: earliest cycle at which it can
                                        issue anything (dense, so the per-clock scan is cheap) */
    uint64_t min_wake;               /* min over controllers of wake (kept by tick and send) */
    done_ring rd_done, wr_done;      /* completions, each ring in done order */
    done_ring fw_done;               /* forwarded reads (write_forwarding), in done order */
    bool     discard_done;           /* completions are not kept (dram_set_discard_done) ... */
    uint64_t last_done;              /* ... but the last one's cycle is */
    FILE    *rec;                    /* request recorder (dram_set_recorder) or NULL */
    uint32_t tq_cap[2];              /* transaction-queue entries: read_queue, write_queue */
    uint32_t qcap[2];                /* rq/wq entries: bank_queue x banks, or tq_cap without */
    /* precomputed turnarounds (cycles) */
    uint32_t rd_rd_l, rd_rd_s, rd_rd_o, rd_wr, rd_wr_o, wr_wr_l, wr_wr_s, wr_wr_o;
    uint32_t wr_rd_l, wr_rd_s, wr_rd_o, rd_pre, wr_pre, t_rc;
    dram_counters c;
    char   **names;                  /* per-channel stats module names */
    uint64_t fmask[7];               /* per mapping field (DRAM_F_*): mask after the shift */
    uint32_t fshift[7];              /* and the shift (cfg.map_shift), kept here for dram_send */
};

/* A helper on the per-request path that must be inlined although it has several callers. */
#define DRAM_INLINE static inline __attribute__((always_inline))
/* Work off the common path (the refresh pass): kept out of the hot code. */
#define DRAM_COLD static __attribute__((noinline, cold))
/* the usual outcome of a test on the per-request path (laid out as the straight-line code) */
#define DRAM_LIKELY(x) __builtin_expect(!!(x), 1)
#define DRAM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- small helpers ---- */
static inline uint64_t maxu(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline uint64_t minu(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline void bump(uint64_t *x, uint64_t v) { if (v > *x) *x = v; }

static inline void ring_push(done_ring *r, uint64_t tag, uint64_t done)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        uint64_t *t = sim_xmalloc(nc * sizeof *t), *d = sim_xmalloc(nc * sizeof *d);
        for (size_t i = 0; i < r->n; i++) {
            t[i] = r->tag[(r->head + i) & (r->cap - 1)];
            d[i] = r->done[(r->head + i) & (r->cap - 1)];
        }
        free(r->tag); free(r->done);
        r->tag = t; r->done = d; r->cap = nc; r->head = 0;
    }
    size_t i = (r->head + r->n) & (r->cap - 1);
    r->tag[i] = tag;
    r->done[i] = done;
    r->n++;
}
/* A completion: into its ring, or only its cycle when completions are discarded. */
static inline void done_push(dram *d, done_ring *r, uint64_t tag, uint64_t done)
{
    if (d->discard_done) bump(&d->last_done, done);
    else ring_push(r, tag, done);
}
static inline uint64_t ring_head_done(const done_ring *r) { return r->n ? r->done[r->head] : CYCLE_NEVER; }

static inline void read_latency(dram *d, uint64_t lat)
{
    d->c.lat_sum += lat;
    bump(&d->c.lat_max, lat);
    int h = lat < 32 ? 0 : 64 - __builtin_clzll(lat) - 5;   /* bucket k: [32 << (k-1), 32 << k) */
    d->c.lat_hist[h < NHIST - 1 ? h : NHIST - 1]++;
}

/* Scheduling caches (dchan p3 / p4; see "Scheduling caches" in dram.c): lower a bound; whether
 * a pass at t in mode with refresh mask refmask may use it (never in exhaustive runs, which
 * check the caches); fill it after a full or partial scan. */
static inline void cache_lower(sched_cache *k, uint64_t v) { if (v < k->wake) k->wake = v; }
static inline bool cache_usable(const sched_cache *k, const dram *d, uint64_t t, bool mode,
                                uint32_t refmask)
{
    return k->valid && !d->exhaustive && t < k->wake && k->mode == mode && k->refmask == refmask;
}
static inline void cache_fill(sched_cache *k, uint64_t wake, uint64_t t, bool mode, uint32_t refmask)
{
    k->valid = true;
    k->wake = wake;
    k->t = t;
    k->mode = mode;
    k->refmask = refmask;
}

/* ---- command issue (dram_issue.c): each applies every timing rule of its command ---- */
void dram_issue_act(dram *d, dchan *c, uint32_t b, uint32_t row, uint64_t t);
void dram_issue_pre(dram *d, dchan *c, uint32_t b, uint64_t t);
void dram_issue_col(dram *d, dchan *c, dreq *q, uint64_t t);   /* RD or WR of q, a row hit */
void dram_issue_col_fast(dram *d, dchan *c, dreq *q, uint64_t t);   /* the same, dram.fast_ctrl */
void dram_record_kind(dram *d, dreq *q, int kind);   /* its first command: 0 hit, 1 ACT, 2 PRE */

/* Round-robin scan orders (dram_issue.c), into c->rr_ord: q[start, nvis) (mode_scope issue), or
 * rq[s[0], nr) and wq[s[1], nw) merged by both_next (admission; wq entry i as nr + i). */
void dram_rr_order(const dram *d, dchan *c, const dreq *q, uint32_t start, uint32_t nvis);
void dram_rr_order_both(const dram *d, dchan *c, const uint32_t *s);

/* The merged scan order of rq[i0, nr) and wq[i1, nw): by bank-queue entry (visible), a read
 * before a write that entered in the same clock. Returns 0 (rq) or 1 (wq), or -1 at the end. */
static inline int both_next(const dchan *c, const uint32_t *i)
{
    if (i[0] >= c->nr) return i[1] < c->nw ? 1 : -1;
    if (i[1] >= c->nw) return 0;
    return c->wq[i[1]].visible < c->rq[i[0]].visible;
}

static inline uint64_t field(const dram_cfg *c, uint64_t addr, int f)
{
    return (addr >> c->map_shift[f]) & ((1ull << c->map_bits[f]) - 1);
}

static inline uint64_t dfield(const dram *d, uint64_t addr, int f)
{
    return (addr >> d->fshift[f]) & d->fmask[f];
}

static inline uint32_t dctrl_of(const dram *d, uint64_t addr)
{
    return (uint32_t)(dfield(d, addr, DRAM_F_CH) * d->cfg.org.pseudo_channels + dfield(d, addr, DRAM_F_PC));
}

#endif
