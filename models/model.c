/* model.c - the reference model (see model.h; every rule in docs/model.md). */
#include "models/model.h"
#include "models/model_int.h"
#include "models/kern.h"
#include "models/policy.h"
#include "trace/st.h"
#include "models/synth.h"
#include "models/weights.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void dump_f64(ctx *c, const char *name, const double *src, uint64_t rows, uint64_t cols)
{
    double *cp = sim_xmalloc((size_t)(rows * cols) * sizeof *cp + 8);
    memcpy(cp, src, (size_t)(rows * cols) * sizeof *cp);
    c->keep = sim_xrealloc(c->keep, ((size_t)c->n_keep + 1) * sizeof *c->keep);
    c->keep[c->n_keep++] = cp;
    uint64_t sh[2] = { rows, cols };
    st_add(c->dump, name, ST_F64, 2, sh, cp);
}

/* ---------------------------------------------------------------------------------------- */

void model_attn_float(const double *q, const double *k, const double *v, uint32_t nq,
                      uint32_t nk, uint32_t d, const uint8_t *mask, double *p, double *o)
{
    const double sc = 1.0 / sqrt((double)d);
    for (uint32_t i = 0; i < nq; i++) {
        double *pr = p + (size_t)i * nk, mx = -HUGE_VAL, sum = 0.0;
        for (uint32_t j = 0; j < nk; j++) {
            if (mask && mask[(size_t)i * nk + j]) { pr[j] = -HUGE_VAL; continue; }
            double s = 0.0;
            for (uint32_t c = 0; c < d; c++) s += q[(size_t)i * d + c] * k[(size_t)j * d + c];
            pr[j] = s * sc;
            if (pr[j] > mx) mx = pr[j];
        }
        for (uint32_t j = 0; j < nk; j++) {
            pr[j] = pr[j] == -HUGE_VAL ? 0.0 : exp(pr[j] - mx);
            sum += pr[j];
        }
        for (uint32_t j = 0; j < nk; j++) pr[j] = sum > 0 ? pr[j] / sum : 0.0;
        for (uint32_t c = 0; c < d; c++) {
            double a = 0.0;
            for (uint32_t j = 0; j < nk; j++) a += pr[j] * v[(size_t)j * d + c];
            o[(size_t)i * d + c] = a;
        }
    }
}

/* Per-head projection of rows A[n][D] to out[n][dh] (columns of head h), with bias and the
 * synthetic Q/K column scale. */
static void project(const ctx *c, const double *A, uint32_t n, const float *W, const float *b,
                    const float *scale, uint32_t h, double *out)
{
    const uint32_t c0 = h * c->dh;
    kern_matmul(A, n, c->D, W + c0, c->D, c->dh, b ? b + c0 : NULL, out, c->dh);
    if (scale)
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < c->dh; k++) out[(size_t)i * c->dh + k] *= (double)scale[c0 + k];
}

/* The rest of the layer after attention: X[n][D] <- residual/LN/FFN of X and O[n][D]. */
static void finish_layer(const ctx *c, const wt_layer *Lw, double *X, double *O, uint32_t n)
{
    const uint32_t D = c->D;
    double *Y = sim_xmalloc((size_t)n * D * sizeof *Y + 8);
    kern_matmul(O, n, D, Lw->wo, D, D, Lw->bo, Y, D);
    for (size_t i = 0; i < (size_t)n * D; i++) X[i] += Y[i];
    if (!c->m->gpt2) kern_layernorm(X, n, D, Lw->ln1_g, Lw->ln1_b, c->m->ln_eps);
    if (Lw->w1) {
        const uint32_t F = c->m->d_ff;
        double *A = sim_xmalloc((size_t)n * D * sizeof *A + 8);
        double *Hh = sim_xmalloc((size_t)n * F * sizeof *Hh + 8);
        memcpy(A, X, (size_t)n * D * sizeof *A);
        if (c->m->gpt2) kern_layernorm(A, n, D, Lw->ln2_g, Lw->ln2_b, c->m->ln_eps);
        kern_matmul(A, n, D, Lw->w1, F, F, Lw->b1, Hh, F);
        kern_gelu(Hh, (size_t)n * F, c->m->gpt2);
        kern_matmul(Hh, n, F, Lw->w2, D, D, Lw->b2, Y, D);
        for (size_t i = 0; i < (size_t)n * D; i++) X[i] += Y[i];
        if (!c->m->gpt2) kern_layernorm(X, n, D, Lw->ln2_g, Lw->ln2_b, c->m->ln_eps);
        free(A);
        free(Hh);
    }
    free(Y);
}

