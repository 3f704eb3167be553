/* topk.c - the top-k engine model (see topk.h and docs/arch/topk.md).
 * The core mirrors rtl/topk/topk.v register for register (except the compare-stage register,
 * folded into PASS: see struct topk); the job driver wraps the core. */
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

uint32_t topk_lfsr_next(uint32_t x)
{
    return (x >> 1) ^ ((x & 1u) ? TOPK_LFSR_TAPS : 0u);
}

void topk_cfg_default(topk_cfg *c)
{
    c->comparators = 16;
    c->in_lanes = 16;
    c->max_n = 2048;
    c->fifo_depth = 4;
    c->variant = TOPK_SERIAL;
}

static int in_range(sim_err *err, const char *name, uint32_t v, uint32_t max)
{
    if (v >= 1 && v <= max) return SIM_OK;
    return sim_errf(err, SIM_EINVAL, "topk: %s = %u is out of range [1, %u]", name, v, max);
}

int topk_cfg_check(const topk_cfg *c, sim_err *err)
{
    int rc;
    if ((rc = in_range(err, "comparators", c->comparators, TOPK_MAX_COMPARATORS)) ||
        (rc = in_range(err, "in_lanes", c->in_lanes, TOPK_MAX_LANES)) ||
        (rc = in_range(err, "max_n", c->max_n, TOPK_MAX_N)) ||
        (rc = in_range(err, "fifo_depth", c->fifo_depth, TOPK_MAX_FIFO)))
        return rc;
    if (c->variant != TOPK_SERIAL && c->variant != TOPK_PIPELINED)
        return sim_errf(err, SIM_EINVAL, "topk: variant = %u is not serial (0) or pipelined (1)",
                        c->variant);
    return SIM_OK;
}

static void reg(stats *st, const char *prefix, const char *name, const char *unit,
                const uint64_t *v, const char *desc)
{
    stats_add_u64(st, prefix, name, unit, v, desc);
}

topk *topk_create(const topk_cfg *cfg, stats *st, const char *prefix, sim_err *err)
{
    if (topk_cfg_check(cfg, err) != SIM_OK) return NULL;
    topk *t = sim_xcalloc(1, sizeof *t);
    t->cfg = *cfg;
    t->P = cfg->comparators;
    t->L = cfg->in_lanes;
    t->D = cfg->fifo_depth;
    t->f_cnt = sim_xcalloc(t->D, sizeof *t->f_cnt);
    t->f_last = sim_xcalloc(t->D, 1);
    t->f_idx = sim_xcalloc((size_t)t->D * t->P, sizeof *t->f_idx);
    t->f_val = sim_xcalloc((size_t)t->D * t->P, sizeof *t->f_val);
    t->orig = sim_xcalloc(cfg->max_n, sizeof *t->orig);
    t->buf[0] = sim_xcalloc(cfg->max_n, sizeof *t->buf[0]);
    t->buf[1] = sim_xcalloc(cfg->max_n, sizeof *t->buf[1]);
    t->res = sim_xcalloc(cfg->max_n, sizeof *t->res);
    if (cfg->variant == TOPK_PIPELINED) {
        for (uint32_t b = 0; b < TOPK_PIPE_BANKS; b++)
            t->bank[b] = sim_xcalloc(cfg->max_n, sizeof *t->bank[b]);
        for (uint32_t j = 0; j < TOPK_PIPE_JOBS; j++)
            t->jobs[j].res = sim_xcalloc(cfg->max_n, sizeof *t->jobs[j].res);
    }
    topk_core_reset(t);
    if (st) {
        const char *p = prefix ? prefix : "topk";
        reg(st, p, "jobs", "job", &t->st.jobs, "selections completed");
        reg(st, p, "busy_cycles", "cycle", &t->st.busy_cycles, "cycles with a job in the engine");
        reg(st, p, "load_cycles", "cycle", &t->st.load_cycles, "cycles in LOAD (input streaming)");
        reg(st, p, "load_stall_cycles", "cycle", &t->st.load_stall_cycles,
            "LOAD cycles with no input beat offered");
        reg(st, p, "passes", "pass", &t->st.passes, "quick-select partition passes");
        reg(st, p, "pass_cycles", "cycle", &t->st.pass_cycles,
            "cycles in PIVOT/PASS/DRAIN/DECIDE");
        reg(st, p, "compares", "op", &t->st.compares,
            "key comparisons (partition and final filter)");
        reg(st, p, "emit_cycles", "cycle", &t->st.emit_cycles, "cycles in EMIT (final filter)");
        reg(st, p, "out_stall_cycles", "cycle", &t->st.out_stall_cycles,
            "EMIT cycles refused because the output FIFO was full");
        reg(st, p, "out_beats", "beat", &t->st.out_beats, "output beats delivered");
        reg(st, p, "out_pairs", "pair", &t->st.out_pairs, "(index, key) pairs delivered");
    }
    return t;
}

