/*
 * topk_int.h - what the top-k engine's two files share (topk.c: the serial core, the job
 * drivers and the public interface; topk_pipe.c: the pipelined core and its driver): the
 * engine's state and the quick-select steps both cores take. Not a public API.
 */
#ifndef SPATTEN_TOPK_INT_H
#define SPATTEN_TOPK_INT_H

#include "accel/topk.h"

#include <stdlib.h>
#include <string.h>

#define TOPK_LFSR_TAPS 0x80200003u

typedef struct topk_elem {     /* key and original index */
    uint64_t v;
    uint32_t i;
    uint32_t pad;              /* always 0: lets an element move as one 16-byte word */
} topk_elem;

struct topk_counters {
    uint64_t jobs, busy_cycles, load_cycles, load_stall_cycles, passes, pass_cycles,
             compares, emit_cycles, out_stall_cycles, out_beats, out_pairs;
};

/* A job of the pipelined engine's driver (ring of TOPK_PIPE_JOBS, oldest first). */
typedef struct topk_job {
    uint64_t *vals;            /* copy of the keys (capacity cap) */
    uint32_t cap;
    uint32_t n, k, seed;
    uint32_t fed;              /* keys taken by the load stage */
    uint32_t bank;             /* input bank (clocked core) */
    bool     handshaken;       /* start accepted */
    bool     beats_done;       /* its last output beat was taken */
    bool     done;             /* DONE cycle reached: result readable */
    cycle_t  ls, due;          /* start cycle; DONE cycle (job level) */
    uint64_t cycles;
    uint32_t passes, count;
    uint32_t *res;             /* [max_n] selected indices */
    struct topk_counters c;    /* job level: the job's counter increments, added at DONE */
} topk_job;

struct topk {
    topk_cfg cfg;
    uint32_t P, L, D;          /* comparators, in_lanes, fifo_depth */
    bool     broken;           /* test hook: off-by-one in the pass's last-row test */

    /* ---- registers (the RTL's, one for one) ---- */
    uint32_t state;            /* enum topk_state */
    uint32_t n, k;             /* job size and k (k clipped to n) */
    uint32_t kk;               /* rank (1-based) of the threshold within the current set */
    uint32_t lfsr;             /* pivot LFSR */
    uint32_t cnt;              /* LOAD: keys accepted; PASS/EMIT: row number */
    uint32_t cur;              /* buffer holding the current candidate set (0/1) */
    uint32_t lo, m;            /* current set = buf[cur][lo, lo + m) */
    uint32_t g, l;             /* partition counts: beat the pivot / beaten by the pivot */
    topk_elem pivot;           /* current pivot */
    topk_elem thr;             /* threshold (k-th best) found */
    bool     accept_all;       /* k >= n: emit everything */
    /* The RTL's compare-stage register (compare -> zero eliminator) is folded into PASS: a
     * row's survivors are written to the other buffer and counted in the cycle of its compare
     * instead of the next one. Only DECIDE reads g and l and only the next pass reads that
     * buffer, both after the DRAIN cycle that the RTL spends writing the last row, so every
     * port is identical on every cycle (the lockstep harness checks this). */
    /* output FIFO of beats */
    uint32_t f_head, f_count;
    uint32_t *f_cnt;           /* [D] pairs per beat */
    uint8_t  *f_last;          /* [D] */
    uint32_t *f_idx;           /* [D * P] */
    uint64_t *f_val;           /* [D * P] */
    /* memories */
    uint64_t *orig;            /* [max_n] keys in index order */
    topk_elem *buf[2];         /* [max_n] ping-pong partition buffers */

    /* ---- job driver ---- */
    const uint64_t *jv;        /* keys of the current job */
    uint32_t jn, jk, jseed, jfed;
    bool     j_active, j_started, j_done;
    bool     fast;             /* job-level evaluation allowed (topk_set_fast) */
    bool     j_fast;           /* the current job is evaluated at job level */
    cycle_t  j_due;            /* fast job: the cycle of its DONE state */
    cycle_t  j_start;
    uint64_t j_cycles;
    uint32_t j_passes, j_count;
    uint32_t *res;             /* [max_n] result indices */

    /* ---- pipelined core (rtl/topk/topk_pipe.v); the select stage uses state, cnt, cur, lo,
     * m, g, l, kk, lfsr, pivot and thr above ---- */
    uint32_t ld_state;         /* load stage: 0 idle, 1 LOAD */
    uint32_t ld_cnt, ld_b;     /* keys accepted; bank being loaded */
    uint32_t sel_b;            /* bank of the job in the select stage */
    bool     from_orig;        /* the current set is the input bank (first pass of a job) */
    uint32_t em_state;         /* emit stage: 0 idle, 1 EMIT */
    uint32_t em_cnt, em_b;     /* row; bank of the job in the emit stage */
    uint32_t q_ls;             /* jobs loaded, not yet taken by the select stage */
    uint32_t q_se;             /* jobs selected, not yet taken by the emit stage */
    uint32_t banks;            /* input banks held (from the start handshake to the last row) */
    bool     done_r;           /* done pulse: the job's last beat was taken last cycle */
    uint32_t d_n[TOPK_PIPE_BANKS], d_k[TOPK_PIPE_BANKS], d_seed[TOPK_PIPE_BANKS];
    topk_elem d_thr[TOPK_PIPE_BANKS];   /* per bank: job size, k (clipped), seed, threshold */
    uint64_t *bank[TOPK_PIPE_BANKS];    /* [max_n] input banks: keys in index order */
    uint32_t open_jobs;        /* bookkeeping (no RTL register): started, done not yet pulsed */
    uint32_t d_passes[TOPK_PIPE_BANKS]; /* bookkeeping: passes of the bank's job */