static void record_err(ctx *c, uint32_t l, const double *X, const uint32_t *pos, uint32_t n)
{
    if (!c->dense) return;
    const uint32_t D = c->D;
    for (uint32_t i = 0; i < n; i++) {
        const float *ref = c->dense + ((size_t)l * c->n_total + pos[i]) * D;
        const double *x = X + (size_t)i * D;
        if (c->write_dense) {
            for (uint32_t k = 0; k < D; k++) ((float *)ref)[k] = (float)x[k];
            continue;
        }
        for (uint32_t k = 0; k < D; k++) {
            double r = (double)ref[k], e = x[k] - r;
            c->err_num[l] += e * e;
            c->err_den[l] += r * r;
        }
    }
}

/* ---- float attention (dense; error statistics) ---- */

static void attn_float_head(const ctx *c, const double *Q, const double *K, const double *V,
                            uint32_t n, double *O /* [n][D] at head columns */, uint32_t h)
{
    const uint32_t d = c->dh;
    const double sc = 1.0 / sqrt((double)d);
    double *Kt = sim_xmalloc((size_t)d * n * sizeof *Kt + 8);
    double *s = sim_xmalloc((size_t)n * sizeof *s + 8);
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t k = 0; k < d; k++) Kt[(size_t)k * n + j] = K[(size_t)j * d + k];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nk = c->m->gpt2 ? i + 1 : n;
        kern_scores_f64(Q + (size_t)i * d, Kt, n, nk, d, s);
        double mx = -HUGE_VAL, sum = 0.0;
        for (uint32_t j = 0; j < nk; j++) { s[j] *= sc; if (s[j] > mx) mx = s[j]; }
        for (uint32_t j = 0; j < nk; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
        double *o = O + (size_t)i * c->D + (size_t)h * d;
        for (uint32_t k = 0; k < d; k++) o[k] = 0.0;
        for (uint32_t j = 0; j < nk; j++) {
            kern_axpy_f64(s[j] / sum, V + (size_t)j * d, d, o);
        }
    }
    free(s);
    free(Kt);
}

/* Dense float model over all n_total positions (causal for GPT-2): per-layer outputs. */
static void run_float_dense(ctx *c)
{
    const uint32_t n = c->n_total, D = c->D, d = c->dh;
    double *X = sim_xmalloc((size_t)n * D * sizeof *X + 8);
    double *A = sim_xmalloc((size_t)n * D * sizeof *A + 8);
    double *O = sim_xmalloc((size_t)n * D * sizeof *O + 8);
    double *Q = sim_xmalloc((size_t)n * d * sizeof *Q + 8), *K = sim_xmalloc((size_t)n * d * sizeof *K + 8),
           *V = sim_xmalloc((size_t)n * d * sizeof *V + 8);
    uint32_t *pos = sim_xmalloc((size_t)n * sizeof *pos + 4);
    for (uint32_t i = 0; i < n; i++) pos[i] = i;
    memcpy(X, c->x0, (size_t)n * D * sizeof *X);
    for (uint32_t l = 0; l < c->L; l++) {
        const wt_layer *Lw = &c->m->L[l];
        memcpy(A, X, (size_t)n * D * sizeof *A);
        if (c->m->gpt2) kern_layernorm(A, n, D, Lw->ln1_g, Lw->ln1_b, c->m->ln_eps);
        memset(O, 0, (size_t)n * D * sizeof *O);
        for (uint32_t h = 0; h < c->H; h++) {
            project(c, A, n, Lw->wq, Lw->bq, Lw->qk_scale, h, Q);
            project(c, A, n, Lw->wk, Lw->bk, Lw->qk_scale, h, K);
            project(c, A, n, Lw->wv, Lw->bv, NULL, h, V);
            attn_float_head(c, Q, K, V, n, O, h);
            if (c->dump) {
                char nm[64];
                double *oh = sim_xmalloc((size_t)n * d * sizeof *oh + 8);
                for (uint32_t i = 0; i < n; i++)
                    memcpy(oh + (size_t)i * d, O + (size_t)i * D + (size_t)h * d, d * sizeof *oh);
                snprintf(nm, sizeof nm, "l%u.h%u.q", l, h); dump_f64(c, nm, Q, n, d);
                snprintf(nm, sizeof nm, "l%u.h%u.k", l, h); dump_f64(c, nm, K, n, d);
                snprintf(nm, sizeof nm, "l%u.h%u.v", l, h); dump_f64(c, nm, V, n, d);
                snprintf(nm, sizeof nm, "l%u.h%u.out", l, h); dump_f64(c, nm, oh, n, d);
                free(oh);
            }
        }
        finish_layer(c, Lw, X, O, n);
        record_err(c, l, X, pos, n);
    }
    free(pos); free(Q); free(K); free(V); free(O); free(A); free(X);
}