void topk_destroy(topk *t)
{
    if (!t) return;
    free(t->f_cnt); free(t->f_last); free(t->f_idx); free(t->f_val);
    free(t->orig); free(t->buf[0]); free(t->buf[1]);
    free(t->res);
    for (uint32_t b = 0; b < TOPK_PIPE_BANKS; b++) free(t->bank[b]);
    for (uint32_t j = 0; j < TOPK_PIPE_JOBS; j++) { free(t->jobs[j].vals); free(t->jobs[j].res); }
    free(t);
}

void topk_core_set_broken(topk *t, bool broken) { t->broken = broken; }

void topk_core_reset(topk *t)
{
    t->state = TOPK_S_IDLE;
    t->n = t->k = t->kk = t->cnt = t->cur = t->lo = t->m = t->g = t->l = 0;
    t->lfsr = 1;
    t->pivot.v = t->thr.v = 0;
    t->pivot.i = t->thr.i = 0;
    t->accept_all = false;
    t->f_head = t->f_count = 0;
    t->ld_state = t->ld_cnt = t->ld_b = t->sel_b = t->em_state = t->em_cnt = t->em_b = 0;
    t->q_ls = t->q_se = t->banks = t->open_jobs = 0;
    t->from_orig = t->done_r = false;
    memset(t->d_n, 0, sizeof t->d_n); memset(t->d_k, 0, sizeof t->d_k);
    memset(t->d_seed, 0, sizeof t->d_seed); memset(t->d_thr, 0, sizeof t->d_thr);
    memset(t->d_passes, 0, sizeof t->d_passes);
}

/* a beats b: larger key, or equal key and lower index. */
static inline bool beats(topk_elem a, topk_elem b)
{
    return (a.v > b.v) | ((a.v == b.v) & (a.i < b.i));
}

