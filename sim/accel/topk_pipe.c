/* topk_pipe.c - the pipelined top-k engine (TOPK_PIPELINED; docs/arch/topk.md section 8,
 * rtl/topk/topk_pipe.v): its three-stage core and its job driver. */
#include "accel/topk_int.h"

/* ---- pipelined core (docs/arch/topk.md section 8; rtl/topk/topk_pipe.v) ---------------- */

/* One clock of the three stages. Each stage reads only registered state (its own, the job
 * counts q_ls / q_se / banks of the start of the cycle), so their order below does not matter;
 * the counts are updated once at the end, as the RTL's nonblocking assignments do. */
void topk_pipe_clock(topk *t, const topk_in *in)
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

/* ---- pipelined driver ------------------------------------------------------------------ */

static topk_job *pjob(topk *t, uint32_t i) { return &t->jobs[(t->jr_head + i) % TOPK_PIPE_JOBS]; }
const topk_job *topk_pipe_job(const topk *t, uint32_t i)
{
    return &t->jobs[(t->jr_head + i) % TOPK_PIPE_JOBS];
}

/* Jobs in the ring that are not done yet (they hold the engine). */
bool topk_pipe_busy(const topk *t)
{
    for (uint32_t i = 0; i < t->jr_count; i++)
        if (!topk_pipe_job(t, i)->done) return true;
    return false;
}

bool topk_pipe_can_accept(const topk *t, cycle_t now)
{
    if (t->jr_count >= TOPK_PIPE_JOBS) return false;
    if (!topk_pipe_busy(t)) return true;                /* an empty engine: the core is idle */
    if (t->p_fast)
        return now >= t->f_ld_free && now >= t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS];
    for (uint32_t i = 0; i < t->jr_count; i++)     /* one start waits for its handshake */
        if (!topk_pipe_job(t, i)->handshaken) return false;
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

void topk_pipe_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                       cycle_t now)
{
    SIM_ASSERT(n <= t->cfg.max_n);
    SIM_ASSERT(n == 0 || vals != NULL);
    SIM_ASSERT(topk_pipe_can_accept(t, now));
    if (!topk_pipe_busy(t)) t->p_fast = t->fast && t->D >= 2 && !t->broken;  /* mode per busy span */
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

unsigned topk_pipe_tick(topk *t, cycle_t now)
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
    if (!topk_pipe_busy(t)) return 0;
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

cycle_t topk_pipe_next_event(const topk *t, cycle_t now)
{
    if (!topk_pipe_busy(t)) return CYCLE_NEVER;
    if (!t->p_fast) return now + 1;
    cycle_t ev = CYCLE_NEVER;
    for (uint32_t i = 0; i < t->jr_count; i++) {
        const topk_job *j = topk_pipe_job(t, i);
        if (!j->done) { ev = j->due; break; }
    }
    cycle_t acc = t->f_ld_free > t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS]
                      ? t->f_ld_free : t->f_bank_free[t->f_jobno % TOPK_PIPE_BANKS];
    if (acc > now && acc < ev) ev = acc;
    return ev > now ? ev : now + 1;
}