/* ---- fixed-point (golden) pass ---- */

typedef struct pass_io {
    uint32_t step, l;
    const uint32_t *S; uint32_t nS;       /* keys: alive positions, ascending */
    const uint32_t *Hs; uint32_t nH;      /* alive heads, ascending */
    uint32_t q0;                          /* query rows = S[q0 .. nS) (also the new K/V rows) */
    uint32_t seq_len;                     /* N or N + t */
    spt_pass *tp;                         /* trace pass to fill (NULL: calibration) */
} pass_io;

static int16_t *cache_row(const ctx *c, int16_t *base, uint32_t l, uint32_t h, uint32_t pos)
{
    return base + (((size_t)l * c->H + h) * c->n_total + pos) * c->dh;
}

/* Attention of one head over keys S for query rows S[q0..), in fixed point. Kq/Vq: the key
 * and value rows in S order [nS][dh]. Writes out[nq][dh]; updates importance/statistics. */
static void attn_fxp_head(ctx *c, const pass_io *io, uint32_t hi, const int16_t *Qq,
                          const int16_t *Kq, const int16_t *Vq, int32_t *out, uint8_t *lsb,
                          uint32_t *vcnt, const uint8_t *blk, uint32_t *lsb_any,
                          uint32_t *k_needed)
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
        if (refetch) (*lsb_any)++;
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
            c->tok_imp[io->S[j]] += p[j];
            ent += c->ent_tab[p[j]];
        }
        c->ent_sum[io->l] += ent;
        c->ent_rows[io->l]++;
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
    c->head_imp[h] += habs;
    uint32_t kn = n;
    if (used) {
        kn = 0;
        for (uint32_t j = 0; j < n; j++) kn += used[j];
    }
    *k_needed = kn;
    free(used);
    free(vals); free(sel); free(cand); free(mask); free(p); free(s); free(Kmt); free(Kt);
}

/* One (step, layer) pass in fixed point. X[nq][D]: layer input rows of the query tokens;
 * replaced by the layer output. */
