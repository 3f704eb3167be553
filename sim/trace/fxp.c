/* fxp.c - the accelerator's arithmetic (rules in fxp.h and docs/number-formats.md). */
#include "trace/fxp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define FXP_SSE2 1
#else
#define FXP_SSE2 0
#endif

/* Longest row the fast softmax keeps on the stack (16 KB of floats); longer rows take the
 * scalar path, which gives the same results. */
#define FXP_SOFTMAX_FAST_MAX 4096

void fxp_fmt_init(fxp_fmt *f, uint32_t bits, uint32_t frac, uint32_t k_lsb_bits,
                  uint32_t prob_bits, uint32_t d)
{
    SIM_ASSERT(bits >= 2 && bits <= 16 && frac < bits && k_lsb_bits < bits);
    SIM_ASSERT(prob_bits >= 1 && prob_bits <= 24 && d >= 1);
    f->bits = bits;
    f->frac = frac;
    f->k_lsb_bits = k_lsb_bits;
    f->v_bits = bits;
    f->prob_bits = prob_bits;
    f->d = d;
    f->scale = (float)(ldexp(1.0, -2 * (int)frac) / sqrt((double)d));
}

/* x * 2^frac rounded to the nearest integer, ties away from zero, saturated to `bits` bits */
static int32_t round_sat(double x, int frac, uint32_t bits)
{
    double v = ldexp(x, frac);
    v = v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
    double hi = ldexp(1.0, (int)bits - 1) - 1, lo = -ldexp(1.0, (int)bits - 1);
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    return (int32_t)v;
}

int16_t fxp_quantize(double x, const fxp_fmt *f)
{
    return (int16_t)round_sat(x, (int)f->frac, f->bits);
}

void fxp_fmt_set_v_bits(fxp_fmt *f, uint32_t v_bits)
{
    SIM_ASSERT(v_bits <= f->bits && v_bits + f->frac >= f->bits);
    f->v_bits = v_bits;
}

int16_t fxp_quantize_v(double x, const fxp_fmt *f)
{
    const int s = (int)(f->bits - f->v_bits);
    return (int16_t)(round_sat(x, (int)f->frac - s, f->v_bits) * (1 << s));
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

#if FXP_SSE2
/* pmaddwd pairs, int32 lanes: exact, since |sum| < 2^31 is guaranteed by the formats the
 * workload loader and trace reader accept (d * 2^(2(bits-1)) < 2^31). */
int32_t fxp_dot(const int16_t *a, const int16_t *b, uint32_t d)
{
    uint32_t i = 0;
    __m128i acc = _mm_setzero_si128();
    for (; i + 8 <= d; i += 8)
        acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(const void *)(a + i)),
                                                _mm_loadu_si128((const __m128i *)(const void *)(b + i))));
    int32_t t[4];
    _mm_storeu_si128((__m128i *)(void *)t, acc);
    int32_t s = t[0] + t[1] + t[2] + t[3];
    for (; i < d; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}
#else
int32_t fxp_dot(const int16_t *a, const int16_t *b, uint32_t d)
{
    int32_t s = 0;
    for (uint32_t i = 0; i < d; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}
#endif

/* exp(x) for x <= 0 in binary32: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 Taylor
 * polynomial in Horner form (max relative error ~2e-7 against exp), scaled by 2^n. Every
 * operation is a single binary32 op, so the result is the same on every IEEE machine. The
 * scaling adds n to the exponent field when the result is a normal float (p lies in
 * [0.70, 1.42], so for n >= -125 p * 2^n is normal and exact: the very float ldexpf returns);
 * n = -126 (x near -87) goes through ldexpf. */
static inline float exp1(float x)
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
    if (n < -125) return ldexpf(p, n);
    uint32_t u;
    memcpy(&u, &p, sizeof u);
    u = (uint32_t)((int32_t)u + n * (1 << 23));
    memcpy(&p, &u, sizeof p);
    return p;
}


float fxp_exp(float x) { return exp1(x); }

#if FXP_SSE2
/* exp1 on four lanes: the same IEEE binary32 operations in the same order (SSE2 mulps, addps,
 * subps, cvtdq2ps and cvttps2dq round exactly as their scalar forms do; no FMA). A group with
 * a lane below -87 or with n < -125 is redone lane by lane. Checked against the scalar form for
 * every float in [-88, 0] (docs/performance-accel.md). */
