/*
 * kern.h - numeric kernels of the reference model (not hardware): dense matmul with double
 * accumulation, LayerNorm, GELU, and deterministic elementary functions (own polynomials, no
 * libm transcendental calls, so traces are the same on every IEEE-754 machine). Results never
 * depend on vectorisation: every output element is accumulated in a fixed order.
 */
#ifndef SPATTEN_KERN_H
#define SPATTEN_KERN_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[n][m] = x[n][k] . w[k][m] (+ b[m] if b), accumulation over k in ascending order, double.
 * w rows are ldw apart (>= m); only columns [c0, c0 + m) of w are used when w points there. */
void kern_matmul(const double *x, uint32_t n, uint32_t k, const float *w, uint32_t ldw,
                 uint32_t m, const float *b, double *y, uint32_t ldy);
/* LayerNorm of each row in place: (x - mean) / sqrt(var + eps) * g + b (g, b may be NULL). */
void kern_layernorm(double *x, uint32_t n, uint32_t dim, const float *g, const float *b,
                    double eps);
/* GELU, erf form (BERT) or tanh form (GPT-2), in place. */
void kern_gelu(double *x, size_t n, bool tanh_form);
/* Integer scores for one query row: s[j] = sum_p q[p] * kt[p * ldk + j], j < nk (exact int32;
 * equals fxp_dot(q, k_j) for every j). kt is K transposed ([d][ldk]). */
void kern_scores_i16(const int16_t *q, const int16_t *kt, uint32_t ldk, uint32_t nk, uint32_t d,
                     int32_t *s);
/* Double versions for the float model: s[j] = sum_p q[p] kt[p][j] (ascending p); y += a x. */
void kern_scores_f64(const double *q, const double *kt, uint32_t ldk, uint32_t nk, uint32_t d,
                     double *s);
void kern_axpy_f64(double a, const double *x, uint32_t n, double *y);

/* Deterministic elementary functions (double; relative error ~1e-15 except noted). */
double det_exp(double x);
double det_log(double x);          /* x > 0 */
double det_sin(double x);
double det_cos(double x);
double det_erf(double x);          /* Abramowitz-Stegun 7.1.26, |error| < 1.5e-7 */

/* Seeded randomness: splitmix64 stream. */
typedef struct rng { uint64_t s; } rng;
uint64_t rng_u64(rng *r);
double   rng_unit(rng *r);         /* [0, 1), 53 bits */
double   rng_normal(rng *r);       /* N(0,1): Box-Muller with det_log/det_cos */
uint64_t rng_mix(uint64_t a, uint64_t b);   /* hash of two words (seed derivation) */

#ifdef __cplusplus
}
#endif
#endif