static void fxp_pass(ctx *c, const pass_io *io, double *X)
{
    const uint32_t D = c->D, d = c->dh, n = io->nS, nq = n - io->q0, nH = io->nH, l = io->l;
    const wt_layer *Lw = &c->m->L[l];
    const fxp_fmt *f = &c->fmt;
    spt_pass *tp = io->tp;
    double *A = sim_xmalloc((size_t)nq * D * sizeof *A + 8);
    memcpy(A, X, (size_t)nq * D * sizeof *A);
    if (c->m->gpt2) kern_layernorm(A, nq, D, Lw->ln1_g, Lw->ln1_b, c->m->ln_eps);
    double *Pd = sim_xmalloc((size_t)nq * d * sizeof *Pd + 8);
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
    for (uint32_t hi = 0; hi < nH; hi++) {
        const uint32_t h = io->Hs[hi];
        int16_t *dst[3] = { Q + (size_t)hi * nq * d, Kn + (size_t)hi * nq * d, Vn + (size_t)hi * nq * d };
        const float *Ws[3] = { Lw->wq, Lw->wk, Lw->wv }, *bs[3] = { Lw->bq, Lw->bk, Lw->bv };
        for (int t = 0; t < 3; t++) {
            project(c, A, nq, Ws[t], bs[t], t < 2 ? Lw->qk_scale : NULL, h, Pd);
            if (t < 2)
                for (size_t e = 0; e < (size_t)nq * d; e++) dst[t][e] = fxp_quantize(Pd[e], f);
            else
                for (size_t e = 0; e < (size_t)nq * d; e++) dst[t][e] = fxp_quantize_v(Pd[e], f);
        }
    }
    /* keys/values of all alive tokens in S order */
    const int16_t *Kall = Kn, *Vall = Vn;
    int16_t *Kg = NULL, *Vg = NULL;
    if (c->kc) {
        for (uint32_t hi = 0; hi < nH; hi++)
            for (uint32_t r = 0; r < nq; r++) {
                memcpy(cache_row(c, c->kc, l, io->Hs[hi], io->S[io->q0 + r]),
                       Kn + ((size_t)hi * nq + r) * d, d * sizeof(int16_t));
                memcpy(cache_row(c, c->vc, l, io->Hs[hi], io->S[io->q0 + r]),
                       Vn + ((size_t)hi * nq + r) * d, d * sizeof(int16_t));
            }
        if (io->q0 > 0) {
            Kg = sim_xmalloc((size_t)n * d * sizeof *Kg + 8);
            Vg = sim_xmalloc((size_t)n * d * sizeof *Vg + 8);
        }
    }
    uint64_t k_rows = 0, v_rows = 0;
    for (uint32_t hi = 0; hi < nH; hi++) {
        const uint32_t h = io->Hs[hi];
        const int16_t *Kh = Kall + (size_t)hi * nq * d, *Vh = Vall + (size_t)hi * nq * d;
        if (Kg) {
            for (uint32_t j = 0; j < n; j++) {
                memcpy(Kg + (size_t)j * d, cache_row(c, c->kc, l, h, io->S[j]), d * sizeof *Kg);
                memcpy(Vg + (size_t)j * d, cache_row(c, c->vc, l, h, io->S[j]), d * sizeof *Vg);
            }
            Kh = Kg;
            Vh = Vg;
        }
        uint32_t any = 0, kn = n;
        attn_fxp_head(c, io, hi, Q + (size_t)hi * nq * d, Kh, Vh, out + (size_t)hi * nq * d,
                      lsb ? lsb + (size_t)hi * nq : NULL, vcnt ? vcnt + (size_t)hi * nq : NULL,
                      blk, &any, &kn);
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
    }
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
    finish_layer(c, Lw, X, O, nq);
    record_err(c, l, X, io->S + io->q0, nq);
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
    free(Kg); free(Vg); free(Pd); free(A);
}

/* Heads alive entering layer l (cascade or static); Hs/nH updated in place. */
static void select_heads(ctx *c, uint32_t l, uint32_t *Hs, uint32_t *nH)
{
    if (c->st_heads) {
        uint32_t n = 0;
        for (uint32_t h = 0; h < c->H; h++)
            if (c->st_heads[(size_t)l * c->H + h]) Hs[n++] = h;
        *nH = n;
        return;
    }
    if (!pol_head_prunes_at(&c->pol, l)) return;
    uint64_t imp[SPT_MAX_HEADS];
    uint32_t out[SPT_MAX_HEADS];
    for (uint32_t i = 0; i < *nH; i++) imp[i] = c->head_imp[Hs[i]];
    uint32_t k = pol_head_select(&c->pol, l, c->H, Hs, imp, *nH, out);
    memcpy(Hs, out, (size_t)k * sizeof *Hs);
    *nH = k;
}

/* Tokens alive entering layer l; S/nS updated; X rows (aligned with S[q0..]) compacted. */
static void select_tokens(ctx *c, uint32_t l, uint32_t seq_len, uint32_t new_pos, uint32_t *S,
                          uint32_t *nS, double *X, bool rows_all)
{
    if (!pol_tok_prunes_at(&c->pol, l)) return;
    uint64_t *imp = sim_xmalloc((size_t)*nS * 8 + 8);
    uint32_t *out = sim_xmalloc((size_t)*nS * 4 + 4);
    for (uint32_t i = 0; i < *nS; i++) imp[i] = c->tok_imp[S[i]];
    uint32_t k = pol_tok_select(&c->pol, l, seq_len, S, imp, *nS, new_pos, out);
    if (rows_all) {   /* summarization: X has one row per alive token */
        uint32_t r = 0;
        for (uint32_t i = 0, j = 0; i < *nS && j < k; i++)
            if (S[i] == out[j]) {
                if (r != i) memmove(X + (size_t)r * c->D, X + (size_t)i * c->D, c->D * sizeof *X);
                r++;
                j++;
            }
    }
    memcpy(S, out, (size_t)k * 4);
    *nS = k;
    free(out);
    free(imp);
}