static inline void exp4(const float *xs, float *out)
{
    const __m128 zero = _mm_setzero_ps(), half = _mm_set1_ps(0.5f);
    __m128 x = _mm_loadu_ps(xs);
    __m128 special = _mm_cmplt_ps(x, _mm_set1_ps(-87.0f));
    x = _mm_andnot_ps(_mm_cmpgt_ps(x, zero), x);                 /* x > 0 -> 0 */
    __m128 kf = _mm_mul_ps(x, _mm_set1_ps(1.44269504088896341f));
    __m128 neg = _mm_cmplt_ps(kf, zero);
    __m128 rk = _mm_or_ps(_mm_and_ps(neg, _mm_sub_ps(kf, half)),
                          _mm_andnot_ps(neg, _mm_add_ps(kf, half)));
    __m128i n = _mm_cvttps_epi32(rk);
    __m128 nf = _mm_cvtepi32_ps(n);
    __m128 r = _mm_sub_ps(_mm_sub_ps(x, _mm_mul_ps(nf, _mm_set1_ps(0.693145751953125f))),
                          _mm_mul_ps(nf, _mm_set1_ps(1.428606765330187e-06f)));
    __m128 p = _mm_set1_ps(1.0f / 720.0f);
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 120.0f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 24.0f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 6.0f));
    p = _mm_add_ps(_mm_mul_ps(p, r), half);
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f));
    special = _mm_or_ps(special, _mm_castsi128_ps(_mm_cmplt_epi32(n, _mm_set1_epi32(-125))));
    if (_mm_movemask_ps(special)) {
        for (int i = 0; i < 4; i++) out[i] = exp1(xs[i]);
        return;
    }
    _mm_storeu_ps(out, _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(p), _mm_slli_epi32(n, 23))));
}
#endif

static uint32_t softmax_masked(const int32_t *s, const uint8_t *mask, uint32_t n,
                               const fxp_fmt *f, uint32_t *p)
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

/* The unmasked softmax, step for step as softmax_masked with mask == NULL, except that each
 * key's exponential is evaluated once and kept (exp1 is a pure function) and four keys go
 * through SSE2 at a time with the same operations in the same order. */
static uint32_t softmax_dense(const int32_t *s, uint32_t n, const fxp_fmt *f, uint32_t *p,
                              float *e)
{
    float m = -INFINITY;
    for (uint32_t j = 0; j < n; j++) {
        float x = (float)s[j] * f->scale;
        if (x > m) m = x;
    }
    uint32_t j0 = 0;
#if FXP_SSE2
    {
        const __m128 sc = _mm_set1_ps(f->scale), mv = _mm_set1_ps(m);
        for (; j0 + 4 <= n; j0 += 4) {
            __m128 x = _mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(
                                      _mm_loadu_si128((const __m128i *)(const void *)(s + j0))), sc), mv);
            float xs[4];
            _mm_storeu_ps(xs, x);
            exp4(xs, e + j0);
        }
    }
#endif
    for (uint32_t j = j0; j < n; j++) e[j] = exp1((float)s[j] * f->scale - m);
    float sum = 0.0f;
    for (uint32_t j = 0; j < n; j++) sum += e[j];          /* in index order, as fxp_softmax */
    const float one = ldexpf(1.0f, (int)f->prob_bits);
    uint32_t pmax = 0;
    j0 = 0;
#if FXP_SSE2
    if (sum != 0.0f) {        /* prob_bits <= 24 (fxp_fmt_init): q < 2^24 + 1 fits cvttps2dq */
        const __m128 sv = _mm_set1_ps(sum), ov = _mm_set1_ps(one), hv = _mm_set1_ps(0.5f);
        const __m128i oi = _mm_set1_epi32((int32_t)one);
        __m128i mx = _mm_setzero_si128();
        for (; j0 + 4 <= n; j0 += 4) {
            __m128 q = _mm_add_ps(_mm_mul_ps(_mm_div_ps(_mm_loadu_ps(e + j0), sv), ov), hv);
            __m128i ge = _mm_castps_si128(_mm_cmpge_ps(q, ov));
            __m128i v = _mm_or_si128(_mm_and_si128(ge, oi), _mm_andnot_si128(ge, _mm_cvttps_epi32(q)));
            _mm_storeu_si128((__m128i *)(void *)(p + j0), v);
            mx = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi32(v, mx), v),
                              _mm_andnot_si128(_mm_cmpgt_epi32(v, mx), mx));
        }
        uint32_t t[4];
        _mm_storeu_si128((__m128i *)(void *)t, mx);
        for (int i = 0; i < 4; i++) if (t[i] > pmax) pmax = t[i];
    }