void topk_core_outputs(const topk *t, topk_out *o)
{
    memset(o, 0, sizeof *o);
    if (t->cfg.variant == TOPK_PIPELINED) {
        o->start_ready = t->ld_state == 0 && t->banks < TOPK_PIPE_BANKS;
        o->in_ready = t->ld_state == 1;
        o->done = t->done_r;
        o->ld_state = t->ld_state;
        o->em_state = t->em_state;
        o->banks = t->banks;
    } else {
        o->start_ready = t->state == TOPK_S_IDLE;
        o->in_ready = t->state == TOPK_S_LOAD;
        o->done = t->state == TOPK_S_DONE;
    }
    o->state = t->state;
    o->m = t->m;
    o->out_valid = t->f_count > 0;
    uint32_t h = t->f_head;
    o->out_last = o->out_valid && t->f_last[h];
    o->out_count = o->out_valid ? t->f_cnt[h] : 0;
    o->out_idx = t->f_idx + (size_t)h * t->P;
    o->out_val = t->f_val + (size_t)h * t->P;
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

static void pipe_clock(topk *t, const topk_in *in);

void topk_core_clock(topk *t, const topk_in *in)
{
    if (t->cfg.variant == TOPK_PIPELINED) { pipe_clock(t, in); return; }
    const uint32_t P = t->P, L = t->L;
    /* Output FIFO pop (head consumed this cycle); the slot frees for the next cycle. */
    bool pop = t->f_count > 0 && in->out_ready;
    bool pop_last = pop && t->f_last[t->f_head];
    uint32_t count_now = t->f_count;     /* registered occupancy seen by the producer */
    bool push = false;

    if (t->state != TOPK_S_IDLE) t->st.busy_cycles++;

    switch (t->state) {
    case TOPK_S_IDLE:
        if (in->start) {
            t->n = in->n;
            t->k = in->k < in->n ? in->k : in->n;
            t->lfsr = in->seed ? in->seed : 1u;
            t->cnt = 0;
            t->accept_all = false;
            SIM_ASSERT(in->n <= t->cfg.max_n);
            t->state = in->n == 0 ? TOPK_S_DONE : TOPK_S_LOAD;
        }
        break;
    case TOPK_S_LOAD:
        t->st.load_cycles++;
        if (!in->in_valid) { t->st.load_stall_cycles++; break; }
        {
            uint32_t nl = t->n - t->cnt < L ? t->n - t->cnt : L;   /* lanes past n ignored */
            uint64_t *o = t->orig + t->cnt;
            topk_elem *b = t->buf[0] + t->cnt;
            for (uint32_t i = 0; i < nl; i++) {
                o[i] = in->in_data[i];
                b[i] = (topk_elem){ in->in_data[i], t->cnt + i, 0 };
            }
        }
        if (t->cnt + L >= t->n) {
            t->cnt = 0;
            if (t->k == 0) {
                t->state = TOPK_S_DONE;
            } else if (t->k >= t->n) {
                t->accept_all = true;
                t->state = TOPK_S_EMIT;
            } else {
                t->cur = 0; t->lo = 0; t->m = t->n; t->kk = t->k;
                t->state = TOPK_S_PIVOT;
            }
        } else {
            t->cnt += L;
        }
        break;
    case TOPK_S_PIVOT:
        pick_pivot(t);
        t->cnt = 0;
        t->st.passes++;
        t->st.pass_cycles++;
        t->state = TOPK_S_PASS;
        break;
    case TOPK_S_PASS: {
        /* compare row `cnt` with the pivot; the zero eliminators write the G survivors from
         * the bottom up and the L survivors from the top down of the other buffer */
        uint32_t base = t->cnt * P;
        uint32_t nv = base < t->m ? (t->m - base < P ? t->m - base : P) : 0;
        partition(t, t->buf[t->cur] + t->lo + base, nv);
        t->st.compares += nv;
        t->st.pass_cycles++;
        bool last = t->broken ? base + P > t->m : base + P >= t->m;
        if (last) t->state = TOPK_S_DRAIN;
        else t->cnt++;
        break;
    }
    case TOPK_S_DRAIN:
        t->st.pass_cycles++;
        t->state = TOPK_S_DECIDE;
        break;
    case TOPK_S_DECIDE:
        t->st.pass_cycles++;
        if (narrow(t)) {
            t->cnt = 0;
            t->state = TOPK_S_EMIT;
        } else {
            t->state = TOPK_S_PIVOT;
        }
        break;
    case TOPK_S_EMIT: {
        t->st.emit_cycles++;
        if (count_now >= t->D) { t->st.out_stall_cycles++; break; }
        uint32_t base = t->cnt * P, c = 0;
        uint32_t slot = (t->f_head + t->f_count) % t->D;
        uint32_t *oi = t->f_idx + (size_t)slot * P;
        uint64_t *ov = t->f_val + (size_t)slot * P;
        uint32_t ne = base < t->n ? (t->n - base < P ? t->n - base : P) : 0;
        const uint64_t *ok = t->orig + base;
        t->st.compares += ne;
        if (t->accept_all) {
            for (uint32_t i = 0; i < ne; i++) { oi[i] = base + i; ov[i] = ok[i]; }
            c = ne;
        } else {
            const topk_elem thr = t->thr;
            for (uint32_t i = 0; i < ne; i++) {
                topk_elem e = { ok[i], base + i, 0 };
                if (!beats(thr, e)) { oi[c] = e.i; ov[c] = e.v; c++; }
            }
        }
        for (uint32_t i = c; i < P; i++) { oi[i] = 0; ov[i] = 0; }
        bool last = base + P >= t->n;
        if (c > 0 || last) {
            t->f_cnt[slot] = c;
            t->f_last[slot] = (uint8_t)last;
            push = true;
        }
        if (last) t->state = TOPK_S_OUTWAIT;
        else t->cnt++;
        break;
    }
    case TOPK_S_OUTWAIT:
        if (pop_last) t->state = TOPK_S_DONE;
        break;
    case TOPK_S_DONE:
        t->state = TOPK_S_IDLE;
        break;
    default:
        SIM_ASSERT(0);
    }

    if (pop) {
        t->st.out_beats++;
        t->st.out_pairs += t->f_cnt[t->f_head];
        t->f_head = (t->f_head + 1) % t->D;
    }
    t->f_count = count_now + (push ? 1u : 0u) - (pop ? 1u : 0u);
}

/* ---- pipelined core (docs/arch/topk.md section 8; rtl/topk/topk_pipe.v) ---------------- */

/* One clock of the three stages. Each stage reads only registered state (its own, the job
 * counts q_ls / q_se / banks of the start of the cycle), so their order below does not matter;
 * the counts are updated once at the end, as the RTL's nonblocking assignments do. */
static void pipe_clock(topk *t, const topk_in *in)
{
    const uint32_t P = t->P, L = t->L, NB = TOPK_PIPE_BANKS;
    bool pop = t->f_count > 0 && in->out_ready;
    bool pop_last = pop && t->f_last[t->f_head];
    uint32_t count_now = t->f_count;
    bool push = false;
    uint32_t ls_inc = 0, ls_dec = 0, se_inc = 0, se_dec = 0, bk_inc = 0, bk_dec = 0;
    uint32_t open_inc = 0, open_dec = 0;

    if (t->open_jobs > 0) t->st.busy_cycles++;
    if (t->done_r) { t->st.jobs++; open_dec = 1; }

    /* load stage */
    if (t->ld_state == 0) {
        if (in->start && t->banks < NB) {
            uint32_t b = t->ld_b;
            SIM_ASSERT(in->n <= t->cfg.max_n);
            t->d_n[b] = in->n;
            t->d_k[b] = in->k < in->n ? in->k : in->n;
            t->d_seed[b] = in->seed;
            bk_inc = 1;
            open_inc = 1;
            if (in->n == 0) { ls_inc = 1; t->ld_b = (b + 1) % NB; }
            else { t->ld_state = 1; t->ld_cnt = 0; }
        }
    } else {
        t->st.load_cycles++;
        if (!in->in_valid) {
            t->st.load_stall_cycles++;
        } else {
            uint32_t b = t->ld_b, n = t->d_n[b], c0 = t->ld_cnt;
            uint32_t nl = n - c0 < L ? n - c0 : L;
            memcpy(t->bank[b] + c0, in->in_data, nl * sizeof(uint64_t));
            if (c0 + L >= n) { ls_inc = 1; t->ld_b = (b + 1) % NB; t->ld_state = 0; }
            else t->ld_cnt = c0 + L;
        }
    }

    /* select stage: the serial engine's PIVOT .. DECIDE on the job in bank sel_b; the first
     * pass reads the input bank itself (element i = (key i, i)) */
    switch (t->state) {
    case TOPK_S_IDLE:
        if (t->q_ls > 0) {
            uint32_t b = t->sel_b, n = t->d_n[b], k = t->d_k[b];
            ls_dec = 1;
            t->d_passes[b] = 0;
            if (k == 0 || k >= n) {                /* nothing to select: straight to emit */
                se_inc = 1;
                t->sel_b = (b + 1) % NB;
            } else {
                t->cur = 0; t->from_orig = true; t->lo = 0; t->m = n; t->kk = k;
                t->lfsr = t->d_seed[b] ? t->d_seed[b] : 1u;
                t->state = TOPK_S_PIVOT;
            }
        }
        break;
    case TOPK_S_PIVOT: {
        uint32_t x = topk_lfsr_next(t->lfsr);
        uint32_t r = (uint32_t)(((uint64_t)(x >> 16) * t->m) >> 16);
        t->lfsr = x;
        if (t->from_orig) t->pivot = (topk_elem){ t->bank[t->sel_b][t->lo + r], t->lo + r, 0 };
        else t->pivot = t->buf[t->cur][t->lo + r];
        t->g = t->l = 0;
        t->cnt = 0;
        t->st.passes++;
        t->st.pass_cycles++;
        t->d_passes[t->sel_b]++;
        t->state = TOPK_S_PASS;
        break;
    }
    case TOPK_S_PASS: {
        uint32_t base = t->cnt * P;
        uint32_t nv = base < t->m ? (t->m - base < P ? t->m - base : P) : 0;
        if (t->from_orig) {
            topk_elem row[TOPK_MAX_COMPARATORS];
            const uint64_t *src = t->bank[t->sel_b] + t->lo + base;
            for (uint32_t i = 0; i < nv; i++) row[i] = (topk_elem){ src[i], t->lo + base + i, 0 };
            partition(t, row, nv);
        } else {
            partition(t, t->buf[t->cur] + t->lo + base, nv);
        }
        t->st.compares += nv;
        t->st.pass_cycles++;
        if (base + P >= t->m) t->state = TOPK_S_DRAIN;
        else t->cnt++;
        break;
    }
    case TOPK_S_DRAIN:
        t->st.pass_cycles++;
        t->state = TOPK_S_DECIDE;
        break;
    case TOPK_S_DECIDE:
        t->st.pass_cycles++;
        if (narrow(t)) {
            t->d_thr[t->sel_b] = t->thr;
            se_inc = 1;
            t->sel_b = (t->sel_b + 1) % NB;
            t->state = TOPK_S_IDLE;
        } else {
            t->from_orig = false;
            t->state = TOPK_S_PIVOT;
        }
        break;
    default:
        SIM_ASSERT(0);
    }

    /* emit stage: the final filter of the job in bank em_b; a job with k = 0 emits one empty
     * beat carrying `last`, so that every job ends with exactly one `last` beat */
    if (t->em_state == 0) {
        if (t->q_se > 0) { se_dec = 1; t->em_state = 1; t->em_cnt = 0; }
    } else {
        t->st.emit_cycles++;
        if (count_now >= t->D) {
            t->st.out_stall_cycles++;
        } else {
            uint32_t b = t->em_b, n = t->d_n[b], k = t->d_k[b];
            bool kz = k == 0, all = k >= n;
            uint32_t base = t->em_cnt * P, c = 0;
            uint32_t slot = (t->f_head + t->f_count) % t->D;
            uint32_t *oi = t->f_idx + (size_t)slot * P;
            uint64_t *ov = t->f_val + (size_t)slot * P;
            uint32_t ne = kz ? 0 : base < n ? (n - base < P ? n - base : P) : 0;
            const uint64_t *ok = t->bank[b] + base;
            const topk_elem thr = t->d_thr[b];
            t->st.compares += ne;
            for (uint32_t i = 0; i < ne; i++) {
                topk_elem e = { ok[i], base + i, 0 };
                if (all || !beats(thr, e)) { oi[c] = e.i; ov[c] = e.v; c++; }
            }
            for (uint32_t i = c; i < P; i++) { oi[i] = 0; ov[i] = 0; }
            bool last = kz || base + P >= n;
            if (c > 0 || last) {
                t->f_cnt[slot] = c;
                t->f_last[slot] = (uint8_t)last;
                push = true;
            }
            if (last) { t->em_state = 0; bk_dec = 1; t->em_b = (b + 1) % NB; }
            else t->em_cnt++;
        }
    }

    if (pop) {
        t->st.out_beats++;
        t->st.out_pairs += t->f_cnt[t->f_head];
        t->f_head = (t->f_head + 1) % t->D;
    }
    t->f_count = count_now + (push ? 1u : 0u) - (pop ? 1u : 0u);
    t->done_r = pop_last;
    t->q_ls = t->q_ls + ls_inc - ls_dec;
    t->q_se = t->q_se + se_inc - se_dec;
    t->banks = t->banks + bk_inc - bk_dec;
    t->open_jobs = t->open_jobs + open_inc - open_dec;
}

/* ---- job driver ---------------------------------------------------------------------- */

static void serial_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                         cycle_t now)
{
    SIM_ASSERT(!t->j_active);
    SIM_ASSERT(n <= t->cfg.max_n);
    SIM_ASSERT(n == 0 || vals != NULL);
    t->jv = vals; t->jn = n; t->jk = k; t->jseed = seed; t->jfed = 0;
    t->j_active = true; t->j_started = false; t->j_done = false; t->j_fast = false;
    t->j_start = now; t->j_cycles = 0; t->j_passes = 0; t->j_count = 0;
}

