/*
 * quality.h - model quality measured by the reference model on a trained checkpoint: the
 * workload's eval_split runs through the golden fixed-point model under the workload's policy
 * (or through the dense float model), and the output heads turn the final-layer rows into
 * predictions. GPT-2: perplexity of the generated tokens (teacher-forced). BERT: masked-token
 * accuracy and classification accuracy. Definitions: docs/model.md "Quality".
 */
#ifndef SPATTEN_QUALITY_H
#define SPATTEN_QUALITY_H

#include "base/common.h"
#include "models/workload.h"
#include "models/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct model_quality {
    bool     lm;              /* causal LM (perplexity) vs encoder (MLM + classification) */
    bool     float_mode;      /* dense float model (no policy, no quantisation) */
    uint32_t seqs;            /* evaluation sequences */
    uint64_t lm_n;            /* next-token predictions scored */
    uint64_t lm_pruned;       /* positions that would predict but have no final-layer row (their
                                 token was pruned): not scored, counted here; lm_n + lm_pruned =
                                 seqs x the positions each sequence predicts */
    double   lm_nll;          /* their summed negative log-likelihood (nats) */
    double   ppl;             /* exp(lm_nll / lm_n) */
    uint64_t mlm_n, mlm_hit;  /* masked tokens, correctly predicted */
    uint64_t mlm_pruned;      /* masked tokens with no final-layer row (pruned): counted wrong */
    double   mlm_acc;
    uint32_t cls_n, cls_hit;  /* sequences classified, correctly */
    uint32_t cls_pruned;      /* sequences whose [CLS] row was pruned: counted wrong */
    double   cls_acc;
    uint32_t threads;         /* worker threads used */
} model_quality;

/* Run the evaluation split of w (source weights, eval_split set). Errors: SIM_EINVAL (no eval
 * split, a checkpoint without the needed head), SIM_ETRACE (bad split file), SIM_EIO. */
int  model_quality_run(const wl_cfg *w, bool float_mode, model_quality *q, sim_err *err);

/* Logits of the workload's own token list in the dense float model, as a safetensors file with
 * F64 tensors: GPT-2 "lm_logits" [N + T][vocab]; BERT "mlm_logits" [N][vocab] and, with a
 * classifier, "cls_logits" [1][labels] (for the PyTorch cross-check, tests/py). */
int  model_logits_dump(const wl_cfg *w, const char *path, sim_err *err);

struct cJSON;
struct cJSON *model_quality_to_json(const model_quality *q);
void model_quality_print(const model_quality *q, void *file /* FILE* */);

/* Output heads on one final-layer row h[d_model] (heads.c): logits out[vocab] / out[labels]. */
void heads_lm(const wt_model *m, const double *h, double *out);
void heads_mlm(const wt_model *m, const double *h, double *out);
void heads_cls(const wt_model *m, const double *h, double *out);

#ifdef __cplusplus
}
#endif
#endif
