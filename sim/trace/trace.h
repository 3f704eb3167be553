/*
 * trace.h - a trace in memory: what the accelerator sees, plus the golden results.
 *
 * Produced by the reference model (model_run), written/read as a .spt file (safetensors layout;
 * tensor names in docs/trace-format.md), consumed by the simulator (`spatten sim`/`run`).
 *
 * A trace is a sequence of PASSES, one per (step, layer) in execution order:
 *   step 0            the summarization stage: all prompt tokens alive at that layer attend
 *                     (BERT: bidirectional; GPT-2: causal by original position);
 *   step t = 1..T     generation step t: one new token (position N + t - 1) queries the K/V cache.
 * For each pass the trace says which tokens and heads are alive at that layer (the golden result
 * of cascade pruning before the layer), the Q rows, the K/V rows the pass adds to the layer's K/V
 * cache (all alive tokens in summarization, the new token in generation), and golden outputs.
 * K rows of tokens cached by earlier passes are not repeated: the simulator keeps its DRAM image.
 *
 * Layout conventions: per-head arrays are [n_head][rows][d] in the order of head_idx; token
 * index arrays are ascending original positions.
 */
#ifndef SPATTEN_TRACE_H
#define SPATTEN_TRACE_H

#include "base/common.h"
#include "trace/fxp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPT_MAX_LAYERS 64
#define SPT_NAME_MAX   63   /* longest workload/model/policy name (spt_name_ok) */
#define SPT_NAME_FORM  "1 to 63 characters from A-Z a-z 0-9 . _ + -, the first a letter or digit"
#define SPT_MAX_HEADS  64   /* heads per layer (the model keeps per-head arrays on the stack) */

/* Pruning/quantisation policy as the accelerator must execute it (from the workload config). */
typedef struct spt_policy {
    char     name[32];                 /* "none", "spatten", "ap", "head-static", ... */
    /* cascade token pruning: before layer l keep k tokens, k = pol_tok_keep() in policy.h:
     * in summarization exactly ceil(tok_keep[l] * alive) (1.0 = no pruning at l; layers before
     * the start layer hold 1.0); in generation the same per-layer targets computed from the
     * current sequence length, so pruning does not compound across steps (docs/model.md) */
    bool     token_prune;
    double   tok_keep[SPT_MAX_LAYERS];
    /* cascade head pruning: keep ceil(head_keep[l] * alive) heads before layer l (pol_head_keep) */
    bool     head_prune;
    double   head_keep[SPT_MAX_LAYERS];
    /* local value pruning: per query row keep ceil(v_keep * keys_in_row) V rows */
    bool     local_v;
    double   v_keep;
    /* progressive quantisation: fetch K MSB plane; if max p < pq_threshold, fetch LSB, redo */
    bool     progressive;
    double   pq_threshold;
    /* static block mask (Attention Pruning): block size in tokens; mask per layer in the trace */
    bool     static_mask;
    uint32_t mask_block;
    /* static head pruning (metrics): heads removed from the start; head_idx reflects it */
    bool     static_heads;
} spt_policy;

typedef struct spt_pass {
    uint32_t step, layer;
    uint32_t n_tok;        /* keys this pass attends over (alive tokens incl. new ones) */
    uint32_t n_q;          /* query rows */
    uint32_t n_head;       /* heads alive */
    uint32_t n_new;        /* K/V rows this pass appends to the layer's cache */
    uint32_t *tok_idx;     /* [n_tok] original positions of the keys, ascending */
    uint32_t *q_pos;       /* [n_q] original positions of the query rows, ascending */
    uint32_t *new_pos;     /* [n_new] original positions of the appended K/V rows */
    uint32_t *head_idx;    /* [n_head] alive heads, ascending */
    int16_t  *q;           /* [n_head][n_q][d] */
    int16_t  *k_new;       /* [n_head][n_new][d] full-precision K (planes via fxp_k_msb/lsb) */
    int16_t  *v_new;       /* [n_head][n_new][d] */
    uint8_t  *blk_mask;    /* static_mask only: [ceil(n_q/B)][ceil(n_tok/B)] 1 = block skipped;
                              NULL otherwise. Block (r, c) covers q rows r*B.. and key cols c*B..
                              (pass-local row/column indices; with static_mask no token pruning
                              runs, so in summarization they equal original positions; in a
                              generation pass the single row uses the mask row of its position) */
    /* golden results */
    uint8_t  *lsb_refetch; /* [n_head][n_q] 1 = row needed the LSB plane (progressive only) */
    int32_t  *out;         /* [n_head][n_q][d] attention output, frac bits = fmt.frac */
    uint64_t *tok_imp;     /* [n_tok] token importance after this pass (cumulative) */
    uint64_t *head_imp;    /* [n_head] head importance after this pass (cumulative) */
    uint32_t *v_cnt;       /* local_v only: [n_head][n_q] V rows fetched and multiplied for the
                              row (the local-V top-k size); NULL otherwise */
} spt_pass;

typedef struct spt_trace {
    /* workload */
    char       workload[64];           /* workload name */
    char       model[32];              /* "bert-base", "gpt2-small", "custom", ... */
    uint32_t   layers, heads, d_head;  /* d_model = heads * d_head */
    uint32_t   n_prompt;               /* N: tokens in summarization */
    uint32_t   n_gen;                  /* T: generated tokens (0 for BERT) */
    bool       causal;
    uint64_t   seed;
    spt_policy policy;
    fxp_fmt    fmt;                    /* number formats of every tensor */
    uint32_t   n_pass;
    spt_pass  *pass;                   /* [n_pass] in execution order */
    uint64_t   checksum;               /* of the data region as read/written (FNV-1a 64) */
    char      *workload_json;          /* the workload config as JSON (metadata "workload"); may be
                                          NULL in a hand-built trace; owned, freed by spt_free */
    char      *source;                 /* where it came from, for messages: the .spt file (set by
                                          spt_read) or the workload file (set by the caller of
                                          model_run); NULL = unknown; owned, not serialised */
} spt_trace;

/* Whether s is a safe name (workload, model, policy): 1 to SPT_NAME_MAX characters from
 * [A-Za-z0-9._+-], the first a letter or digit. Names become directories (`spatten run`
 * writes out/<name>/), CSV cells (sweep results) and parts of one-line console headers, so a
 * name holds no '/', comma, quote, space or control character, and cannot be "." or "..". */
bool spt_name_ok(const char *s);
void spt_free(spt_trace *t);                          /* frees everything; NULL is a no-op */

/* .spt I/O (trace.c). Writes atomically. The reader validates every size, offset, count, dtype
 * and the checksum before use; errors are one line with the byte offset (SIM_ETRACE). */
int  spt_write(const spt_trace *t, const char *path, sim_err *err);
int  spt_read(const char *path, spt_trace **out, sim_err *err);
int  spt_read_mem(const uint8_t *data, size_t len, const char *name, spt_trace **out,
                  sim_err *err);
/* Deep copy / structural comparison (tests, round trips). */
bool spt_equal(const spt_trace *a, const spt_trace *b);

#ifdef __cplusplus
}
#endif
#endif