void topk_set_fast(topk *t, bool on) { t->fast = on; }


static uint32_t cdiv(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

/* Job-level evaluation of a job that the driver has just started on an idle core (the start
 * handshake is this cycle). The driver offers keys on every LOAD cycle and takes every output
 * beat, and with fifo_depth >= 2 the FIFO never fills (a beat pushed in one cycle is popped in
 * the next), so the job's course follows from its keys alone: the same passes as the core
 * (pick_pivot, partition and narrow: the core's own PIVOT, PASS and DECIDE steps), the same result,
 * the cycle count of docs/arch/topk.md section 5 and the same counter increments, which are
 * added in the DONE cycle. tests/unit/560_topk.cc compares both ways on every counter. */
static void fast_job(topk *t)
{
    const uint32_t P = t->P, n = t->jn, k = t->jk < n ? t->jk : n;
    struct topk_counters *c = &t->j_st;
    memset(c, 0, sizeof *c);
    c->jobs = 1;
    uint64_t T;
    if (n == 0) {
        T = 2;                                     /* start, DONE */
    } else {
        const uint32_t Lc = cdiv(n, t->L), E = cdiv(n, P);
        c->load_cycles = Lc;
        T = 1 + (uint64_t)Lc + 1;                  /* start, LOAD, DONE */
        bool accept_all = k >= n;
        if (k > 0 && !accept_all) {
            topk_elem *b = t->buf[0];
            for (uint32_t i = 0; i < n; i++) b[i] = (topk_elem){ t->jv[i], i, 0 };
            t->cur = 0; t->lo = 0; t->m = n; t->kk = k;
            t->lfsr = t->jseed ? t->jseed : 1u;
            bool found = false;
            while (!found) {
                pick_pivot(t);
                partition(t, t->buf[t->cur] + t->lo, t->m);
                c->passes++;
                c->pass_cycles += cdiv(t->m, P) + 3u;  /* PIVOT, PASS rows, DRAIN, DECIDE */
                c->compares += t->m;
                found = narrow(t);
            }
            T += c->pass_cycles;
        }
        if (k > 0) {                               /* EMIT rows, OUTWAIT */
            const topk_elem thr = t->thr;
            uint32_t cnt = 0;
            for (uint32_t base = 0; base < n; base += P) {
                uint32_t ne = n - base < P ? n - base : P, c0 = cnt;
                for (uint32_t i = base; i < base + ne; i++) {
                    t->res[cnt] = i;
                    cnt += accept_all || !beats(thr, (topk_elem){ t->jv[i], i, 0 });
                }
                if (cnt > c0 || base + P >= n) c->out_beats++;
            }
            t->j_count = cnt;
            c->out_pairs = cnt;
            c->compares += n;
            c->emit_cycles = E;
            T += (uint64_t)E + 1;
        }
    }
    c->busy_cycles = T - 1;                        /* every cycle but the start (IDLE) one */
    t->j_due = t->j_start + T - 1;
    t->j_cycles = T;
    t->j_passes = (uint32_t)c->passes;
    t->f_head = (uint32_t)((t->f_head + c->out_beats) % t->D);
}

static void counters_add(struct topk_counters *d, const struct topk_counters *s)
{
    d->jobs += s->jobs; d->busy_cycles += s->busy_cycles; d->load_cycles += s->load_cycles;
    d->load_stall_cycles += s->load_stall_cycles; d->passes += s->passes;
    d->pass_cycles += s->pass_cycles; d->compares += s->compares;
    d->emit_cycles += s->emit_cycles; d->out_stall_cycles += s->out_stall_cycles;
    d->out_beats += s->out_beats; d->out_pairs += s->out_pairs;
}

static unsigned serial_tick(topk *t, cycle_t now)
{
    if (!t->j_active) return 0;
    if (t->j_fast) {                               /* job-level: only the DONE cycle acts */
        if (now < t->j_due) return 0;
        counters_add(&t->st, &t->j_st);
        t->j_active = false;
        t->j_done = true;
        return 1;
    }
    if (!t->j_started && t->state == TOPK_S_IDLE && t->fast && t->D >= 2 && !t->broken &&
        t->f_count == 0) {
        t->j_started = true;
        t->j_fast = true;
        t->j_start = now;
        fast_job(t);
        return 1;
    }
    /* The driver reads the core's Moore outputs straight from its registers (the same values
     * topk_core_outputs reports) and drives its inputs: start until accepted, the next L keys
     * while any are left (in_data points into the job's keys: the core reads only lanes below
     * n), out_ready always. */
    topk_in in;
    in.start = false;
    in.n = in.k = in.seed = 0;
    in.in_valid = false;
    in.in_data = NULL;
    in.out_ready = true;
    bool started_now = false;
    if (!t->j_started && t->state == TOPK_S_IDLE) {
        in.start = true;
        in.n = t->jn; in.k = t->jk; in.seed = t->jseed;
        t->j_started = true;
        started_now = true;
        t->j_start = now;
        t->j_passes = (uint32_t)t->st.passes;   /* baseline; difference taken at done */
    }
    if (t->jfed < t->jn) {
        in.in_valid = true;
        in.in_data = t->jv + t->jfed;
        if (t->state == TOPK_S_LOAD) t->jfed += t->L;
    }
    if (t->f_count > 0) {
        uint32_t h = t->f_head, c = t->f_cnt[h];
        const uint32_t *oi = t->f_idx + (size_t)h * t->P;
        SIM_ASSERT(t->j_count + c <= t->cfg.max_n);
        memcpy(t->res + t->j_count, oi, c * sizeof *oi);
        t->j_count += c;
    }
    if (t->state == TOPK_S_DONE && t->j_started && !started_now) {
        t->j_active = false;
        t->j_done = true;
        t->j_cycles = now - t->j_start + 1;
        t->j_passes = (uint32_t)(t->st.passes - t->j_passes);
        t->st.jobs++;
        SIM_ASSERT(t->j_count == (t->jk < t->jn ? t->jk : t->jn));
    }
    topk_core_clock(t, &in);
    return 1;
}

/* ---- pipelined driver ------------------------------------------------------------------ */

static topk_job *pjob(topk *t, uint32_t i) { return &t->jobs[(t->jr_head + i) % TOPK_PIPE_JOBS]; }
static const topk_job *pjob_c(const topk *t, uint32_t i)
{
    return &t->jobs[(t->jr_head + i) % TOPK_PIPE_JOBS];
}

/* Jobs in the ring that are not done yet (they hold the engine). */
static bool pipe_busy(const topk *t)
{
    for (uint32_t i = 0; i < t->jr_count; i++)
        if (!pjob_c(t, i)->done) return true;
    return false;
}

static bool pipe_can_accept(const topk *t, cycle_t now)
{
    if (t->jr_count >= TOPK_PIPE_JOBS) return false;
    if (!pipe_busy(t)) return true;                /* an empty engine: the core is idle */
    if (t->p_fast)
        return now >= t->f_ld_free && now >= t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS];
    for (uint32_t i = 0; i < t->jr_count; i++)     /* one start waits for its handshake */
        if (!pjob_c(t, i)->handshaken) return false;
    return t->ld_state == 0 && t->banks < TOPK_PIPE_BANKS;
}

