/* fxp.c - the accelerator's arithmetic (rules in fxp.h and docs/number-formats.md). */
#include "fxp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fxp_fmt_init(fxp_fmt *f, uint32_t bits, uint32_t frac, uint32_t k_lsb_bits,
                  uint32_t prob_bits, uint32_t d)
{
    SIM_ASSERT(bits >= 2 && bits <= 16 && frac < bits && k_lsb_bits < bits);
    SIM_ASSERT(prob_bits >= 1 && prob_bits <= 24 && d >= 1);
    f->bits = bits;
    f->frac = frac;
    f->k_lsb_bits = k_lsb_bits;
    f->prob_bits = prob_bits;
    f->d = d;
    f->scale = (float)(ldexp(1.0, -2 * (int)frac) / sqrt((double)d));
}

int16_t fxp_quantize(double x, const fxp_fmt *f)
{
    double v = ldexp(x, (int)f->frac);
    v = v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
    double hi = ldexp(1.0, (int)f->bits - 1) - 1, lo = -ldexp(1.0, (int)f->bits - 1);
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    return (int16_t)v;
}

double fxp_to_double(int32_t v, uint32_t frac) { return ldexp((double)v, -(int)frac); }

int16_t fxp_k_msb(int16_t k, const fxp_fmt *f) { return (int16_t)(k >> f->k_lsb_bits); }

uint8_t fxp_k_lsb(int16_t k, const fxp_fmt *f)
{
    return (uint8_t)((uint16_t)k & ((1u << f->k_lsb_bits) - 1u));
}

int16_t fxp_k_join(int16_t msb, uint8_t lsb, const fxp_fmt *f)
{
    return (int16_t)(msb * (1 << f->k_lsb_bits) + lsb);
}

int16_t fxp_k_msb_only(int16_t k, const fxp_fmt *f)
{
    return (int16_t)(fxp_k_msb(k, f) * (1 << f->k_lsb_bits));
}

int32_t fxp_dot(const int16_t *a, const int16_t *b, uint32_t d)
{
    int32_t s = 0;
    for (uint32_t i = 0; i < d; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

/* exp(x) for x <= 0 in binary32: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 Taylor
 * polynomial in Horner form (max relative error ~2e-7 against exp), scaled by 2^n exactly.
 * Every operation is a single binary32 op, so the result is the same on every IEEE machine. */
float fxp_exp(float x)
{
    if (x < -87.0f) return 0.0f;
    if (x > 0.0f) x = 0.0f;
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    float kf = x * 1.44269504088896341f;
    int n = (int)(kf < 0 ? kf - 0.5f : kf + 0.5f);
    float r = (x - (float)n * ln2_hi) - (float)n * ln2_lo;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    return ldexpf(p, n);
}

uint32_t fxp_softmax(const int32_t *s, const uint8_t *mask, uint32_t n, const fxp_fmt *f,
                     uint32_t *p)
{
    float m = -INFINITY;
    for (uint32_t j = 0; j < n; j++)
        if (!mask || !mask[j]) {
            float x = (float)s[j] * f->scale;
            if (x > m) m = x;
        }
    float sum = 0.0f;
    for (uint32_t j = 0; j < n; j++)
        if (!mask || !mask[j]) sum += fxp_exp((float)s[j] * f->scale - m);
    const float one = ldexpf(1.0f, (int)f->prob_bits);
    uint32_t pmax = 0;
    for (uint32_t j = 0; j < n; j++) {
        if ((mask && mask[j]) || sum == 0.0f) { p[j] = 0; continue; }
        float pj = fxp_exp((float)s[j] * f->scale - m) / sum;
        float q = pj * one + 0.5f;
        uint32_t v = q >= one ? (uint32_t)one : (uint32_t)q;
        p[j] = v;
        if (v > pmax) pmax = v;
    }
    return pmax;
}

void fxp_pv(const uint32_t *p, const int16_t *v, const uint32_t *sel, uint32_t nsel, uint32_t n,
            const fxp_fmt *f, int32_t *out)
{
    const uint32_t d = f->d;
    int64_t acc[1024];
    SIM_ASSERT(d <= 1024);
    memset(acc, 0, d * sizeof acc[0]);
    uint32_t cnt = sel ? nsel : n;
    for (uint32_t t = 0; t < cnt; t++) {
        uint32_t j = sel ? sel[t] : t;
        SIM_ASSERT(j < n);
        const int16_t *row = v + (size_t)j * d;
        int64_t pj = p[j];
        for (uint32_t i = 0; i < d; i++) acc[i] += pj * row[i];
    }
    const int64_t half = (int64_t)1 << (f->prob_bits - 1);
    for (uint32_t i = 0; i < d; i++) {
        int64_t o = (acc[i] + half) >> f->prob_bits;   /* arithmetic shift: floor */
        if (o > INT32_MAX) o = INT32_MAX;
        if (o < INT32_MIN) o = INT32_MIN;
        out[i] = (int32_t)o;
    }
}

uint32_t fxp_prob_threshold(double thr, const fxp_fmt *f)
{
    return (uint32_t)floor(ldexp(thr, (int)f->prob_bits) + 0.5);
}

typedef struct { uint64_t v; uint32_t i; } vi;

static int vi_cmp(const void *a, const void *b)
{
    const vi *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;   /* larger value first */
    return x->i < y->i ? -1 : (x->i > y->i);          /* ties: lower index first */
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : (x > y);
}

void fxp_topk_ref(const uint64_t *vals, uint32_t n, uint32_t k, uint32_t *out)
{
    if (k > n) k = n;
    vi *t = sim_xmalloc((size_t)n * sizeof *t);
    for (uint32_t j = 0; j < n; j++) { t[j].v = vals[j]; t[j].i = j; }
    qsort(t, n, sizeof *t, vi_cmp);
    for (uint32_t j = 0; j < k; j++) out[j] = t[j].i;
    qsort(out, k, sizeof *out, u32_cmp);
    free(t);
}