#endif
    for (uint32_t j = j0; j < n; j++) {
        if (sum == 0.0f) { p[j] = 0; continue; }
        float pj = e[j] / sum;
        float q = pj * one + 0.5f;
        uint32_t v = q >= one ? (uint32_t)one : (uint32_t)q;
        p[j] = v;
        if (v > pmax) pmax = v;
    }
    return pmax;
}

uint32_t fxp_softmax(const int32_t *s, const uint8_t *mask, uint32_t n, const fxp_fmt *f,
                     uint32_t *p)
{
    float e[FXP_SOFTMAX_FAST_MAX];
    if (mask || n > FXP_SOFTMAX_FAST_MAX) return softmax_masked(s, mask, n, f, p);
    return softmax_dense(s, n, f, p, e);
}

/* prob x V outputs: each int64 sum rounded half up, shifted by prob_bits (arithmetic shift:
 * floor), saturated to int32 */
static void pv_round(const int64_t *acc, uint32_t d, const fxp_fmt *f, int32_t *out)
{
    const int64_t half = (int64_t)1 << (f->prob_bits - 1);
    for (uint32_t i = 0; i < d; i++) {
        int64_t o = (acc[i] + half) >> f->prob_bits;
        if (o > INT32_MAX) o = INT32_MAX;
        if (o < INT32_MIN) o = INT32_MIN;
        out[i] = (int32_t)o;
    }
}

static void pv_scalar(const uint32_t *p, const int16_t *v, const uint32_t *sel, uint32_t nsel,
                      uint32_t n, const fxp_fmt *f, int32_t *out)
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
    pv_round(acc, d, f, out);
}

#if FXP_SSE2
/* prob x V exactly as pv_scalar (int64 sums, then round and shift), rows at vbase + pos[t] * d with
 * probability p[pos[t]]: pairs of rows through pmaddwd into int32 partial sums flushed to int64
 * before they can overflow. Falls back to pv_scalar when the operands do not fit int16 lanes or
 * d is not a multiple of 8 (<= 1024). */
static void pv_exact(const uint32_t *p, const int16_t *vbase, const uint32_t *pos, uint32_t k,
                     const fxp_fmt *f, int32_t *out, uint32_t n_all)
{
    const uint32_t d = f->d;
    const uint64_t pair_max = (uint64_t)2 << (f->prob_bits + f->bits - 1);  /* 2 * 2^pb * 2^(bits-1) */
    if (d % 8 || d > 1024 || f->prob_bits > 14 || pair_max > (1ull << 30)) {
        pv_scalar(p, vbase, pos, k, n_all, f, out);
        return;
    }
    const uint32_t flush = (uint32_t)((((uint64_t)1 << 31) - 1) / pair_max);
    const uint32_t nv = d / 8;
    int64_t acc[1024];
    __m128i part[256];
    memset(acc, 0, d * sizeof acc[0]);
    for (uint32_t i = 0; i < 2 * nv; i++) part[i] = _mm_setzero_si128();
    uint32_t pairs = 0;
    for (uint32_t t = 0; t < k; t += 2) {
        const int16_t *ra = vbase + (size_t)pos[t] * d;
        uint32_t pa = p[pos[t]], pb = 0;
        const int16_t *rb = ra;
        if (t + 1 < k) { rb = vbase + (size_t)pos[t + 1] * d; pb = p[pos[t + 1]]; }
        const __m128i w = _mm_set1_epi32((int32_t)((pb << 16) | pa));
        for (uint32_t v = 0; v < nv; v++) {
            __m128i xa = _mm_loadu_si128((const __m128i *)(const void *)(ra + 8 * v));
            __m128i xb = _mm_loadu_si128((const __m128i *)(const void *)(rb + 8 * v));
            part[2 * v] = _mm_add_epi32(part[2 * v], _mm_madd_epi16(_mm_unpacklo_epi16(xa, xb), w));
            part[2 * v + 1] = _mm_add_epi32(part[2 * v + 1], _mm_madd_epi16(_mm_unpackhi_epi16(xa, xb), w));
        }
        if (++pairs == flush || t + 2 >= k) {
            int32_t tmp[4];
            for (uint32_t v = 0; v < 2 * nv; v++) {
                _mm_storeu_si128((__m128i *)(void *)tmp, part[v]);
                for (int e = 0; e < 4; e++) acc[4 * v + (uint32_t)e] += tmp[e];
                part[v] = _mm_setzero_si128();
            }
            pairs = 0;
        }
    }
    pv_round(acc, d, f, out);
}
#endif