/* The golden run (or a calibration run when c->cal is set and tr is NULL). */
void model_run_fxp(ctx *c, spt_trace *tr)
{
    const uint32_t D = c->D, N = c->w->n_prompt;
    const uint32_t T = tr ? c->w->n_gen : 0;           /* calibration: dense, summarize all */
    const uint32_t n0 = tr ? N : c->n_total;
    uint32_t *S = sim_xmalloc((size_t)c->n_total * 4 + 4), nS = n0;
    uint32_t Hs[SPT_MAX_HEADS], nH = c->H;
    for (uint32_t i = 0; i < n0; i++) S[i] = i;
    for (uint32_t h = 0; h < c->H; h++) Hs[h] = h;
    double *X = sim_xmalloc((size_t)n0 * D * sizeof *X + 8);
    memcpy(X, c->x0, (size_t)n0 * D * sizeof *X);
    uint32_t ip = 0;
    for (uint32_t l = 0; l < c->L; l++) {
        select_tokens(c, l, n0, POL_NO_NEW, S, &nS, X, true);
        select_heads(c, l, Hs, &nH);
        pass_io io = { 0, l, S, nS, Hs, nH, 0, n0, tr ? &tr->pass[ip++] : NULL };
        fxp_pass(c, &io, X);
    }
    for (uint32_t t = 1; t <= T; t++) {
        const uint32_t p = N + t - 1;
        S[nS++] = p;
        memcpy(X, c->x0 + (size_t)p * D, D * sizeof *X);
        for (uint32_t l = 0; l < c->L; l++) {
            select_tokens(c, l, N + t, p, S, &nS, X, false);
            select_heads(c, l, Hs, &nH);
            pass_io io = { t, l, S, nS, Hs, nH, nS - 1, N + t, &tr->pass[ip++] };
            fxp_pass(c, &io, X);
        }
    }
    free(X);
    free(S);
}

static void ctx_caches(ctx *c, bool on)
{
    free(c->kc);
    free(c->vc);
    c->kc = c->vc = NULL;
    if (on) {
        size_t n = (size_t)c->L * c->H * c->n_total * c->dh;
        c->kc = sim_xcalloc(n + 1, sizeof *c->kc);
        c->vc = sim_xcalloc(n + 1, sizeof *c->vc);
    }
}

/* ---- entry point ---- */

static void ctx_release(ctx *c)
{
    free(c->ent_tab);
    free(c->ap_mask);
    free(c->st_heads);
    free(c->kc);
    free(c->vc);
    free(c->dense);
    free(c->err_num);
    free(c->err_den);
    free(c->tok_imp);
    free(c->head_imp);
}

/* Set-up shared by model_run and model_float_dump: shapes, then the inputs (a weights file or
 * the synthetic model). The caller frees *m (wt_free) and *x0. */
static int ctx_open(ctx *c, const wl_cfg *w, wt_model **m, double **x0, sim_err *err)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->n_total = w->n_prompt + w->n_gen;
    c->D = w->d_model;
    c->H = w->heads;
    c->dh = w->d_head;
    c->L = w->layers;
    if (w->source == WL_SRC_WEIGHTS) {
        int rc = wt_load(w, m, x0, err);
        if (rc) return rc;
    } else {
        *m = synth_model(w);
        *x0 = synth_inputs(w, w->seed, c->n_total);
    }
    c->m = *m;
    c->x0 = *x0;
    return SIM_OK;
}