    /* ---- pipelined driver ---- */
    topk_job jobs[TOPK_PIPE_JOBS];
    uint32_t jr_head, jr_count;  /* ring: oldest unretired job, jobs in the ring */
    bool     p_fast;           /* the jobs in the engine are evaluated at job level */
    cycle_t  p_last_start;     /* cycle of the last start (job level: tick returns 1) */
    /* job level: first cycle each stage / bank is free again (docs/arch/topk.md section 8) */
    cycle_t  f_ld_free, f_sel_free, f_em_free, f_bank_free[TOPK_PIPE_BANKS], f_busy_end;
    uint64_t f_jobno;          /* job-level jobs started (bank slot = f_jobno % 3) */

    /* ---- counters ---- */
    struct topk_counters st, j_st;  /* j_st: a fast job's increments, added at its DONE cycle */
};

/* a beats b: larger key, or equal key and lower index. */
static inline bool beats(topk_elem a, topk_elem b)
{
    return (a.v > b.v) | ((a.v == b.v) & (a.i < b.i));
}

/* The zero eliminators of a pass: the elements of src[0, nv) that beat the pivot go to the
 * other buffer from the bottom up (after the g already there), those the pivot beats from the
 * top down (the t-th to max_n - 1 - t); g and l count them. */
static inline void partition(topk *t, const topk_elem *src, uint32_t nv)
{
    topk_elem *dst = t->buf[t->cur ^ 1u];
    topk_elem *dtop = dst + (t->cfg.max_n - 1);
    const topk_elem pv = t->pivot;
    uint32_t g = t->g, l = t->l;
    /* Branch-free compaction: each element is written to both free slots (the next G slot
     * and the next L slot; both lie in the gap between the two regions, which is never read)
     * and only the count of its side advances. */
    for (uint32_t i = 0; i < nv; i++) {
        const uint64_t ev = src[i].v;
        const uint32_t ei = src[i].i;
        /* keys are distinct by index, so e is the pivot, beats it, or is beaten by it */
        uint32_t gt = (uint32_t)((ev > pv.v) | ((ev == pv.v) & (ei < pv.i)));
        uint32_t lt = (gt ^ 1u) & (uint32_t)(ei != pv.i);
        memcpy(&dst[g], &src[i], sizeof *dst);
        memcpy(dtop - l, &src[i], sizeof *dst);
        g += gt;
        l += lt;
    }
    t->g = g;
    t->l = l;
}

/* PIVOT: the next LFSR step picks the pivot's position in the current set; the pass counts
 * start at 0. */
static inline void pick_pivot(topk *t)
{
    uint32_t x = topk_lfsr_next(t->lfsr);
    uint32_t r = (uint32_t)(((uint64_t)(x >> 16) * t->m) >> 16);
    t->lfsr = x;
    t->pivot = t->buf[t->cur][t->lo + r];
    t->g = 0;
    t->l = 0;
}

/* DECIDE: after a pass, keep the side that holds the kk-th best element; true when the pivot
 * is that element (it becomes the threshold). */
static inline bool narrow(topk *t)
{
    if (t->kk <= t->g) {
        t->cur ^= 1u; t->lo = 0; t->m = t->g;
        return false;
    }
    if (t->kk == t->g + 1) {
        t->thr = t->pivot;
        return true;
    }
    t->cur ^= 1u; t->lo = t->cfg.max_n - t->l; t->m = t->l;
    t->kk -= t->g + 1;
    return false;
}

static inline uint32_t cdiv(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

static inline void counters_add(struct topk_counters *d, const struct topk_counters *s)
{
    d->jobs += s->jobs; d->busy_cycles += s->busy_cycles; d->load_cycles += s->load_cycles;
    d->load_stall_cycles += s->load_stall_cycles; d->passes += s->passes;
    d->pass_cycles += s->pass_cycles; d->compares += s->compares;
    d->emit_cycles += s->emit_cycles; d->out_stall_cycles += s->out_stall_cycles;
    d->out_beats += s->out_beats; d->out_pairs += s->out_pairs;
}

/* The pipelined engine (topk_pipe.c). */
void     topk_pipe_clock(topk *t, const topk_in *in);
bool     topk_pipe_busy(const topk *t);
bool     topk_pipe_can_accept(const topk *t, cycle_t now);
void     topk_pipe_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                         cycle_t now);
unsigned topk_pipe_tick(topk *t, cycle_t now);
cycle_t  topk_pipe_next_event(const topk *t, cycle_t now);
const topk_job *topk_pipe_job(const topk *t, uint32_t i);   /* i-th unretired job */

#endif