/* Job-level evaluation of a pipelined job started in cycle `now` (the start handshake is this
 * cycle: topk_can_accept held). Its selection is the serial fast path's (the same pivots and
 * partitions on buf[]), its stage times and DONE cycle follow docs/arch/topk.md section 8:
 *   LE = now + Lc,  SS = max(LE + 1, select free),  SE = SS + S,
 *   ES = max(SE + 1, emit free),  EE = ES + E,  DONE = EE + 2. */
static void pipe_fast_job(topk *t, topk_job *j, cycle_t now)
{
    const uint32_t P = t->P, n = j->n, k = j->k < n ? j->k : n;
    struct topk_counters *c = &j->c;
    memset(c, 0, sizeof *c);
    c->jobs = 1;
    uint64_t S = 0;
    uint32_t cnt = 0;
    if (k > 0 && k < n) {
        topk_elem *b = t->buf[0];
        for (uint32_t i = 0; i < n; i++) b[i] = (topk_elem){ j->vals[i], i, 0 };
        t->cur = 0; t->lo = 0; t->m = n; t->kk = k;
        t->lfsr = j->seed ? j->seed : 1u;
        bool found = false;
        while (!found) {
            pick_pivot(t);
            partition(t, t->buf[t->cur] + t->lo, t->m);
            c->passes++;
            S += cdiv(t->m, P) + 3u;
            c->compares += t->m;
            found = narrow(t);
        }
        c->pass_cycles = S;
    }
    uint64_t E = 1;
    if (k == 0) {
        c->out_beats = 1;                          /* the empty `last` beat */
    } else {
        const topk_elem thr = t->thr;
        const bool all = k >= n;
        for (uint32_t base = 0; base < n; base += P) {
            uint32_t ne = n - base < P ? n - base : P, c0 = cnt;
            for (uint32_t i = base; i < base + ne; i++) {
                j->res[cnt] = i;
                cnt += all || !beats(thr, (topk_elem){ j->vals[i], i, 0 });
            }
            if (cnt > c0 || base + P >= n) c->out_beats++;
        }
        c->compares += n;
        E = cdiv(n, P);
    }
    c->out_pairs = cnt;
    c->emit_cycles = E;
    const uint64_t Lc = n ? cdiv(n, t->L) : 0;
    c->load_cycles = Lc;
    cycle_t le = now + Lc;
    cycle_t ss = le + 1 > t->f_sel_free ? le + 1 : t->f_sel_free;
    cycle_t se = ss + S;
    cycle_t es = se + 1 > t->f_em_free ? se + 1 : t->f_em_free;
    cycle_t ee = es + E;
    j->due = ee + 2;
    c->busy_cycles = j->due - (now > t->f_busy_end ? now : t->f_busy_end);
    t->f_busy_end = j->due;
    t->f_ld_free = le + 1;
    t->f_sel_free = se + 1;
    t->f_em_free = ee + 1;
    t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS] = ee + 1;
    t->f_jobno++;
    j->count = cnt;
    j->passes = (uint32_t)c->passes;
    j->cycles = j->due - now + 1;
    j->handshaken = true;
    j->beats_done = true;
}

