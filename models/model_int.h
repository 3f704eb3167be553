/*
 * model_int.h - what the reference model's files share (model.c: the passes and the entry
 * points; calib.c: calibration of the static policies). Not a public API.
 */
#ifndef SPATTEN_MODEL_INT_H
#define SPATTEN_MODEL_INT_H

#include "models/model.h"
#include "models/weights.h"
#include "trace/st.h"

/* Calibration sink for static policies: statistics of the dense fixed-point model. */
typedef struct calib {
    uint32_t nb, B;            /* AP: blocks per side, block size */
    uint64_t *blk;             /* [layers][nb][nb] sum of probabilities in the block */
    double   *ent;             /* [layers][heads] sum of row entropies */
    uint64_t *rows;            /* [layers][heads] rows */
    uint64_t *sparse;          /* [layers][heads] probabilities below eps (valid keys only) */
    uint64_t *valid;           /* [layers][heads] valid (unmasked) probabilities */
    double   *tv;              /* [layers][heads] sum of total-variation distance to uniform */
    uint32_t eps_q;            /* eps in probability units */
} calib;

typedef struct ctx {
    const wl_cfg *w;
    const wt_model *m;
    const double *x0;          /* [n_total][D] input embeddings */
    uint32_t n_total, D, H, dh, L;
    spt_policy pol;
    fxp_fmt fmt;
    double *ent_tab;           /* [2^pb + 1] -(q/2^pb) ln(q/2^pb) */
    /* static policies */
    uint8_t *ap_mask;          /* [L][nb][nb] 1 = block masked, over positions; or NULL */
    uint32_t ap_nb;
    uint8_t *st_heads;         /* [L][H] 1 = head kept; or NULL */
    calib *cal;
    /* fxp K/V caches for generation: [L][H][n_total][dh] */
    int16_t *kc, *vc;
    /* dense float per-layer outputs for error statistics: [L][n_total][D]; NULL = none */
    float *dense;
    bool write_dense;          /* float run: write dense; fxp run: compare against it */
    double *err_num, *err_den; /* [L] */
    /* golden state */
    uint64_t *tok_imp;         /* [n_total] */
    uint64_t *head_imp;        /* [H] */
    model_stats *ms;
    double ent_sum[SPT_MAX_LAYERS];
    uint64_t ent_rows[SPT_MAX_LAYERS];
    double kv_bits_dense, kv_bits;
    /* float dump (model_float_dump): tensors collected here, buffers kept until written */
    st_writer *dump;
    void **keep;
    uint32_t n_keep;
} ctx;

/* The fixed-point (golden) run of the whole workload; tr NULL: calibration run (no trace). */
void model_run_fxp(ctx *c, spt_trace *tr);
/* Static policies: the dense calibration run, then the AP mask / kept heads into c. */
void model_calibrate(ctx *c, const wl_cfg *w, const double *x_main);

#endif