int model_run(const wl_cfg *w, spt_trace **out, model_stats *ms, sim_err *err)
{
    *out = NULL;
    SIM_ASSERT(((uint64_t)w->d_head << (2 * (w->fxp.bits - 1))) < ((uint64_t)1 << 31));
    SIM_ASSERT(w->source != WL_SRC_SYNTHETIC || w->d_head >= 4);   /* wl_check enforces both */
    ctx c;
    wt_model *m = NULL;
    double *x0 = NULL;
    int rc0 = ctx_open(&c, w, &m, &x0, err);
    if (rc0) return rc0;
    int rc = POL_TABLE[w->policy.kind]->setup(w, &c.pol, err);
    if (rc) { wt_free(m); free(x0); return rc; }
    fxp_fmt_init(&c.fmt, w->fxp.bits, w->fxp.frac, w->fxp.k_lsb_bits, w->fxp.prob_bits, c.dh);
    fxp_fmt_set_v_bits(&c.fmt, w->fxp.v_bits ? w->fxp.v_bits : w->fxp.bits);
    const uint32_t one = 1u << w->fxp.prob_bits;
    c.ent_tab = sim_xcalloc((size_t)one + 2, sizeof *c.ent_tab);
    for (uint32_t q = 1; q <= one; q++) {
        double pq = (double)q / (double)one;
        c.ent_tab[q] = -pq * det_log(pq);
    }
    if (c.pol.static_mask || c.pol.static_heads) model_calibrate(&c, w, x0);
    c.tok_imp = sim_xcalloc(c.n_total + 1, 8);
    c.head_imp = sim_xcalloc(c.H + 1, 8);
    if (ms) {
        memset(ms, 0, sizeof *ms);
        ms->layers = c.L;
        ms->err_rel_l2 = ms->err_fxp_dense = -1.0;
    }
    if (ms && w->error_stats) {
        c.dense = sim_xcalloc((size_t)c.L * c.n_total * c.D + 1, sizeof(float));
        c.err_num = sim_xcalloc(c.L + 1, sizeof(double));
        c.err_den = sim_xcalloc(c.L + 1, sizeof(double));
        c.write_dense = true;
        run_float_dense(&c);
        c.write_dense = false;
        /* quantisation alone: the dense fixed-point model over all positions vs the float one */
        ctx cc = c;
        POL_TABLE[WL_POL_NONE]->setup(w, &cc.pol, err);
        cc.ap_mask = NULL;
        cc.st_heads = NULL;
        cc.err_num = sim_xcalloc(c.L + 1, sizeof(double));
        cc.err_den = sim_xcalloc(c.L + 1, sizeof(double));
        cc.tok_imp = sim_xcalloc(c.n_total + 1, 8);
        cc.head_imp = sim_xcalloc(c.H + 1, 8);
        model_run_fxp(&cc, NULL);
        if (cc.err_den[c.L - 1] > 0)
            ms->err_fxp_dense = sqrt(cc.err_num[c.L - 1] / cc.err_den[c.L - 1]);
        free(cc.err_num);
        free(cc.err_den);
        free(cc.tok_imp);
        free(cc.head_imp);
    }
    spt_trace *tr = sim_xcalloc(1, sizeof *tr);
    snprintf(tr->workload, sizeof tr->workload, "%s", w->name);
    snprintf(tr->model, sizeof tr->model, "%s", WL_MODEL_NAMES[w->model]);
    tr->layers = c.L;
    tr->heads = c.H;
    tr->d_head = c.dh;
    tr->n_prompt = w->n_prompt;
    tr->n_gen = w->n_gen;
    tr->causal = w->causal;
    tr->seed = w->seed;
    tr->policy = c.pol;
    tr->fmt = c.fmt;
    tr->n_pass = c.L * (1 + w->n_gen);
    tr->pass = sim_xcalloc(tr->n_pass, sizeof *tr->pass);
    tr->workload_json = wl_to_json(w);
    c.ms = ms;
    if (w->n_gen) ctx_caches(&c, true);
    model_run_fxp(&c, tr);
    if (ms) {
        uint64_t rows = 0, lsb = 0;
        for (uint32_t l = 0; l < c.L; l++) {
            model_layer_stats *st = &ms->layer[l];
            uint64_t dense_tok = (uint64_t)st->passes ? st->kv_rows_dense / c.H : 0;
            st->tok_kept = dense_tok ? (double)st->tok_sum / (double)dense_tok : 0.0;
            st->heads_kept = st->passes ? (double)st->head_sum / ((double)st->passes * c.H) : 0.0;
            st->lsb_frac = st->rows ? (double)st->lsb_rows / (double)st->rows : 0.0;
            st->entropy = c.ent_rows[l] ? c.ent_sum[l] / (double)c.ent_rows[l] : 0.0;
            st->err_rel_l2 = c.dense && c.err_den[l] > 0 ? sqrt(c.err_num[l] / c.err_den[l]) : -1.0;
            rows += st->rows;
            lsb += st->lsb_rows;
        }
        ms->lsb_frac = rows ? (double)lsb / (double)rows : 0.0;
        ms->kv_reduction = c.kv_bits > 0 ? c.kv_bits_dense / c.kv_bits : 0.0;
        if (c.dense) ms->err_rel_l2 = ms->layer[c.L - 1].err_rel_l2;
    }
    ctx_release(&c);
    wt_free(m);
    free(x0);
    *out = tr;
    return SIM_OK;
}