static void pipe_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                       cycle_t now)
{
    SIM_ASSERT(n <= t->cfg.max_n);
    SIM_ASSERT(n == 0 || vals != NULL);
    SIM_ASSERT(pipe_can_accept(t, now));
    if (!pipe_busy(t)) t->p_fast = t->fast && t->D >= 2 && !t->broken;  /* mode per busy span */
    topk_job *j = pjob(t, t->jr_count++);
    if (j->cap < n) {
        free(j->vals);
        j->vals = sim_xcalloc(n, sizeof *j->vals);
        j->cap = n;
    }
    if (n) memcpy(j->vals, vals, n * sizeof *vals);
    j->n = n; j->k = k; j->seed = seed;
    j->fed = 0; j->bank = 0;
    j->handshaken = j->beats_done = j->done = false;
    j->ls = now; j->due = CYCLE_NEVER; j->cycles = 0; j->passes = 0; j->count = 0;
    t->p_last_start = now;
    if (t->p_fast) pipe_fast_job(t, j, now);
}

static unsigned pipe_tick(topk *t, cycle_t now)
{
    if (t->p_fast) {
        unsigned acted = t->p_last_start == now && t->jr_count > 0;
        for (uint32_t i = 0; i < t->jr_count; i++) {
            topk_job *j = pjob(t, i);
            if (j->done) continue;
            if (j->due > now) break;
            counters_add(&t->st, &j->c);
            j->done = true;
            acted = 1;
        }
        return acted;
    }
    if (!pipe_busy(t)) return 0;
    /* The driver: start for the job waiting for its handshake; the next keys of the job being
     * loaded (the oldest handshaken job with keys left); out_ready always; output beats go to
     * the oldest job whose last beat has not come; a done pulse finishes the oldest job whose
     * last beat has come. */
    topk_out o;
    topk_core_outputs(t, &o);
    topk_in in;
    memset(&in, 0, sizeof in);
    in.out_ready = true;
    topk_job *js = NULL, *jf = NULL, *jc = NULL, *jd = NULL;
    for (uint32_t i = 0; i < t->jr_count; i++) {
        topk_job *j = pjob(t, i);
        if (!j->handshaken) { if (!js) js = j; continue; }
        if (j->fed < j->n && !jf) jf = j;
        if (!j->beats_done && !jc) jc = j;
        if (j->beats_done && !j->done && !jd) jd = j;
    }
    if (js && o.start_ready) {
        in.start = true;
        in.n = js->n; in.k = js->k; in.seed = js->seed;
        js->handshaken = true;
        js->ls = now;
        js->bank = t->ld_b;
    }
    if (jf) {
        in.in_valid = true;
        in.in_data = jf->vals + jf->fed;
        if (o.in_ready) jf->fed = jf->n - jf->fed < t->L ? jf->n : jf->fed + t->L;
    }
    if (o.out_valid) {
        SIM_ASSERT(jc != NULL && jc->count + o.out_count <= t->cfg.max_n);
        memcpy(jc->res + jc->count, o.out_idx, o.out_count * sizeof *o.out_idx);
        jc->count += o.out_count;
        if (o.out_last) jc->beats_done = true;
    }
    if (o.done) {
        SIM_ASSERT(jd != NULL);
        jd->done = true;
        jd->cycles = now - jd->ls + 1;
        jd->passes = t->d_passes[jd->bank];
        SIM_ASSERT(jd->count == (jd->k < jd->n ? jd->k : jd->n));
    }
    topk_core_clock(t, &in);
    return 1;
}

