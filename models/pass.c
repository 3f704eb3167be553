/* pass.c - one (step, layer) pass of the fixed-point (golden) model: per-head Q/K/V
 * projections, attention in the accelerator's arithmetic under the policy, the rest of the layer,
 * and the trace pass (docs/model.md). */
#include "models/model_int.h"
#include "models/kern.h"
#include "trace/fxp.h"
#include "trace/pol.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixed-point (golden) pass ---- */



static int16_t *cache_row(const ctx *c, int16_t *base, uint32_t l, uint32_t h, uint32_t pos)
{
    return base + (((size_t)l * c->H + h) * c->n_total + pos) * c->dh;
}

/* What one head adds to the shared state; reduced in head order after the heads ran, so the
 * result is the same for any number of threads (docs/performance.md). */
typedef struct hacc {
    uint64_t *imp;             /* [nS] token importance added, S order */
    double   *ent;             /* [nq] row entropies, row order */
    uint64_t  habs;            /* head importance added */
    uint32_t  any;             /* rows that re-fetched LSBs */
    uint32_t  kn;              /* keys some row needs */
} hacc;

/* Attention of one head over keys S for query rows S[q0..), in fixed point. Kq/Vq: the key
 * and value rows in S order [nS][dh]. Writes out[nq][dh] and a; the calibration statistics
 * (c->cal) are updated in place, so calibration runs use one thread. */
static void attn_fxp_head(const ctx *c, const model_pass_io *io, uint32_t hi, const int16_t *Qq,
                          const int16_t *Kq, const int16_t *Vq, int32_t *out, uint8_t *lsb,
                          uint32_t *vcnt, const uint8_t *blk, hacc *a)
{
    const uint32_t n = io->nS, d = c->dh, nq = n - io->q0, h = io->Hs[hi];
    const fxp_fmt *f = &c->fmt;
    const spt_policy *P = &c->pol;
    const uint32_t B = P->mask_block, nbc = blk ? (uint32_t)sim_ceil_div(n, B) : 0;
    int16_t *Kt = sim_xmalloc((size_t)d * n * sizeof *Kt + 8);
    int16_t *Kmt = P->progressive ? sim_xmalloc((size_t)d * n * sizeof *Kmt + 8) : NULL;
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t k = 0; k < d; k++) {
            int16_t kv = Kq[(size_t)j * d + k];
            Kt[(size_t)k * n + j] = kv;
            if (Kmt) Kmt[(size_t)k * n + j] = fxp_k_msb_only(kv, f);
        }
    int32_t *s = sim_xmalloc((size_t)n * sizeof *s + 8);
    uint32_t *p = sim_xmalloc((size_t)n * sizeof *p + 8);
    uint8_t *mask = blk ? sim_xmalloc((size_t)n + 8) : NULL;
    uint32_t *cand = sim_xmalloc((size_t)n * sizeof *cand + 8);
    uint32_t *sel = sim_xmalloc((size_t)n * sizeof *sel + 8);
    uint64_t *vals = sim_xmalloc((size_t)n * sizeof *vals + 8);
    calib *cal = c->cal;
    uint64_t habs = 0;
    uint8_t *used = blk ? sim_xcalloc((size_t)n + 8, 1) : NULL;   /* key needed by some row */
    for (uint32_t r = 0; r < nq; r++) {
        const uint32_t i = io->q0 + r;                /* row index within S */
        const uint32_t nk = c->m->gpt2 ? i + 1 : n;   /* causal: keys up to the query */
        const int16_t *q = Qq + (size_t)r * d;
        if (mask) {
            /* in summarization row r is block row r / B; in generation the single row uses the
             * mask row of its position (tp blk rows are pass-local, see trace.h) */
            for (uint32_t j = 0; j < nk; j++) mask[j] = blk[(size_t)(r / B) * nbc + j / B];
        }
        uint32_t pmax;
        bool refetch = false;
        if (P->progressive) {
            kern_scores_i16(q, Kmt, n, nk, d, s);
            pmax = fxp_softmax(s, mask, nk, f, p);
            refetch = pol_needs_lsb(P, f, pmax);
        }
        if (!P->progressive || refetch) {
            kern_scores_i16(q, Kt, n, nk, d, s);
            (void)fxp_softmax(s, mask, nk, f, p);
        }
        if (lsb) lsb[r] = refetch;
        if (refetch) a->any++;
        /* candidates: unmasked keys; local V keeps the top ratio_count of them by p */
        uint32_t m = 0;
        for (uint32_t j = 0; j < nk; j++)
            if (!mask || !mask[j]) {
                cand[m++] = j;
                if (used) used[j] = 1;
            }
        uint32_t kv = pol_v_keep(P, m), nsel = 0;
        if (kv < m) {
            for (uint32_t j = 0; j < m; j++) vals[j] = p[cand[j]];
            fxp_topk_ref(vals, m, kv, sel);
            for (uint32_t j = 0; j < kv; j++)
                if (p[cand[sel[j]]]) sel[nsel++] = cand[sel[j]];
        } else {
            for (uint32_t j = 0; j < m; j++)
                if (p[cand[j]]) sel[nsel++] = cand[j];
        }
        if (vcnt) vcnt[r] = kv;
        /* zero probabilities contribute nothing: skipping them leaves the result bit-identical */
        int32_t *o = out + (size_t)r * d;
        fxp_pv(p, Vq, sel, nsel, nk, f, o);
        for (uint32_t k = 0; k < d; k++) habs += (uint64_t)(o[k] < 0 ? -(int64_t)o[k] : o[k]);
        /* importance and statistics from the probabilities actually used */
        double ent = 0.0;
        for (uint32_t j = 0; j < nk; j++) {
            a->imp[j] += p[j];
            ent += c->ent_tab[p[j]];
        }
        a->ent[r] = ent;
        if (cal) {
            size_t lh = (size_t)io->l * c->H + h;
            cal->ent[lh] += ent;
            cal->rows[lh]++;
            double tv = 0.0, u = 1.0 / (double)m, one = ldexp(1.0, (int)f->prob_bits);
            for (uint32_t j = 0; j < m; j++) {
                uint32_t pj = p[cand[j]];
                if (pj < cal->eps_q) cal->sparse[lh]++;
                tv += fabs((double)pj / one - u);
            }
            cal->valid[lh] += m;
            cal->tv[lh] += 0.5 * tv;
            if (cal->blk) {
                const uint32_t pi = io->S[i];
                uint64_t *row = cal->blk + ((size_t)io->l * cal->nb + pi / cal->B) * cal->nb;
                for (uint32_t j = 0; j < nk; j++) row[io->S[j] / cal->B] += p[j];
            }
        }
    }
    a->habs = habs;
    uint32_t kn = n;
    if (used) {
        kn = 0;
        for (uint32_t j = 0; j < n; j++) kn += used[j];
    }
    a->kn = kn;
    free(used);
    free(vals); free(sel); free(cand); free(mask); free(p); free(s); free(Kmt); free(Kt);
}

