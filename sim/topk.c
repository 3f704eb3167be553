/* topk.c - the top-k engine model (see topk.h and docs/arch/topk.md).
 * The core mirrors rtl/topk/topk.v register for register; the job driver wraps the core. */
#include "topk.h"

#include <stdlib.h>
#include <string.h>

#define TOPK_LFSR_TAPS 0x80200003u

typedef struct topk_elem { uint64_t v; uint32_t i; } topk_elem;  /* key and original index */

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
    bool     s1_valid;         /* compare stage -> zero-eliminator stage register */
    topk_elem *s1_e;           /* [P] */
    uint8_t  *s1_gm, *s1_lm;   /* [P] masks: beats pivot / beaten by pivot */
    /* output FIFO of beats */
    uint32_t f_head, f_count;
    uint32_t *f_cnt;           /* [D] pairs per beat */
    uint8_t  *f_last;          /* [D] */
    uint32_t *f_idx;           /* [D * P] */
    uint64_t *f_val;           /* [D * P] */
    /* memories */
    uint64_t *orig;            /* [max_n] keys in index order */
    topk_elem *buf[2];         /* [max_n] ping-pong partition buffers */
    topk_elem *comp;           /* [P] scratch for compaction (not a register) */

    /* ---- job driver ---- */
    const uint64_t *jv;        /* keys of the current job */
    uint32_t jn, jk, jseed, jfed;
    bool     j_active, j_started, j_done;
    cycle_t  j_start;
    uint64_t j_cycles;
    uint32_t j_passes, j_count;
    uint32_t *res;             /* [max_n] result indices */
    uint64_t *lane_buf;        /* [L] padded input beat */

    /* ---- counters ---- */
    struct {
        uint64_t jobs, busy_cycles, load_cycles, load_stall_cycles, passes, pass_cycles,
                 compares, emit_cycles, out_stall_cycles, out_beats, out_pairs;
    } st;
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
}

int topk_cfg_check(const topk_cfg *c, sim_err *err)
{
    if (c->comparators < 1 || c->comparators > TOPK_MAX_COMPARATORS)
        return sim_errf(err, SIM_EINVAL, "topk: comparators = %u is out of range [1, %u]",
                        c->comparators, TOPK_MAX_COMPARATORS);
    if (c->in_lanes < 1 || c->in_lanes > TOPK_MAX_LANES)
        return sim_errf(err, SIM_EINVAL, "topk: in_lanes = %u is out of range [1, %u]",
                        c->in_lanes, TOPK_MAX_LANES);
    if (c->max_n < 1 || c->max_n > TOPK_MAX_N)
        return sim_errf(err, SIM_EINVAL, "topk: max_n = %u is out of range [1, %u]",
                        c->max_n, TOPK_MAX_N);
    if (c->fifo_depth < 1 || c->fifo_depth > TOPK_MAX_FIFO)
        return sim_errf(err, SIM_EINVAL, "topk: fifo_depth = %u is out of range [1, %u]",
                        c->fifo_depth, TOPK_MAX_FIFO);
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
    t->s1_e = sim_xcalloc(t->P, sizeof *t->s1_e);
    t->s1_gm = sim_xcalloc(t->P, 1);
    t->s1_lm = sim_xcalloc(t->P, 1);
    t->f_cnt = sim_xcalloc(t->D, sizeof *t->f_cnt);
    t->f_last = sim_xcalloc(t->D, 1);
    t->f_idx = sim_xcalloc((size_t)t->D * t->P, sizeof *t->f_idx);
    t->f_val = sim_xcalloc((size_t)t->D * t->P, sizeof *t->f_val);
    t->orig = sim_xcalloc(cfg->max_n, sizeof *t->orig);
    t->buf[0] = sim_xcalloc(cfg->max_n, sizeof *t->buf[0]);
    t->buf[1] = sim_xcalloc(cfg->max_n, sizeof *t->buf[1]);
    t->comp = sim_xcalloc(t->P, sizeof *t->comp);
    t->res = sim_xcalloc(cfg->max_n, sizeof *t->res);
    t->lane_buf = sim_xcalloc(t->L, sizeof *t->lane_buf);
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
    free(t->s1_e); free(t->s1_gm); free(t->s1_lm);
    free(t->f_cnt); free(t->f_last); free(t->f_idx); free(t->f_val);
    free(t->orig); free(t->buf[0]); free(t->buf[1]); free(t->comp);
    free(t->res); free(t->lane_buf);
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
    t->s1_valid = false;
    t->f_head = t->f_count = 0;
}

