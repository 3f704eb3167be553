/*
 * workload.h - what the reference model runs: a workload config (configs/workloads/NAME.json).
 *
 * A workload names a model (a preset such as "bert-base" or explicit layers/heads/d_model), the
 * stage (summarize only, or summarize a prompt then generate tokens one by one), the sequence
 * lengths, the input source (seeded synthetic inputs with realistic attention structure, or a
 * safetensors weights file plus a token-id list), the number formats of the fixed-point golden
 * model, and the pruning policy (chosen by name from the ops table in policy.h) with its
 * parameters. Loaded through the strict cfg loader (sim/cfg.h); every field is documented in
 * docs/config-workload.md. Derived fields (marked) are filled by the loader's cross-field check.
 */
#ifndef SPATTEN_WORKLOAD_H
#define SPATTEN_WORKLOAD_H

#include "base/common.h"
#include "base/cfg.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WL_MAX_LAYERS 64      /* = SPT_MAX_LAYERS */
#define WL_PATH_MAX   CFG_PATH_MAX
#define WL_NAME_MAX   SPT_NAME_MAX    /* longest workload name (spt_name_ok) */
#define WL_NAME_FORM  SPT_NAME_FORM

enum wl_model  { WL_MODEL_CUSTOM, WL_MODEL_BERT_BASE, WL_MODEL_BERT_LARGE, WL_MODEL_GPT2_SMALL,
                 WL_MODEL_GPT2_MEDIUM, WL_MODEL_TINY };
enum wl_arch   { WL_ARCH_AUTO, WL_ARCH_BERT, WL_ARCH_GPT2 };      /* BERT: bidirectional, GPT-2: causal */
enum wl_stage  { WL_STAGE_SUMMARIZE, WL_STAGE_GENERATE };
enum wl_source { WL_SRC_SYNTHETIC, WL_SRC_WEIGHTS };
/* Policy kinds: index into POL_TABLE (policy.h); names in WL_POLICY_NAMES. */
enum wl_policy_kind { WL_POL_NONE, WL_POL_SPATTEN, WL_POL_AP, WL_POL_HEAD_ENTROPY,
                      WL_POL_HEAD_SPARSITY, WL_POL_HEAD_DISTRIBUTION, WL_POL_HEAD_RANDOM,
                      WL_POL_HEAD_MAGNITUDE, WL_POL_COUNT };
extern const char *const WL_MODEL_NAMES[];     /* NULL-terminated, enum order */
extern const char *const WL_POLICY_NAMES[];    /* NULL-terminated, enum order */

/* Synthetic input structure (docs/model.md "Synthetic inputs"). */
typedef struct wl_synth {
    uint32_t n_sep;           /* separator/sink tokens besides position 0 (spread evenly) */
    double   sink;            /* strength of attention to sink tokens (score units) */
    double   locality;        /* strength of attention to nearby positions */
    double   window;          /* locality width in tokens (larger = flatter) */
    double   content;         /* strength of content (random-similarity) attention */
    double   head_spread;     /* 0..1: how much the three strengths differ between heads */
    uint32_t vocab;           /* synthetic vocabulary size (repeated tokens attend to each other) */
} wl_synth;

/* Fixed-point formats of the golden model (fxp.h). */
typedef struct wl_fxp {
    uint32_t bits;            /* Q/K/V width (12) */
    uint32_t frac;            /* fraction bits of Q/K/V and outputs */
    uint32_t k_lsb_bits;      /* K LSB plane width (progressive quantisation); 0 = none */
    uint32_t v_bits;          /* stored width of V; 0 = bits */
    uint32_t prob_bits;       /* probability fraction bits */
} wl_fxp;

typedef struct wl_policy {
    uint32_t kind;            /* enum wl_policy_kind */
    /* SpAtten techniques (kind "spatten"; each switchable) */
    bool     token_prune;
    int32_t  tok_start;       /* first layer that prunes tokens; -1 = ceil(0.15 * layers) */
    double   tok_keep[WL_MAX_LAYERS];  /* 1 value = every layer from tok_start, or one per layer */
    uint32_t n_tok_keep;
    bool     head_prune;
    int32_t  head_start;      /* -1 = ceil(0.30 * layers) */
    double   head_keep[WL_MAX_LAYERS];
    uint32_t n_head_keep;
    bool     local_v;
    double   v_keep;          /* fraction of each row's keys whose V rows are fetched */
    bool     progressive;
    double   pq_threshold;    /* max-probability threshold below which LSBs are fetched */
    /* Attention Pruning (kind "ap") */
    double   ap_percentile;   /* fraction p of (valid) blocks masked */
    uint32_t ap_block;        /* block size in tokens */
    /* static head pruning (kinds "head-*") */
    double   head_ratio;      /* fraction of each layer's heads removed */
    double   sparsity_eps;    /* "head-sparsity": probabilities below eps count as zero */
    /* calibration for static policies (ap, head-*) */
    uint32_t calib_inputs;    /* synthetic inputs (seeds seed+1..) averaged */
} wl_policy;

typedef struct wl_cfg {
    char     name[WL_NAME_MAX + 1];   /* safe charset: spt_name_ok */
    uint32_t model;           /* enum wl_model; presets fill arch/layers/heads/d_model/d_ff */
    uint32_t arch;            /* enum wl_arch */
    uint32_t layers, heads, d_model, d_ff;   /* 0 = from the preset */
    uint32_t stage;           /* enum wl_stage */
    uint32_t n_prompt;        /* N: tokens summarized */
    uint32_t n_gen;           /* T: tokens generated (generate stage only) */
    uint32_t source;          /* enum wl_source */
    uint64_t seed;
    char     weights[WL_PATH_MAX];   /* safetensors file (relative to the workload file) */
    char     tokens[WL_PATH_MAX];    /* token-id list file: whitespace-separated integers */
    char     eval_split[WL_PATH_MAX];  /* quality: evaluation split (one sequence a line); "" = none */
    char     calib_split[WL_PATH_MAX]; /* static-policy calibration split; "" = calib_inputs */
    uint32_t eval_seqs;       /* quality: first sequences of the split used; 0 = all */
    uint32_t threads;         /* reference-model worker threads (0 = 1); never changes a result */
    wl_synth synth;
    wl_fxp   fxp;
    wl_policy policy;
    bool     error_stats;     /* also run the dense float model for the output-error statistic */
    /* runtime only (not config fields): called after every trace pass of model_run (the CLI's
     * progress line); NULL = none */
    void   (*progress)(void *arg, uint32_t done, uint32_t total);
    void    *progress_arg;
    /* derived (filled by the check) */
    uint32_t d_head;          /* d_model / heads */
    bool     causal;          /* GPT-2 */
    double   tok_keep_l[WL_MAX_LAYERS];   /* per-layer token keep ratio (1.0 = none) */
    double   head_keep_l[WL_MAX_LAYERS];  /* per-layer head keep ratio */
} wl_cfg;

extern const cfg_table WL_CFG_TABLE;

/* Load and validate a workload file (SIM_EINVAL / SIM_EIO, one-line message). */
int wl_cfg_load(const char *path, wl_cfg *out, sim_err *err);
/* Same from a JSON string (tests); relative paths resolve against the cwd. */
int wl_cfg_load_string(const char *json, const char *name, wl_cfg *out, sim_err *err);
/* The built-in default: BERT-base, 384 tokens, synthetic, SpAtten default policy. */
int wl_default(wl_cfg *out);
/* The config as a compact JSON string (malloc'ed): goes into trace metadata and reports. */
char *wl_to_json(const wl_cfg *w);
#ifdef __cplusplus
}
#endif
#endif