typedef struct pass_job {
    ctx *c;
    const model_pass_io *io;
    const double *A;                   /* [nq][D] attention input rows */
    int16_t *Q, *Kn, *Vn;              /* [nH][nq][dh] */
    int32_t *out;                      /* [nH][nq][dh] */
    uint8_t *lsb;                      /* [nH][nq] or NULL */
    uint32_t *vcnt;                    /* [nH][nq] or NULL */
    const uint8_t *blk;                /* pass block mask or NULL */
    hacc *acc;                         /* [nH] */
    uint32_t nth;                      /* threads: head hi runs on thread hi % nth */
} pass_job;

typedef struct pass_worker { pass_job *j; uint32_t t; } pass_worker;

/* Head hi of a pass: Q/K/V projections and quantisation, the K/V cache rows, attention. Writes
 * only head hi's slices, its cache rows and acc[hi]. */
static void head_job(pass_job *j, uint32_t hi, double *Pd, int16_t *Kg, int16_t *Vg)
{
    const ctx *c = j->c;
    const model_pass_io *io = j->io;
    const uint32_t d = c->dh, n = io->nS, nq = n - io->q0, l = io->l, h = io->Hs[hi];
    const wt_layer *Lw = &c->m->L[l];
    const fxp_fmt *f = &c->fmt;
    int16_t *dst[3] = { j->Q + (size_t)hi * nq * d, j->Kn + (size_t)hi * nq * d, j->Vn + (size_t)hi * nq * d };
    const float *Ws[3] = { Lw->wq, Lw->wk, Lw->wv }, *bs[3] = { Lw->bq, Lw->bk, Lw->bv };
    for (int t = 0; t < 3; t++) {
        model_project(c, j->A, nq, Ws[t], bs[t], t < 2 ? Lw->qk_scale : NULL, h, Pd);
        if (t < 2)
            for (size_t e = 0; e < (size_t)nq * d; e++) dst[t][e] = fxp_quantize(Pd[e], f);
        else
            for (size_t e = 0; e < (size_t)nq * d; e++) dst[t][e] = fxp_quantize_v(Pd[e], f);
    }
    const int16_t *Kh = dst[1], *Vh = dst[2];
    if (c->kc) {   /* generation: this head's new rows into the cache, then all alive rows */
        for (uint32_t r = 0; r < nq; r++) {
            memcpy(cache_row(c, c->kc, l, h, io->S[io->q0 + r]), dst[1] + (size_t)r * d, d * sizeof(int16_t));
            memcpy(cache_row(c, c->vc, l, h, io->S[io->q0 + r]), dst[2] + (size_t)r * d, d * sizeof(int16_t));
        }
        if (io->q0 > 0) {
            for (uint32_t q = 0; q < n; q++) {
                memcpy(Kg + (size_t)q * d, cache_row(c, c->kc, l, h, io->S[q]), d * sizeof *Kg);
                memcpy(Vg + (size_t)q * d, cache_row(c, c->vc, l, h, io->S[q]), d * sizeof *Vg);
            }
            Kh = Kg;
            Vh = Vg;
        }
    }
    attn_fxp_head(c, io, hi, dst[0], Kh, Vh, j->out + (size_t)hi * nq * d,
                  j->lsb ? j->lsb + (size_t)hi * nq : NULL, j->vcnt ? j->vcnt + (size_t)hi * nq : NULL,
                  j->blk, &j->acc[hi]);
}