/* a beats b: larger key, or equal key and lower index. */
static inline bool beats(topk_elem a, topk_elem b)
{
    return a.v > b.v || (a.v == b.v && a.i < b.i);
}

void topk_core_outputs(const topk *t, topk_out *o)
{
    memset(o, 0, sizeof *o);
    o->start_ready = t->state == TOPK_S_IDLE;
    o->in_ready = t->state == TOPK_S_LOAD;
    o->done = t->state == TOPK_S_DONE;
    o->state = t->state;
    o->m = t->m;
    o->out_valid = t->f_count > 0;
    uint32_t h = t->f_head;
    o->out_last = o->out_valid && t->f_last[h];
    o->out_count = o->out_valid ? t->f_cnt[h] : 0;
    o->out_idx = t->f_idx + (size_t)h * t->P;
    o->out_val = t->f_val + (size_t)h * t->P;
}

/* Zero-eliminator stage: write the compacted survivors of the stage register into the
 * destination buffer (G from the bottom up, L from the top down). */
static void ze_stage(topk *t)
{
    if (!t->s1_valid) return;
    topk_elem *dst = t->buf[t->cur ^ 1u];
    uint32_t top = t->cfg.max_n - 1;
    uint32_t ng = 0, nl = 0;
    for (uint32_t i = 0; i < t->P; i++) {
        if (t->s1_gm[i]) dst[t->g + ng++] = t->s1_e[i];
        if (t->s1_lm[i]) dst[top - (t->l + nl++)] = t->s1_e[i];
    }
    t->g += ng;
    t->l += nl;
}

