/* synth.c - structured synthetic transformers (see synth.h and docs/model.md). */
#include "models/synth.h"
#include "models/kern.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SINK_VALUE 4.0          /* raw value of the sink flag for separator tokens */

/* Embedding layout: dim 0 sink flag, dims 1..2F positional (cos, sin pairs), rest words. */
typedef struct layout { uint32_t D, F, WD, w0; uint32_t dh, fh, nw; } layout;

static layout mk_layout(const wl_cfg *w)
{
    layout L;
    L.D = w->d_model;
    L.F = (L.D - 1) / 4;
    if (L.F == 0) L.F = 1;
    L.w0 = 1 + 2 * L.F;
    L.WD = L.D > L.w0 ? L.D - L.w0 : 0;
    L.dh = w->d_head;
    L.fh = (L.dh - 1) / 4;
    if (L.fh == 0) L.fh = 1;
    L.nw = L.dh > 1 + 2 * L.fh ? L.dh - 1 - 2 * L.fh : 0;
    return L;
}

static uint64_t stream(const wl_cfg *w, uint64_t what) { return rng_mix(w->seed, what); }

wt_model *synth_model(const wl_cfg *w)
{
    const layout Y = mk_layout(w);
    const uint32_t D = Y.D, H = w->heads;
    wt_model *m = sim_xcalloc(1, sizeof *m);
    m->layers = w->layers;
    m->heads = H;
    m->d_model = D;
    m->d_ff = w->d_ff;
    m->gpt2 = w->causal;
    m->ln_eps = 1e-5;
    m->L = sim_xcalloc(w->layers, sizeof *m->L);
    float *wq = wt_blob(m, (size_t)D * D), *wk = wt_blob(m, (size_t)D * D);
    float *wv = wt_blob(m, (size_t)D * D), *wo = wt_blob(m, (size_t)D * D);
    float *bq = wt_blob(m, D);
    rng r = { stream(w, 1) };
    for (uint32_t h = 0; h < H; h++) {
        uint32_t c0 = h * Y.dh;
        bq[c0] = 1.0f;                                   /* sink column: constant query */
        wk[(size_t)0 * D + c0] = 1.0f;                   /* key = sink flag */
        for (uint32_t mm = 0; mm < Y.fh && 2 + 2 * mm < Y.dh; mm++) {
            uint32_t f = (h * Y.fh + mm) % Y.F;
            for (uint32_t t = 0; t < 2; t++) {
                wq[(size_t)(1 + 2 * f + t) * D + c0 + 1 + 2 * mm + t] = 1.0f;
                wk[(size_t)(1 + 2 * f + t) * D + c0 + 1 + 2 * mm + t] = 1.0f;
            }
        }
        for (uint32_t c = 0; c < Y.nw; c++)
            for (uint32_t i = 0; i < Y.WD; i++) {
                float v = (float)(rng_normal(&r) / sqrt((double)Y.WD));
                wq[(size_t)(Y.w0 + i) * D + c0 + 1 + 2 * Y.fh + c] = v;
                wk[(size_t)(Y.w0 + i) * D + c0 + 1 + 2 * Y.fh + c] = v;
            }
    }
    for (size_t i = 0; i < (size_t)D * D; i++) wv[i] = (float)(rng_normal(&r) / sqrt((double)D));
    for (uint32_t i = 0; i < D; i++)
        for (uint32_t j = Y.w0; j < D; j++)
            wo[(size_t)i * D + j] = (float)(0.25 * rng_normal(&r) / sqrt((double)D));
    /* per layer and head: strengths of sink / locality / content, as Q/K column scales */
    const double base[3] = { w->synth.sink, w->synth.locality, w->synth.content };
    const double sp = w->synth.head_spread, sq = sqrt((double)Y.dh);
    for (uint32_t l = 0; l < w->layers; l++) {
        float *s = wt_blob(m, D);
        rng rl = { stream(w, 100 + l) };
        for (uint32_t h = 0; h < H; h++) {
            double str[3];
            uint32_t dom = (h + l) % 3;
            for (uint32_t c = 0; c < 3; c++) {
                double mix = (1.0 - sp) + sp * 3.0 * (c == dom ? 0.8 : 0.1);
                str[c] = base[c] * mix * (0.75 + 0.5 * rng_unit(&rl));
            }
            uint32_t c0 = h * Y.dh;
            s[c0] = (float)sqrt(str[0] * sq / SINK_VALUE);
            for (uint32_t c = 1; c < 1 + 2 * Y.fh && c < Y.dh; c++)
                s[c0 + c] = (float)sqrt(str[1] * sq / (2.0 * (double)Y.fh));
            for (uint32_t c = 0; c < Y.nw; c++)
                s[c0 + 1 + 2 * Y.fh + c] = (float)sqrt(str[2] * sq / (double)Y.nw);
        }
        wt_layer *L = &m->L[l];
        L->wq = wq; L->wk = wk; L->wv = wv; L->wo = wo;
        L->bq = bq;
        L->qk_scale = s;
    }
    return m;
}

double *synth_inputs(const wl_cfg *w, uint64_t input_seed, uint32_t n)
{
    const layout Y = mk_layout(w);
    const uint32_t D = Y.D, V = w->synth.vocab;
    double *x = sim_xcalloc((size_t)n * D, sizeof *x);
    /* model-owned parts: frequencies and the word table */
    rng rf = { stream(w, 2) };
    double *omega = sim_xmalloc(Y.F * sizeof *omega);
    for (uint32_t f = 0; f < Y.F; f++) omega[f] = fabs(rng_normal(&rf)) / w->synth.window;
    /* the token sequence: Zipf words over 1..V-1, word 0 = separator */
    rng ri = { rng_mix(input_seed, 3) };
    double *cdf = sim_xmalloc(V * sizeof *cdf), tot = 0;
    for (uint32_t v = 1; v < V; v++) { tot += 1.0 / (double)v; cdf[v] = tot; }
    uint32_t *word = sim_xmalloc((size_t)n * sizeof *word);
    for (uint32_t j = 0; j < n; j++) {
        double u = rng_unit(&ri) * tot;
        uint32_t lo = 1, hi = V - 1;                   /* first v with cdf[v] >= u */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (cdf[mid] < u) lo = mid + 1; else hi = mid;
        }
        word[j] = lo;
    }
    const uint32_t N = w->n_prompt;
    word[0] = 0;
    for (uint32_t k = 0; k < w->synth.n_sep; k++) {
        uint32_t p = (uint32_t)(((uint64_t)(k + 1) * N) / (w->synth.n_sep + 1));
        if (p < N) word[p] = 0;
    }
    for (uint32_t j = 0; j < n; j++) {
        double *r = x + (size_t)j * D;
        r[0] = word[j] == 0 ? SINK_VALUE : 0.0;
        for (uint32_t f = 0; f < Y.F && 2 + 2 * f < D; f++) {
            r[1 + 2 * f] = 1.4142135623730951 * det_cos(omega[f] * (double)j);
            r[2 + 2 * f] = 1.4142135623730951 * det_sin(omega[f] * (double)j);
        }
        rng rw = { rng_mix(stream(w, 4), word[j]) };
        for (uint32_t i = 0; i < Y.WD; i++) r[Y.w0 + i] = rng_normal(&rw);
    }
    kern_layernorm(x, n, D, NULL, NULL, 1e-5);
    free(word);
    free(cdf);
    free(omega);
    return x;
}