static cycle_t pipe_next_event(const topk *t, cycle_t now)
{
    if (!pipe_busy(t)) return CYCLE_NEVER;
    if (!t->p_fast) return now + 1;
    cycle_t ev = CYCLE_NEVER;
    for (uint32_t i = 0; i < t->jr_count; i++) {
        const topk_job *j = pjob_c(t, i);
        if (!j->done) { ev = j->due; break; }
    }
    cycle_t acc = t->f_ld_free > t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS]
                      ? t->f_ld_free : t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS];
    if (acc > now && acc < ev) ev = acc;
    return ev > now ? ev : now + 1;
}

/* ---- public job interface: both variants ---------------------------------------------- */

static bool pipelined(const topk *t) { return t->cfg.variant == TOPK_PIPELINED; }

uint32_t topk_variant_of(const topk *t) { return t->cfg.variant; }

bool topk_can_accept(const topk *t, cycle_t now)
{
    return pipelined(t) ? pipe_can_accept(t, now) : !t->j_active;
}

void topk_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                cycle_t now)
{
    if (pipelined(t)) pipe_start(t, vals, n, k, seed, now);
    else serial_start(t, vals, n, k, seed, now);
}

bool topk_busy(const topk *t) { return pipelined(t) ? pipe_busy(t) : t->j_active; }