void topk_core_clock(topk *t, const topk_in *in)
{
    const uint32_t P = t->P, L = t->L;
    /* Output FIFO pop (head consumed this cycle); the slot frees for the next cycle. */
    bool pop = t->f_count > 0 && in->out_ready;
    bool pop_last = pop && t->f_last[t->f_head];
    uint32_t count_now = t->f_count;     /* registered occupancy seen by the producer */
    bool push = false;

    if (t->state != TOPK_S_IDLE) t->st.busy_cycles++;

    /* Stage 2 (zero eliminator + buffer write) consumes the old stage register first. */
    ze_stage(t);
    bool s1_next = false;

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
        for (uint32_t i = 0; i < L; i++) {
            uint32_t j = t->cnt + i;
            if (j < t->n) {
                t->orig[j] = in->in_data[i];
                t->buf[0][j].v = in->in_data[i];
                t->buf[0][j].i = j;
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
    case TOPK_S_PIVOT: {
        uint32_t x = topk_lfsr_next(t->lfsr);
        uint32_t r = (uint32_t)(((uint64_t)(x >> 16) * t->m) >> 16);
        t->lfsr = x;
        t->pivot = t->buf[t->cur][t->lo + r];
        t->g = 0; t->l = 0; t->cnt = 0;
        t->st.passes++;
        t->state = TOPK_S_PASS;
        break;
    }
    case TOPK_S_PASS: {
        const topk_elem *src = t->buf[t->cur];
        uint32_t base = t->cnt * P;
        for (uint32_t i = 0; i < P; i++) {
            bool valid = base + i < t->m;
            topk_elem e = { 0, 0 };
            if (valid) { e = src[t->lo + base + i]; t->st.compares++; }
            t->s1_e[i] = e;
            t->s1_gm[i] = (uint8_t)(valid && beats(e, t->pivot));
            t->s1_lm[i] = (uint8_t)(valid && beats(t->pivot, e));
        }
        s1_next = true;
        bool last = t->broken ? base + P > t->m : base + P >= t->m;
        if (last) t->state = TOPK_S_DRAIN;
        else t->cnt++;
        break;
    }
    case TOPK_S_DRAIN:
        t->state = TOPK_S_DECIDE;
        break;
    case TOPK_S_DECIDE:
        if (t->kk <= t->g) {
            t->cur ^= 1u; t->lo = 0; t->m = t->g;
            t->state = TOPK_S_PIVOT;
        } else if (t->kk == t->g + 1) {
            t->thr = t->pivot;
            t->cnt = 0;
            t->state = TOPK_S_EMIT;
        } else {
            t->cur ^= 1u; t->lo = t->cfg.max_n - t->l; t->m = t->l;
            t->kk -= t->g + 1;
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
        for (uint32_t i = 0; i < P; i++) {
            uint32_t j = base + i;
            if (j >= t->n) continue;
            topk_elem e = { t->orig[j], j };
            t->st.compares++;
            if (t->accept_all || !beats(t->thr, e)) { oi[c] = j; ov[c] = e.v; c++; }
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

    t->s1_valid = s1_next;
    if (pop) {
        t->st.out_beats++;
        t->st.out_pairs += t->f_cnt[t->f_head];
        t->f_head = (t->f_head + 1) % t->D;
    }
    t->f_count = count_now + (push ? 1u : 0u) - (pop ? 1u : 0u);
}

/* ---- job driver ---------------------------------------------------------------------- */

void topk_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                cycle_t now)
{
    SIM_ASSERT(!t->j_active);
    SIM_ASSERT(n <= t->cfg.max_n);
    SIM_ASSERT(n == 0 || vals != NULL);
    t->jv = vals; t->jn = n; t->jk = k; t->jseed = seed; t->jfed = 0;
    t->j_active = true; t->j_started = false; t->j_done = false;
    t->j_start = now; t->j_cycles = 0; t->j_passes = 0; t->j_count = 0;
}

bool topk_busy(const topk *t) { return t->j_active; }
bool topk_done(const topk *t) { return t->j_done; }

unsigned topk_tick(topk *t, cycle_t now)
{
    if (!t->j_active) return 0;
    topk_out o;
    topk_core_outputs(t, &o);
    topk_in in;
    memset(&in, 0, sizeof in);
    if (!t->j_started && o.start_ready) {
        in.start = true;
        in.n = t->jn; in.k = t->jk; in.seed = t->jseed;
        t->j_started = true;
        t->j_start = now;
        t->j_passes = (uint32_t)t->st.passes;   /* baseline; difference taken at done */
    }
    if (t->jfed < t->jn) {
        for (uint32_t i = 0; i < t->L; i++) {
            uint32_t j = t->jfed + i;
            t->lane_buf[i] = j < t->jn ? t->jv[j] : 0;
        }
        in.in_valid = true;
        in.in_data = t->lane_buf;
        if (o.in_ready) t->jfed += t->L;
    }
    in.out_ready = true;
    if (o.out_valid) {
        for (uint32_t i = 0; i < o.out_count; i++) {
            SIM_ASSERT(t->j_count < t->cfg.max_n);
            t->res[t->j_count++] = o.out_idx[i];
        }
    }
    if (o.done && t->j_started && !in.start) {
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

uint32_t topk_result(const topk *t, const uint32_t **idx)
{
    SIM_ASSERT(t->j_done);
    if (idx) *idx = t->res;
    return t->j_count;
}

cycle_t topk_next_event(const topk *t, cycle_t now)
{
    return t->j_active ? now : CYCLE_NEVER;
}

uint64_t topk_job_cycles(const topk *t) { return t->j_cycles; }
uint32_t topk_job_passes(const topk *t) { return t->j_passes; }
