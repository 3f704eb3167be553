/*
 * weights.h - a transformer's weights in memory, and loading them from a safetensors file with
 * the Hugging Face tensor names of BERT (BertModel / BertFor*: "bert." prefix optional) or GPT-2
 * (GPT2Model / GPT2LMHeadModel: "transformer." prefix optional). Names and layouts:
 * docs/model.md "Real weights".
 *
 * All matrices are float, row-major, oriented x . W (W[in][out]); HF Linear weights ([out][in])
 * are transposed on load, GPT-2 Conv1D weights are already [in][out]. Synthetic models
 * (synth.h) share one set of base matrices between layers and vary them per layer through
 * per-column scales (qk_scale); real models have qk_scale NULL.
 */
#ifndef SPATTEN_WEIGHTS_H
#define SPATTEN_WEIGHTS_H

#include "base/common.h"
#include "models/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wt_layer {
    const float *wq, *wk, *wv, *wo;   /* [d_model][d_model] */
    const float *bq, *bk, *bv, *bo;   /* [d_model] or NULL */
    const float *qk_scale;            /* synthetic: [d_model] column scale of Q and K; or NULL */
    const float *ln1_g, *ln1_b;       /* BERT: after attention; GPT-2: ln_1 (before attention) */
    const float *ln2_g, *ln2_b;       /* BERT: after FFN; GPT-2: ln_2 (before FFN) */
    const float *w1, *b1, *w2, *b2;   /* FFN [d_model][d_ff], [d_ff][d_model]; NULL = no FFN */
} wt_layer;

typedef struct wt_model {
    uint32_t layers, heads, d_model, d_ff;
    bool     gpt2;                    /* pre-LN + causal (GPT-2) vs post-LN (BERT) */
    double   ln_eps;
    wt_layer *L;                      /* [layers] */
    /* owned storage */
    float  **blobs;
    uint32_t n_blobs;
} wt_model;

void  wt_free(wt_model *m);                          /* NULL ok */
float *wt_blob(wt_model *m, size_t n);               /* zeroed storage owned by m */

/* Load the model named by w (source "weights") and the input embeddings of its N + T tokens:
 * x0[N + T][d_model] (BERT: word + position + token-type 0, then the embedding LayerNorm;
 * GPT-2: wte + wpe). Errors name the file and tensor (SIM_ETRACE) or I/O (SIM_EIO). */
int   wt_load(const wl_cfg *w, wt_model **out, double **x0, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
