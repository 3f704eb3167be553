/* kern.c - numeric kernels of the reference model (see kern.h). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")   /* vectorise the inner loops; results do not depend on it */
#endif
#include "models/kern.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define KERN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KERN_CLONES
#endif

KERN_CLONES
void kern_matmul(const double *x, uint32_t n, uint32_t k, const float *w, uint32_t ldw,
                 uint32_t m, const float *b, double *y, uint32_t ldy)
{
    enum { RB = 8, CB = 128 };
    double acc[RB][CB];
    for (uint32_t c0 = 0; c0 < m; c0 += CB) {
        uint32_t cn = m - c0 < CB ? m - c0 : CB;
        for (uint32_t i0 = 0; i0 < n; i0 += RB) {
            uint32_t rn = n - i0 < RB ? n - i0 : RB;
            for (uint32_t r = 0; r < rn; r++)
                for (uint32_t j = 0; j < cn; j++) acc[r][j] = 0.0;
            for (uint32_t p = 0; p < k; p++) {
                const float *wr = w + (size_t)p * ldw + c0;
                for (uint32_t r = 0; r < rn; r++) {
                    const double xv = x[(size_t)(i0 + r) * k + p];
                    if (xv == 0.0) continue;
                    double *a = acc[r];
                    for (uint32_t j = 0; j < cn; j++) a[j] += xv * (double)wr[j];
                }
            }
            for (uint32_t r = 0; r < rn; r++) {
                double *yr = y + (size_t)(i0 + r) * ldy + c0;
                for (uint32_t j = 0; j < cn; j++)
                    yr[j] = acc[r][j] + (b ? (double)b[c0 + j] : 0.0);
            }
        }
    }
}

void kern_layernorm(double *x, uint32_t n, uint32_t dim, const float *g, const float *b,
                    double eps)
{
    for (uint32_t i = 0; i < n; i++) {
        double *r = x + (size_t)i * dim;
        double mean = 0.0, var = 0.0;
        for (uint32_t j = 0; j < dim; j++) mean += r[j];
        mean /= (double)dim;
        for (uint32_t j = 0; j < dim; j++) var += (r[j] - mean) * (r[j] - mean);
        var /= (double)dim;
        double inv = 1.0 / sqrt(var + eps);   /* sqrt is correctly rounded (IEEE) */
        for (uint32_t j = 0; j < dim; j++) {
            double v = (r[j] - mean) * inv;
            if (g) v = v * (double)g[j];
            if (b) v = v + (double)b[j];
            r[j] = v;
        }
    }
}

void kern_gelu(double *x, size_t n, bool tanh_form)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (tanh_form) {
            double u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
            double t = 1.0 - 2.0 / (det_exp(2.0 * u) + 1.0);   /* tanh(u) */
            x[i] = 0.5 * v * (1.0 + t);
        } else {
            x[i] = 0.5 * v * (1.0 + det_erf(v * 0.7071067811865476));
        }
    }
}

KERN_CLONES
void kern_scores_i16(const int16_t *q, const int16_t *kt, uint32_t ldk, uint32_t nk, uint32_t d,
                     int32_t *s)
{
    for (uint32_t j = 0; j < nk; j++) s[j] = 0;
    for (uint32_t p = 0; p < d; p++) {
        const int32_t qv = q[p];
        if (qv == 0) continue;
        const int16_t *kr = kt + (size_t)p * ldk;
        for (uint32_t j = 0; j < nk; j++) s[j] += qv * (int32_t)kr[j];
    }
}

KERN_CLONES
void kern_scores_f64(const double *q, const double *kt, uint32_t ldk, uint32_t nk, uint32_t d,
                     double *s)
{
    for (uint32_t j = 0; j < nk; j++) s[j] = 0.0;
    for (uint32_t p = 0; p < d; p++) {
        const double qv = q[p];
        const double *kr = kt + (size_t)p * ldk;
        for (uint32_t j = 0; j < nk; j++) s[j] += qv * kr[j];
    }
}

KERN_CLONES
void kern_axpy_f64(double a, const double *x, uint32_t n, double *y)
{
    for (uint32_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* ---- deterministic elementary functions ---- */

double det_exp(double x)
{
    if (x < -745.0) return 0.0;
    if (x > 709.0) return HUGE_VAL;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    double kf = x * 1.4426950408889634;
    int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
    double r = (x - (double)k * ln2_hi) - (double)k * ln2_lo;
    double p = 1.0;
    for (int i = 14; i >= 1; i--) p = 1.0 + p * r / (double)i;   /* Horner of Taylor series */
    return ldexp(p, k);
}

double det_log(double x)
{
    if (!(x > 0.0)) return -HUGE_VAL;
    int e;
    double m = frexp(x, &e);                 /* x = m 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752) { m *= 2.0; e--; }
    double z = (m - 1.0) / (m + 1.0), z2 = z * z, s = 0.0;
    for (int i = 23; i >= 1; i -= 2) s = s * z2 + 1.0 / (double)i;
    return 2.0 * z * s + (double)e * 0.69314718055994530942;
}

static double sin_poly(double r)
{
    double r2 = r * r, s = 0.0, t = r;
    for (int i = 1; i <= 21; i += 2) {
        s += t;
        t = -t * r2 / (double)((i + 1) * (i + 2));
    }
    return s;
}

static double cos_poly(double r)
{
    double r2 = r * r, s = 0.0, t = 1.0;
    for (int i = 0; i <= 20; i += 2) {
        s += t;
        t = -t * r2 / (double)((i + 1) * (i + 2));
    }
    return s;
}

static double reduce_half_pi(double x, int *q)
{
    const double pio2_hi = 1.57079632673412561417e+00, pio2_lo = 6.07710050650619224932e-11;
    double kf = x * 0.63661977236758134308;
    double k = kf < 0 ? -floor(-kf + 0.5) : floor(kf + 0.5);
    *q = (int)((long long)k & 3);
    return (x - k * pio2_hi) - k * pio2_lo;
}

double det_sin(double x)
{
    int q;
    double r = reduce_half_pi(x, &q);
    switch (q) {
    case 0: return sin_poly(r);
    case 1: return cos_poly(r);
    case 2: return -sin_poly(r);
    default: return -cos_poly(r);
    }
}

double det_cos(double x)
{
    int q;
    double r = reduce_half_pi(x, &q);
    switch (q) {
    case 0: return cos_poly(r);
    case 1: return -sin_poly(r);
    case 2: return -cos_poly(r);
    default: return sin_poly(r);
    }
}

double det_erf(double x)
{
    double s = x < 0 ? -1.0 : 1.0, a = fabs(x);
    double t = 1.0 / (1.0 + 0.3275911 * a);
    double y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t
                        - 0.284496736) * t + 0.254829592) * t * det_exp(-a * a);
    return s * y;
}

uint64_t rng_u64(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double rng_unit(rng *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

double rng_normal(rng *r)
{
    double u1 = rng_unit(r), u2 = rng_unit(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * det_log(u1)) * det_cos(6.283185307179586 * u2);
}

uint64_t rng_mix(uint64_t a, uint64_t b)
{
    rng r = { a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) };
    rng_u64(&r);
    return rng_u64(&r);
}