bool topk_done(const topk *t)
{
    if (!pipelined(t)) return t->j_done;
    return t->jr_count > 0 && pjob_c(t, 0)->done;
}

unsigned topk_tick(topk *t, cycle_t now)
{
    return pipelined(t) ? pipe_tick(t, now) : serial_tick(t, now);
}

uint32_t topk_result(const topk *t, const uint32_t **idx)
{
    SIM_ASSERT(topk_done(t));
    if (pipelined(t)) {
        if (idx) *idx = pjob_c(t, 0)->res;
        return pjob_c(t, 0)->count;
    }
    if (idx) *idx = t->res;
    return t->j_count;
}

void topk_retire(topk *t)
{
    SIM_ASSERT(topk_done(t));
    if (!pipelined(t)) { t->j_done = false; return; }
    const topk_job *j = pjob_c(t, 0);
    t->j_cycles = j->cycles;                       /* kept for topk_job_cycles afterwards */
    t->j_passes = j->passes;
    t->jr_head = (t->jr_head + 1) % TOPK_PIPE_JOBS;
    t->jr_count--;
}

cycle_t topk_next_event(const topk *t, cycle_t now)
{
    if (pipelined(t)) return pipe_next_event(t, now);
    if (!t->j_active) return CYCLE_NEVER;
    if (t->j_fast) return t->j_due > now ? t->j_due : now + 1;
    return now + 1;
}

uint64_t topk_job_cycles(const topk *t)
{
    if (pipelined(t) && topk_done(t)) return pjob_c(t, 0)->cycles;
    return t->j_cycles;
}

uint32_t topk_job_passes(const topk *t)
{
    if (pipelined(t) && topk_done(t)) return pjob_c(t, 0)->passes;
    return t->j_passes;
}

uint64_t topk_compares(const topk *t) { return t->st.compares; }
uint64_t topk_busy_cycles(const topk *t) { return t->st.busy_cycles; }