static void *pass_thread(void *arg)
{
    pass_worker *w = arg;
    pass_job *j = w->j;
    const uint32_t d = j->c->dh, n = j->io->nS, nq = n - j->io->q0;
    double *Pd = sim_xmalloc((size_t)nq * d * sizeof *Pd + 8);
    int16_t *Kg = sim_xmalloc((size_t)n * d * sizeof *Kg + 8);
    int16_t *Vg = sim_xmalloc((size_t)n * d * sizeof *Vg + 8);
    for (uint32_t hi = w->t; hi < j->io->nH; hi += j->nth) head_job(j, hi, Pd, Kg, Vg);
    free(Pd);
    free(Kg);
    free(Vg);
    return NULL;
}

/* One (step, layer) pass in fixed point. X[nq][D]: layer input rows of the query tokens;
 * replaced by the layer output. */
void model_fxp_pass(ctx *c, const model_pass_io *io, double *X)
{
    const uint32_t D = c->D, d = c->dh, n = io->nS, nq = n - io->q0, nH = io->nH, l = io->l;
    const wt_layer *Lw = &c->m->L[l];
    const fxp_fmt *f = &c->fmt;
    spt_pass *tp = io->tp;
    double *A = sim_xmalloc((size_t)nq * D * sizeof *A + 8);
    memcpy(A, X, (size_t)nq * D * sizeof *A);
    if (c->m->gpt2) kern_layernorm(A, nq, D, Lw->ln1_g, Lw->ln1_b, c->m->ln_eps);
    int16_t *Q = sim_xmalloc((size_t)nH * nq * d * sizeof *Q + 8);
    int16_t *Kn = sim_xmalloc((size_t)nH * nq * d * sizeof *Kn + 8);
    int16_t *Vn = sim_xmalloc((size_t)nH * nq * d * sizeof *Vn + 8);
    int32_t *out = sim_xmalloc((size_t)nH * nq * d * sizeof *out + 8);
    uint8_t *lsb = c->pol.progressive ? sim_xcalloc((size_t)nH * nq + 8, 1) : NULL;
    uint32_t *vcnt = c->pol.local_v ? sim_xcalloc((size_t)nH * nq + 2, 4) : NULL;
    uint8_t *blk = NULL;
    uint32_t br = 0, bc = 0;
    const uint32_t B = c->pol.mask_block;
    if (c->ap_mask) {
        br = (uint32_t)sim_ceil_div(nq, B);
        bc = (uint32_t)sim_ceil_div(n, B);
        blk = sim_xcalloc((size_t)br * bc + 8, 1);
        for (uint32_t r = 0; r < br; r++) {
            uint32_t prow = io->S[io->q0 + r * B] / B;   /* block row of the row's position */
            for (uint32_t cc = 0; cc < bc; cc++)
                blk[(size_t)r * bc + cc] = c->ap_mask[((size_t)l * c->ap_nb + prow) * c->ap_nb + cc];
        }
    }
    pass_job pj = { c, io, A, Q, Kn, Vn, out, lsb, vcnt, blk, sim_xcalloc(nH, sizeof(hacc)), 1 };
    for (uint32_t hi = 0; hi < nH; hi++) {
        pj.acc[hi].imp = sim_xcalloc((size_t)n + 1, 8);
        pj.acc[hi].ent = sim_xmalloc((size_t)nq * sizeof(double) + 8);
    }
    /* heads on worker threads: thread t runs heads t, t + nth, ...; calibration runs (which
     * update c->cal in place) stay on one thread */
    uint32_t nth = c->threads > 1 && !c->cal ? c->threads : 1;
    if (nth > nH) nth = nH;
    pj.nth = nth;
    pthread_t tid[SPT_MAX_HEADS];
    pass_worker wk[SPT_MAX_HEADS];
    uint32_t started = 1;
    for (uint32_t t = 0; t < nth; t++) wk[t] = (pass_worker){ &pj, t };
    for (uint32_t t = 1; t < nth; t++, started++)
        if (pthread_create(&tid[t], NULL, pass_thread, &wk[t])) break;
    pass_thread(&wk[0]);
    for (uint32_t t = 1; t < started; t++) pthread_join(tid[t], NULL);
    for (uint32_t t = started; t < nth; t++) pass_thread(&wk[t]);   /* could not start: here */
    /* reduction in head order (the order of the single-threaded model) */
    uint64_t k_rows = 0, v_rows = 0;
    for (uint32_t hi = 0; hi < nH; hi++) {
        const hacc *a = &pj.acc[hi];
        for (uint32_t j = 0; j < n; j++) c->tok_imp[io->S[j]] += a->imp[j];
        for (uint32_t r = 0; r < nq; r++) {
            c->ent_sum[l] += a->ent[r];
            c->ent_rows[l]++;
        }
        c->head_imp[io->Hs[hi]] += a->habs;
        const uint32_t any = a->any, kn = a->kn;
        /* DRAM estimate (bits): K MSB plane of every key some row needs (all alive keys
         * without a static mask); LSB plane once per head in summarization if any row needs
         * it, per re-fetching row in generation; V rows: the needed keys' rows in
         * summarization (V is buffered on chip), v_cnt per row in generation */
        const double kb = c->pol.progressive ? (double)(f->bits - f->k_lsb_bits) : (double)f->bits;
        c->kv_bits += (double)kn * kb;
        if (any) c->kv_bits += (double)kn * f->k_lsb_bits * (io->q0 ? (double)any : 1.0);
        uint64_t vrows = kn;
        if (vcnt && io->q0 > 0) {
            vrows = 0;
            for (uint32_t r = 0; r < nq; r++) vrows += vcnt[(size_t)hi * nq + r];
        }
        c->kv_bits += (double)vrows * f->v_bits;
        k_rows += kn;
        v_rows += vrows;
        free(a->imp);
        free(a->ent);
    }
    free(pj.acc);
    c->kv_bits_dense += (double)io->seq_len * c->H * (f->bits + f->v_bits);
    /* statistics */
    if (c->ms) {
        model_layer_stats *st = &c->ms->layer[l];
        st->passes++;
        st->tok_sum += n;
        st->head_sum += nH;
        st->rows += (uint64_t)nq * nH;
        if (lsb)
            for (size_t e = 0; e < (size_t)nH * nq; e++) st->lsb_rows += lsb[e];
        st->kv_rows_dense += (uint64_t)io->seq_len * c->H;
        st->k_rows += k_rows;
        st->v_rows += v_rows;
    }
    /* output rows -> rest of the layer */
    double *O = sim_xcalloc((size_t)nq * D + 8, sizeof *O);
    for (uint32_t hi = 0; hi < nH; hi++)
        for (uint32_t r = 0; r < nq; r++)
            for (uint32_t k = 0; k < d; k++)
                O[(size_t)r * D + (size_t)io->Hs[hi] * d + k] =
                    fxp_to_double(out[((size_t)hi * nq + r) * d + k], f->frac);
    model_finish_layer(c, Lw, X, O, nq);
    model_record_err(c, l, X, io->S + io->q0, nq);
    if (c->fin && l == c->L - 1)
        for (uint32_t r = 0; r < nq; r++) {
            const uint32_t ps = io->S[io->q0 + r];
            memcpy(c->fin + (size_t)ps * D, X + (size_t)r * D, D * sizeof *X);
            c->fin_ok[ps] = 1;
        }
    free(O);
    /* trace */
    if (tp) {
        tp->step = io->step;
        tp->layer = l;
        tp->n_tok = n;
        tp->n_q = nq;
        tp->n_head = nH;
        tp->n_new = nq;
        tp->tok_idx = sim_xmemdup(io->S, (size_t)n * 4);
        tp->q_pos = sim_xmemdup(io->S + io->q0, (size_t)nq * 4);
        tp->new_pos = sim_xmemdup(io->S + io->q0, (size_t)nq * 4);
        tp->head_idx = sim_xmemdup(io->Hs, (size_t)nH * 4);
        tp->q = Q;
        tp->k_new = Kn;
        tp->v_new = Vn;
        tp->out = out;
        tp->lsb_refetch = lsb;
        tp->v_cnt = vcnt;
        tp->blk_mask = blk;
        tp->tok_imp = sim_xmalloc((size_t)n * 8 + 8);
        for (uint32_t j = 0; j < n; j++) tp->tok_imp[j] = c->tok_imp[io->S[j]];
        tp->head_imp = sim_xmalloc((size_t)nH * 8 + 8);
        for (uint32_t hi = 0; hi < nH; hi++) tp->head_imp[hi] = c->head_imp[io->Hs[hi]];
    } else {
        free(Q); free(Kn); free(Vn); free(out); free(lsb); free(vcnt); free(blk);
    }
    free(A);
}

