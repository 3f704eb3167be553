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
void model_project(const ctx *c, const double *A, uint32_t n, const float *W, const float *b,
                    const float *scale, uint32_t h, double *out)
{
    const uint32_t c0 = h * c->dh;
    kern_matmul(A, n, c->D, W + c0, c->D, c->dh, b ? b + c0 : NULL, out, c->dh);
    if (scale)
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < c->dh; k++) out[(size_t)i * c->dh + k] *= (double)scale[c0 + k];
}

/* The rest of the layer after attention: X[n][D] <- residual/LN/FFN of X and O[n][D]. */
void model_finish_layer(const ctx *c, const wt_layer *Lw, double *X, double *O, uint32_t n)
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

void model_record_err(ctx *c, uint32_t l, const double *X, const uint32_t *pos, uint32_t n)
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
void model_run_float(ctx *c)
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
            model_project(c, A, n, Lw->wq, Lw->bq, Lw->qk_scale, h, Q);
            model_project(c, A, n, Lw->wk, Lw->bk, Lw->qk_scale, h, K);
            model_project(c, A, n, Lw->wv, Lw->bv, NULL, h, V);
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
        model_finish_layer(c, Lw, X, O, n);
        model_record_err(c, l, X, pos, n);
    }
    if (c->fin) {
        memcpy(c->fin, X, (size_t)n * D * sizeof *X);
        memset(c->fin_ok, 1, n);
    }
    free(pos); free(Q); free(K); free(V); free(O); free(A); free(X);
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
        model_pass_io io = { 0, l, S, nS, Hs, nH, 0, n0, tr ? &tr->pass[ip++] : NULL };
        model_fxp_pass(c, &io, X);
        if (tr && c->w->progress) c->w->progress(c->w->progress_arg, ip, tr->n_pass);
    }
    for (uint32_t t = 1; t <= T; t++) {
        const uint32_t p = N + t - 1;
        S[nS++] = p;
        memcpy(X, c->x0 + (size_t)p * D, D * sizeof *X);
        for (uint32_t l = 0; l < c->L; l++) {
            select_tokens(c, l, N + t, p, S, &nS, X, false);
            select_heads(c, l, Hs, &nH);
            model_pass_io io = { t, l, S, nS, Hs, nH, nS - 1, N + t, &tr->pass[ip++] };
            model_fxp_pass(c, &io, X);
            if (c->w->progress) c->w->progress(c->w->progress_arg, ip, tr->n_pass);
        }
    }
    free(X);
    free(S);
}

void model_ctx_caches(ctx *c, bool on)
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

/* Set-up shared by model_run, model_float_dump and quality.c (model_int.h). */
int model_ctx_open(ctx *c, const wl_cfg *w, wt_model **m, double **x0, sim_err *err)
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
    int rc0 = model_ctx_open(&c, w, &m, &x0, err);
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
    if ((c.pol.static_mask || c.pol.static_heads) && w->calib_split[0]) {
        rc = model_calib_inputs(&c, w, err);
        if (rc) { free(c.ent_tab); wt_free(m); free(x0); return rc; }
    }
    if (c.pol.static_mask || c.pol.static_heads) model_calibrate(&c, w, x0);
    model_calib_inputs_free(&c);
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
        model_run_float(&c);
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
    c.threads = w->threads ? w->threads : 1;
    if (w->n_gen) model_ctx_caches(&c, true);
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
    int rc0 = model_ctx_open(&c, w, &m, &x0, err);
    if (rc0) return rc0;
    c.dump = st_writer_new();
    st_add_meta(c.dump, "format", "spatten-float-dump");
    st_add_meta(c.dump, "causal", w->causal ? "true" : "false");
    model_run_float(&c);
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
