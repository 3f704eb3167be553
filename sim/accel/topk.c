/* topk.c - the top-k engine model (see topk.h and docs/arch/topk.md).
 * The core mirrors rtl/topk/topk.v register for register (except the compare-stage register,
 * folded into PASS: see struct topk); the job driver wraps the core. */
#include "accel/topk.h"
#include "accel/topk_int.h"

#include <stdlib.h>
#include <string.h>

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

void topk_core_clock(topk *t, const topk_in *in)
{
    if (t->cfg.variant == TOPK_PIPELINED) { topk_pipe_clock(t, in); return; }
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

/* ---- public job interface: both variants ---------------------------------------------- */

static bool pipelined(const topk *t) { return t->cfg.variant == TOPK_PIPELINED; }

uint32_t topk_variant_of(const topk *t) { return t->cfg.variant; }

bool topk_can_accept(const topk *t, cycle_t now)
{
    return pipelined(t) ? topk_pipe_can_accept(t, now) : !t->j_active;
}

void topk_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                cycle_t now)
{
    if (pipelined(t)) topk_pipe_start(t, vals, n, k, seed, now);
    else serial_start(t, vals, n, k, seed, now);
}

bool topk_busy(const topk *t) { return pipelined(t) ? topk_pipe_busy(t) : t->j_active; }

bool topk_done(const topk *t)
{
    if (!pipelined(t)) return t->j_done;
    return t->jr_count > 0 && topk_pipe_job(t, 0)->done;
}

unsigned topk_tick(topk *t, cycle_t now)
{
    return pipelined(t) ? topk_pipe_tick(t, now) : serial_tick(t, now);
}

uint32_t topk_result(const topk *t, const uint32_t **idx)
{
    SIM_ASSERT(topk_done(t));
    if (pipelined(t)) {
        if (idx) *idx = topk_pipe_job(t, 0)->res;
        return topk_pipe_job(t, 0)->count;
    }
    if (idx) *idx = t->res;
    return t->j_count;
}

void topk_retire(topk *t)
{
    SIM_ASSERT(topk_done(t));
    if (!pipelined(t)) { t->j_done = false; return; }
    const topk_job *j = topk_pipe_job(t, 0);
    t->j_cycles = j->cycles;                       /* kept for topk_job_cycles afterwards */
    t->j_passes = j->passes;
    t->jr_head = (t->jr_head + 1) % TOPK_PIPE_JOBS;
    t->jr_count--;
}

cycle_t topk_next_event(const topk *t, cycle_t now)
{
    if (pipelined(t)) return topk_pipe_next_event(t, now);
    if (!t->j_active) return CYCLE_NEVER;
    if (t->j_fast) return t->j_due > now ? t->j_due : now + 1;
    return now + 1;
}

uint64_t topk_job_cycles(const topk *t)
{
    if (pipelined(t) && topk_done(t)) return topk_pipe_job(t, 0)->cycles;
    return t->j_cycles;
}

uint32_t topk_job_passes(const topk *t)
{
    if (pipelined(t) && topk_done(t)) return topk_pipe_job(t, 0)->passes;
    return t->j_passes;
}

uint64_t topk_compares(const topk *t) { return t->st.compares; }
uint64_t topk_busy_cycles(const topk *t) { return t->st.busy_cycles; }
