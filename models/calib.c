/* calib.c - calibration of the static policies (Attention Pruning's block mask, head metrics)
 * on a dense fixed-point run of the calibration input (docs/model.md, "Static policies"). */
#include "models/model_int.h"
#include "models/kern.h"
#include "models/synth.h"
#include "trace/fxp.h"
#include "trace/pol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- static policies: calibration ---- */

/* L1 norm of head h's weights in layer l: its Q, K, V columns (Q/K times the synthetic column
 * scale) and its rows of the output projection. */
static double head_magnitude(const ctx *c, uint32_t l, uint32_t h)
{
    const wt_layer *Lw = &c->m->L[l];
    const uint32_t D = c->D, c0 = h * c->dh;
    double s = 0.0;
    for (uint32_t i = 0; i < D; i++)
        for (uint32_t k = c0; k < c0 + c->dh; k++) {
            double sc = Lw->qk_scale ? (double)Lw->qk_scale[k] : 1.0;
            s += fabs((double)Lw->wq[(size_t)i * D + k]) * sc + fabs((double)Lw->wk[(size_t)i * D + k]) * sc +
                 fabs((double)Lw->wv[(size_t)i * D + k]);
        }
    for (uint32_t r = c0; r < c0 + c->dh; r++)
        for (uint32_t k = 0; k < D; k++) s += fabs((double)Lw->wo[(size_t)r * D + k]);
    return s;
}

void model_calibrate(ctx *c, const wl_cfg *w, const double *x_main)
{
    const uint32_t L = c->L, H = c->H;
    calib cal;
    memset(&cal, 0, sizeof cal);
    const bool ap = c->pol.static_mask;
    if (ap) {
        cal.B = c->pol.mask_block;
        cal.nb = (uint32_t)sim_ceil_div(c->n_total, cal.B);
        cal.blk = sim_xcalloc((size_t)L * cal.nb * cal.nb + 1, 8);
    }
    cal.ent = sim_xcalloc((size_t)L * H + 1, sizeof(double));
    cal.tv = sim_xcalloc((size_t)L * H + 1, sizeof(double));
    cal.rows = sim_xcalloc((size_t)L * H + 1, 8);
    cal.sparse = sim_xcalloc((size_t)L * H + 1, 8);
    cal.valid = sim_xcalloc((size_t)L * H + 1, 8);
    cal.eps_q = fxp_prob_threshold(w->policy.sparsity_eps, &c->fmt);
    /* dense fixed-point model, no policy, over the calibration inputs */
    ctx cc = *c;
    cc.pol.token_prune = cc.pol.head_prune = cc.pol.local_v = cc.pol.progressive = false;
    cc.pol.static_mask = cc.pol.static_heads = false;
    cc.ap_mask = NULL;
    cc.st_heads = NULL;
    cc.cal = &cal;
    cc.ms = NULL;
    cc.dense = NULL;
    cc.kc = cc.vc = NULL;
    cc.tok_imp = sim_xcalloc(c->n_total + 1, 8);
    cc.head_imp = sim_xcalloc(H + 1, 8);
    const uint32_t ninp = w->source == WL_SRC_WEIGHTS ? 1 : w->policy.calib_inputs;
    for (uint32_t k = 0; k < ninp; k++) {
        double *x = w->source == WL_SRC_WEIGHTS ? NULL
                                                 : synth_inputs(w, rng_mix(w->seed, 1000 + k), c->n_total);
        cc.x0 = x ? x : x_main;
        model_run_fxp(&cc, NULL);
        free(x);
    }
    free(cc.tok_imp);
    free(cc.head_imp);
    if (ap) {
        /* per layer: score = mean probability per valid entry of the block, as a fixed-point
         * integer; diagonal blocks always kept; of the other valid blocks keep all but
         * floor(p * n_valid) (n_valid counts diagonal ones too), by fxp_topk_ref */
        const uint32_t nb = cal.nb, B = cal.B;
        c->ap_nb = nb;
        c->ap_mask = sim_xcalloc((size_t)L * nb * nb + 1, 1);
        uint64_t *vals = sim_xmalloc((size_t)nb * nb * 8 + 8);
        uint32_t *idx = sim_xmalloc((size_t)nb * nb * 4 + 4), *sel = sim_xmalloc((size_t)nb * nb * 4 + 4);
        for (uint32_t l = 0; l < L; l++) {
            uint8_t *M = c->ap_mask + (size_t)l * nb * nb;
            uint32_t nv = 0, nd = 0;
            for (uint32_t r = 0; r < nb; r++)
                for (uint32_t q = 0; q < nb; q++) {
                    bool valid = !c->m->gpt2 || q <= r;
                    M[(size_t)r * nb + q] = 1;
                    if (!valid) continue;
                    if (q == r) { M[(size_t)r * nb + q] = 0; nd++; continue; }
                    uint64_t rows = (uint64_t)((r + 1) * B > c->n_total ? c->n_total - r * B : B);
                    uint64_t cols = (uint64_t)((q + 1) * B > c->n_total ? c->n_total - q * B : B);
                    uint64_t cnt = rows * cols * H * ninp;
                    vals[nv] = (cal.blk[((size_t)l * nb + r) * nb + q] << 16) / cnt;
                    idx[nv++] = r * nb + q;
                }
            uint32_t total = nv + nd;
            uint32_t drop = (uint32_t)floor(w->policy.ap_percentile * (double)total + 1e-9);
            uint32_t keep = total - drop > nd ? total - drop - nd : 0;
            if (keep > nv) keep = nv;
            fxp_topk_ref(vals, nv, keep, sel);
            for (uint32_t i = 0; i < keep; i++) M[idx[sel[i]]] = 0;
        }
        free(vals); free(idx); free(sel);
    }
    if (c->pol.static_heads) {
        c->st_heads = sim_xcalloc((size_t)L * H + 1, 1);
        const uint32_t keep = pol_ratio_count(1.0 - w->policy.head_ratio, H);
        uint64_t vals[SPT_MAX_HEADS];
        uint32_t sel[SPT_MAX_HEADS];
        for (uint32_t l = 0; l < L; l++) {
            for (uint32_t h = 0; h < H; h++) {
                size_t lh = (size_t)l * H + h;
                double v = 0.0, rows = cal.rows[lh] ? (double)cal.rows[lh] : 1.0;
                switch (w->policy.kind) {
                case WL_POL_HEAD_ENTROPY:      /* low mean entropy = focused = important */
                    v = (20.0 - cal.ent[lh] / rows) * 0x1p32;
                    break;
                case WL_POL_HEAD_SPARSITY:     /* many near-zero probabilities = important */
                    v = (double)cal.sparse[lh] / (double)(cal.valid[lh] ? cal.valid[lh] : 1) * 0x1p40;
                    break;
                case WL_POL_HEAD_DISTRIBUTION: /* far from uniform (total variation) = important */
                    v = cal.tv[lh] / rows * 0x1p40;
                    break;
                case WL_POL_HEAD_MAGNITUDE:    /* large weights = important */
                    v = head_magnitude(c, l, h) * 0x1p20;
                    break;
                default:                       /* head-random */
                    vals[h] = rng_mix(w->seed ^ 0x68656164ull, lh) >> 1;
                    continue;
                }
                vals[h] = (uint64_t)v;
            }
            fxp_topk_ref(vals, H, keep, sel);
            for (uint32_t i = 0; i < keep; i++) c->st_heads[(size_t)l * H + sel[i]] = 1;
        }
    }
    free(cal.blk); free(cal.ent); free(cal.tv); free(cal.rows); free(cal.sparse); free(cal.valid);
}