void fxp_pv(const uint32_t *p, const int16_t *v, const uint32_t *sel, uint32_t nsel, uint32_t n,
            const fxp_fmt *f, int32_t *out)
{
#if FXP_SSE2
    if (sel) {
        pv_exact(p, v, sel, nsel, f, out, n);
        return;
    }
#endif
    pv_scalar(p, v, sel, nsel, n, f, out);
}

uint32_t fxp_prob_threshold(double thr, const fxp_fmt *f)
{
    return (uint32_t)floor(ldexp(thr, (int)f->prob_bits) + 0.5);
}

typedef struct { uint64_t v; uint32_t i; } vi;

/* a ranks before b: larger value, or equal value and lower index (a strict total order) */
static inline bool vi_before(vi a, vi b) { return a.v > b.v || (a.v == b.v && a.i < b.i); }

static int vi_cmp(const void *a, const void *b)
{
    const vi *x = a, *y = b;
    return vi_before(*x, *y) ? -1 : vi_before(*y, *x);
}

/* t[0, n) rearranged so that t[k] is the element of rank k (0 = best) and no element before it
 * ranks after it: quick-select with a median-of-three pivot; a range that is not halving
 * fast enough is sorted instead, so the worst case stays O(n log n). */
static void vi_select(vi *t, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n, budget = 64;
    while (hi - lo > 16) {
        if (budget-- == 0) break;
        uint32_t mid = lo + (hi - lo) / 2;
        vi a = t[lo], b = t[mid], c = t[hi - 1], p;
        if (vi_before(a, b)) p = vi_before(b, c) ? b : (vi_before(a, c) ? c : a);
        else p = vi_before(a, c) ? a : (vi_before(b, c) ? c : b);
        /* three-way is not needed: the order is total, only p itself compares equal */
        uint32_t i = lo, j = hi - 1;
        for (;;) {
            while (vi_before(t[i], p)) i++;
            while (vi_before(p, t[j])) j--;
            if (i >= j) break;
            vi x = t[i]; t[i] = t[j]; t[j] = x;
            i++; j--;
        }
        /* now t[lo, j] ranks at or before p and t[j + 1, hi) at or after it */
        if (k <= j) hi = j + 1;
        else lo = j + 1;
    }
    qsort(t + lo, hi - lo, sizeof *t, vi_cmp);
}

void fxp_topk_ref(const uint64_t *vals, uint32_t n, uint32_t k, uint32_t *out)
{
    if (k > n) k = n;
    if (k == 0) return;
    if (k == n) {
        for (uint32_t j = 0; j < n; j++) out[j] = j;
        return;
    }
    /* the k-th best element T by selection; the result is every element ranking at or before
     * T, collected in index order (so already ascending) */
    vi *t = sim_xmalloc((size_t)n * sizeof *t);
    for (uint32_t j = 0; j < n; j++) { t[j].v = vals[j]; t[j].i = j; }
    vi_select(t, n, k - 1);
    const vi thr = t[k - 1];
    free(t);
    uint32_t c = 0;
    for (uint32_t j = 0; j < n; j++) {
        vi e = { vals[j], j };
        if (!vi_before(thr, e)) out[c++] = j;
    }
    SIM_ASSERT(c == k);
}
