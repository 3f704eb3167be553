/*
 * fxp.h - the accelerator's arithmetic, bit for bit. ONE implementation shared by the reference
 * model (golden values) and the simulator's datapath modules (which call these per row/element
 * as the hardware computes them), so "bit-exact" is a property of one piece of code; what the
 * simulator adds (and the golden check verifies) is WHICH rows/tokens/heads get fetched,
 * selected and combined, and when. Rules (docs/number-formats.md):
 *  - Q, K, V: signed two's complement, `bits` wide (default 12), `frac` fraction bits, stored in
 *    int16_t. Quantisation from float: round half away from zero, saturate.
 *  - K progressive quantisation: k = msb * 2^lsb_bits + lsb, msb = k >> lsb_bits (arithmetic,
 *    floor), lsb = k & (2^lsb_bits - 1) (unsigned). The MSB-only approximation is msb << lsb_bits.
 *  - Score: exact int32 dot product sum(q[i] * k[i]).
 *  - Softmax in IEEE-754 binary32 with no fused multiply-add (-ffp-contract=off): x = s * scale
 *    (scale = 2^(-2 frac) / sqrt(d) rounded to binary32 once), m = max x, e_j = fxp_exp(x_j - m)
 *    (our own range reduction + polynomial, so no libm differences across machines), sum in index
 *    order, p_j = e_j / sum, quantised to prob_bits unsigned fraction bits: round(p * 2^pb)
 *    half up, so p lies in [0, 2^pb]. Masked (causal / pruned) entries have p = 0.
 *  - prob x V: int64 accumulate sum(p_j * v_j), output = (acc + 2^(pb-1)) >> pb (arithmetic),
 *    giving `frac` fraction bits, saturated to int32.
 */
#ifndef SPATTEN_FXP_H
#define SPATTEN_FXP_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fxp_fmt {
    uint32_t bits;        /* Q/K/V width, e.g. 12 */
    uint32_t frac;        /* fraction bits of Q/K/V and of outputs */
    uint32_t k_lsb_bits;  /* LSB plane width of K (0: no progressive quantisation planes) */
    uint32_t v_bits;      /* stored width of V (<= bits; = bits unless set): V keeps the Q/K scale,
                             its low bits - v_bits bits are 0 (fxp_quantize_v) */
    uint32_t prob_bits;   /* probability fraction bits, e.g. 12 */
    uint32_t d;           /* head dimension */
    float    scale;       /* 2^(-2 frac) / sqrt(d), binary32; set by fxp_fmt_init */
} fxp_fmt;

void     fxp_fmt_init(fxp_fmt *f, uint32_t bits, uint32_t frac, uint32_t k_lsb_bits,
                      uint32_t prob_bits, uint32_t d);
int16_t  fxp_quantize(double x, const fxp_fmt *f);               /* round half away, saturate */
/* Sets the stored width of V: bits - frac <= v_bits <= bits (asserted). */
void     fxp_fmt_set_v_bits(fxp_fmt *f, uint32_t v_bits);
/* A V element: x rounded (half away from zero) to v_bits bits with frac - (bits - v_bits)
 * fraction bits, saturated, and returned at the Q/K scale (shifted left by bits - v_bits). */
int16_t  fxp_quantize_v(double x, const fxp_fmt *f);
double   fxp_to_double(int32_t v, uint32_t frac);
int16_t  fxp_k_msb(int16_t k, const fxp_fmt *f);                 /* k >> lsb_bits */
uint8_t  fxp_k_lsb(int16_t k, const fxp_fmt *f);                 /* k & mask */
int16_t  fxp_k_join(int16_t msb, uint8_t lsb, const fxp_fmt *f); /* inverse of the two above */
int16_t  fxp_k_msb_only(int16_t k, const fxp_fmt *f);            /* msb << lsb_bits */
int32_t  fxp_dot(const int16_t *a, const int16_t *b, uint32_t d);
float    fxp_exp(float x);                                       /* deterministic, x <= 0 */
/* Softmax over n scores; mask[j] != 0 means entry j is excluded (p = 0); mask may be NULL.
 * Writes p[n] (prob_bits fraction). Returns max p. */
uint32_t fxp_softmax(const int32_t *s, const uint8_t *mask, uint32_t n, const fxp_fmt *f,
                     uint32_t *p);
/* out[d] = round(sum_j p[j] * v[j][:] / 2^pb) over the rows listed in sel[0..nsel) (all n
 * rows if sel is NULL). v rows are d apart. */
void     fxp_pv(const uint32_t *p, const int16_t *v, const uint32_t *sel, uint32_t nsel,
                uint32_t n, const fxp_fmt *f, int32_t *out);
/* Probability threshold in prob units: round(thr * 2^pb). */
uint32_t fxp_prob_threshold(double thr, const fxp_fmt *f);

/* Top-k reference (not the hardware engine): indices of the k largest vals among idx[0..n)
 * (by value descending, ties: lower index first), written to out in ascending index order.
 * Every top-k in the project - model, simulator engine, RTL - must select this set. */
void     fxp_topk_ref(const uint64_t *vals, uint32_t n, uint32_t k, uint32_t *out);

#ifdef __cplusplus
}
#endif
#endif