int model_float_dump(const wl_cfg *w, const char *path, sim_err *err)
{
    ctx c;
    wt_model *m = NULL;
    double *x0 = NULL;
    int rc0 = ctx_open(&c, w, &m, &x0, err);
    if (rc0) return rc0;
    c.dump = st_writer_new();
    st_add_meta(c.dump, "format", "spatten-float-dump");
    st_add_meta(c.dump, "causal", w->causal ? "true" : "false");
    run_float_dense(&c);
    int rc = st_write(c.dump, path, err);
    st_writer_free(c.dump);
    for (uint32_t i = 0; i < c.n_keep; i++) free(c.keep[i]);
    free(c.keep);
    wt_free(m);
    free(x0);
    return rc;
}

static void add_err(cJSON *o, const char *k, double v)
{
    if (v < 0) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, v);
}

cJSON *model_stats_to_json(const model_stats *ms)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "layers");
    for (uint32_t l = 0; l < ms->layers; l++) {
        const model_layer_stats *s = &ms->layer[l];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "layer", l);
        cJSON_AddNumberToObject(e, "passes", (double)s->passes);
        cJSON_AddNumberToObject(e, "tok_kept", s->tok_kept);
        cJSON_AddNumberToObject(e, "heads_kept", s->heads_kept);
        cJSON_AddNumberToObject(e, "rows", (double)s->rows);
        cJSON_AddNumberToObject(e, "lsb_rows", (double)s->lsb_rows);
        cJSON_AddNumberToObject(e, "lsb_frac", s->lsb_frac);
        cJSON_AddNumberToObject(e, "k_rows", (double)s->k_rows);
        cJSON_AddNumberToObject(e, "v_rows", (double)s->v_rows);
        cJSON_AddNumberToObject(e, "kv_rows_dense", (double)s->kv_rows_dense);
        cJSON_AddNumberToObject(e, "entropy_nats", s->entropy);
        add_err(e, "err_rel_l2", s->err_rel_l2);
        cJSON_AddItemToArray(a, e);
    }
    add_err(o, "err_rel_l2", ms->err_rel_l2);
    add_err(o, "err_fxp_dense", ms->err_fxp_dense);
    cJSON_AddNumberToObject(o, "kv_reduction_estimate", ms->kv_reduction);
    cJSON_AddNumberToObject(o, "lsb_frac", ms->lsb_frac);
    return o;
}

void model_stats_print(const model_stats *ms, const wl_cfg *w, void *file)
{
    FILE *f = file;
    fprintf(f, "reference model: %s (%s, %u layers x %u heads x d %u, N %u, T %u, policy %s)\n",
            w->name, WL_MODEL_NAMES[w->model], w->layers, w->heads, w->d_head, w->n_prompt,
            w->n_gen, WL_POLICY_NAMES[w->policy.kind]);
    fprintf(f, "%5s %8s %8s %8s %9s %9s %9s %10s\n", "layer", "passes", "tok_kept", "heads",
            "lsb_frac", "entropy", "v_rows", "err_rel_l2");
    for (uint32_t l = 0; l < ms->layers; l++) {
        const model_layer_stats *s = &ms->layer[l];
        char e[32];
        if (s->err_rel_l2 < 0) snprintf(e, sizeof e, "-");
        else snprintf(e, sizeof e, "%.3e", s->err_rel_l2);
        fprintf(f, "%5u %8llu %8.4f %8.4f %9.4f %9.4f %9.4f %10s\n", l,
                (unsigned long long)s->passes, s->tok_kept, s->heads_kept, s->lsb_frac, s->entropy,
                s->k_rows ? (double)s->v_rows / (double)s->k_rows : 0.0, e);
    }
    if (ms->err_rel_l2 >= 0)
        fprintf(f, "final-layer output error vs dense float model (relative L2): %.4e"
                "   (fixed point without pruning: %.4e)\n", ms->err_rel_l2, ms->err_fxp_dense);
    else
        fprintf(f, "final-layer output error: - (error_stats off)\n");
    fprintf(f, "LSB re-fetch fraction: %.4f   estimated K/V DRAM reduction vs dense: %.3fx\n",
            ms->lsb_frac, ms->kv_reduction);
}
