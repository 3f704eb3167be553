/*
 * model.h - the reference model: multi-head attention transformers (BERT, GPT-2) in two
 * arithmetic modes, producing the golden trace the simulator must reproduce.
 *
 * The accelerator computes only attention; the model computes the rest of each layer (Q/K/V
 * projections, output projection, residual, LayerNorm, and the FFN when real weights are given)
 * in double precision, so layer l's Q/K/V depend on layer l-1's pruned output. In the fixed-point
 * (golden) mode each head's attention uses fxp.h exactly as the accelerator does, under the
 * workload's policy (policy.h); the float mode does the same structure in double (libm exp) and
 * serves the error statistics. Details and every rule: docs/model.md.
 */
#ifndef SPATTEN_MODEL_H
#define SPATTEN_MODEL_H

#include "base/common.h"
#include "trace/trace.h"
#include "models/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct model_layer_stats {
    uint64_t passes;          /* passes of this layer (1 + generated tokens) */
    uint64_t tok_sum;         /* sum over passes of keys attended (n_tok) */
    uint64_t head_sum;        /* sum over passes of heads alive */
    uint64_t rows;            /* query rows x heads */
    uint64_t lsb_rows;        /* of which needed the LSB re-fetch */
    uint64_t kv_rows_dense;   /* K rows a dense model fetches (per head, summed) */
    uint64_t k_rows;          /* K rows fetched under the policy (per head) */
    uint64_t v_rows;          /* V rows fetched under the policy (per head, after local V) */
    double   tok_kept;        /* mean n_tok per pass / mean dense n_tok */
    double   heads_kept;      /* mean heads alive / heads */
    double   lsb_frac;        /* lsb_rows / rows (0 when not progressive) */
    double   entropy;         /* mean attention-row entropy, nats (fixed-point probabilities) */
    double   err_rel_l2;      /* ||y_l - y_l^dense|| / ||y_l^dense|| of this layer's output
                                 (only with error stats; -1 otherwise); generation: last step */
} model_layer_stats;

typedef struct model_stats {
    uint32_t layers;
    model_layer_stats layer[SPT_MAX_LAYERS];
    double   err_rel_l2;      /* golden (fxp + policy) final-layer output vs dense float, over
                                 rows alive at the end (-1 when error stats are off) */
    double   err_fxp_dense;   /* fxp without pruning vs dense float (quantisation only; -1) */
    double   kv_reduction;    /* dense K+V rows fetched / policy K+V rows fetched (all layers) */
    double   lsb_frac;        /* LSB re-fetch fraction over all rows */
} model_stats;

/* Build the whole trace (fixed-point golden model under the workload's policy). With ms != NULL
 * fills the statistics; the error statistics additionally need w->error_stats (they run the
 * dense float model). Returns SIM_OK or an error (bad weights/tokens file: SIM_ETRACE/SIM_EIO). */
int  model_run(const wl_cfg *w, spt_trace **out, model_stats *ms, sim_err *err);

/* The dense float model (policy ignored) over all N + T positions, written as a safetensors
 * file of F64 tensors "l<layer>.h<head>.{q,k,v,out}" [N + T][d_head] (for NumPy checks). */
int  model_float_dump(const wl_cfg *w, const char *path, sim_err *err);

/* One head of attention in double (the float mode), for tests: q[nq][d], k/v[nk][d],
 * mask[nq][nk] (1 = excluded, may be NULL); p[nq][nk] and o[nq][d] out. Scores q.k / sqrt(d). */
void model_attn_float(const double *q, const double *k, const double *v, uint32_t nq,
                      uint32_t nk, uint32_t d, const uint8_t *mask, double *p, double *o);

/* The statistics as a cJSON object (for reports): {"layers": [{...per layer...}], "err_rel_l2",
 * "err_fxp_dense", "kv_reduction_estimate", "lsb_frac"}; errors that were not computed are null. */
struct cJSON;
struct cJSON *model_stats_to_json(const model_stats *ms);

/* Print the per-layer statistics table (spatten trace --stats). */
void model_stats_print(const model_stats *ms, const wl_cfg *w, void *file /* FILE* */);

#ifdef __cplusplus
}
#endif
#endif
