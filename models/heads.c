/* heads.c - output heads of the trained checkpoints on final-layer rows (quality.h; tensor names
 * in docs/model.md "Output heads"). Double precision; libm is fine here (never traced). */
#include "models/quality.h"
#include "models/kern.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* out[v] = sum_k h[k] * E[v][k] (+ bias[v]), E [vocab][D] (tied embedding layout) */
static void decode(const float *E, const float *bias, uint32_t vocab, uint32_t D, const double *h,
                   double *out)
{
    for (uint32_t v = 0; v < vocab; v++) {
        const float *e = E + (size_t)v * D;
        double s = 0.0;
        for (uint32_t k = 0; k < D; k++) s += h[k] * (double)e[k];
        out[v] = bias ? s + (double)bias[v] : s;
    }
}

void heads_lm(const wt_model *m, const double *h, double *out)
{
    const uint32_t D = m->d_model;
    double *a = sim_xmalloc((size_t)D * sizeof *a + 8);
    memcpy(a, h, (size_t)D * sizeof *a);
    kern_layernorm(a, 1, D, m->hd.lnf_g, m->hd.lnf_b, m->ln_eps);
    decode(m->hd.lm_w, NULL, m->vocab, D, a, out);
    free(a);
}

void heads_mlm(const wt_model *m, const double *h, double *out)
{
    const uint32_t D = m->d_model;
    double *a = sim_xmalloc((size_t)D * sizeof *a + 8);
    kern_matmul(h, 1, D, m->hd.mlm_w, D, D, m->hd.mlm_b, a, D);
    kern_gelu(a, D, false);
    kern_layernorm(a, 1, D, m->hd.mlm_ln_g, m->hd.mlm_ln_b, m->ln_eps);
    decode(m->hd.mlm_dec, m->hd.mlm_bias, m->vocab, D, a, out);
    free(a);
}

void heads_cls(const wt_model *m, const double *h, double *out)
{
    const uint32_t D = m->d_model;
    double *a = sim_xmalloc((size_t)D * sizeof *a + 8);
    kern_matmul(h, 1, D, m->hd.pool_w, D, D, m->hd.pool_b, a, D);
    for (uint32_t k = 0; k < D; k++) a[k] = tanh(a[k]);
    kern_matmul(a, 1, D, m->hd.cls_w, m->hd.n_labels, m->hd.n_labels, m->hd.cls_b, out,
                m->hd.n_labels);
    free(a);
}
