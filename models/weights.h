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

/* Output heads (heads.c computes them; docs/model.md "Output heads"). Matrices x . W. */
typedef struct wt_heads {
    const float *lnf_g, *lnf_b;       /* GPT-2: final ln_f (both NULL: no LM head) */
    const float *lm_w;                /* GPT-2: [vocab][d_model] (lm_head.weight, or wte tied) */
    const float *mlm_w, *mlm_b;       /* BERT MLM transform dense [d_model][d_model], [d_model] */
    const float *mlm_ln_g, *mlm_ln_b; /* BERT MLM transform LayerNorm */
    const float *mlm_dec;             /* [vocab][d_model] (decoder, or word embeddings tied) */
    const float *mlm_bias;            /* [vocab] */
    const float *pool_w, *pool_b;     /* BERT pooler [d_model][d_model] (tanh) */
    const float *cls_w, *cls_b;       /* classifier [d_model][n_labels], [n_labels] */
    uint32_t n_labels;                /* 0: no classifier */
} wt_heads;

typedef struct wt_model {
    uint32_t layers, heads, d_model, d_ff;
    bool     gpt2;                    /* pre-LN + causal (GPT-2) vs post-LN (BERT) */
    double   ln_eps;
    wt_layer *L;                      /* [layers] */
    /* checkpoints only (synthetic models: all NULL / 0) */
    uint32_t vocab, n_pos;            /* rows of the word and position embeddings */
    const float *emb_w, *emb_p;       /* [vocab][d_model], [n_pos][d_model] */
    const float *emb_t0;              /* BERT: token-type 0 row [d_model], or NULL */
    const float *emb_ln_g, *emb_ln_b; /* BERT: embedding LayerNorm */
    wt_heads hd;                      /* output heads (NULL members when absent) */
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
/* The input embeddings of n token ids (ids below m->vocab, n <= m->n_pos), as wt_load computes
 * them: out[n][d_model]. */
void  wt_embed(const wt_model *m, const uint32_t *ids, uint32_t n, double *out);

#ifdef __cplusplus
}
#endif
#endif
