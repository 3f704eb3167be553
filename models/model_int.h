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
    uint32_t threads;          /* worker threads for the heads of a pass (1 = none) */
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
    /* final-layer hidden rows by position [n_total][D] and which were produced (quality,
     * logits); NULL = not kept */
    double *fin;
    uint8_t *fin_ok;
    /* calibration inputs from the workload's calib_split ([n][n_total][D]); NULL = default */
    double **calib_x;
    uint32_t n_calib_x;
    /* float dump (model_float_dump): tensors collected here, buffers kept until written */
    st_writer *dump;
    void **keep;
    uint32_t n_keep;
} ctx;

typedef struct model_pass_io {
    uint32_t step, l;
    const uint32_t *S; uint32_t nS;       /* keys: alive positions, ascending */
    const uint32_t *Hs; uint32_t nH;      /* alive heads, ascending */
    uint32_t q0;                          /* query rows = S[q0 .. nS) (also the new K/V rows) */
    uint32_t seq_len;                     /* N or N + t */
    spt_pass *tp;                         /* trace pass to fill (NULL: calibration) */
} model_pass_io;

/* A zeroed c for w: shapes, then the inputs (the weights file, or the synthetic model and
 * inputs); *m and *x0 are the caller's (wt_free, free), c points at them (model.c). */
int  model_ctx_open(ctx *c, const wl_cfg *w, wt_model **m, double **x0, sim_err *err);
/* The generation K/V caches of every layer, head and position: allocated zeroed (on) or freed;
 * any old ones are freed first (model.c). */
void model_ctx_caches(ctx *c, bool on);
/* Shared layer pieces (model.c). */
void model_project(const ctx *c, const double *A, uint32_t n, const float *W, const float *b,
                   const float *scale, uint32_t h, double *out);
void model_finish_layer(const ctx *c, const wt_layer *Lw, double *X, double *O, uint32_t n);
void model_record_err(ctx *c, uint32_t l, const double *X, const uint32_t *pos, uint32_t n);
/* One (step, layer) pass in fixed point (pass.c); X[nq][D] in, layer output out. */
void model_fxp_pass(ctx *c, const model_pass_io *io, double *X);

/* The fixed-point (golden) run of the whole workload; tr NULL: calibration run (no trace). */
void model_run_fxp(ctx *c, spt_trace *tr);
/* The dense float model over all n_total positions (fills c->dense / c->fin when set). */
void model_run_float(ctx *c);
/* Load the workload's calib_split as calibration inputs into c (quality.c). */
int  model_calib_inputs(ctx *c, const wl_cfg *w, sim_err *err);
void model_calib_inputs_free(ctx *c);
/* Static policies: the dense calibration run, then the AP mask / kept heads into c. */
void model_calibrate(ctx *c, const wl_cfg *w, const double *x_main);

#endif
