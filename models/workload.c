/* workload.c - workload configs: field table, presets, cross-field rules (docs/config-workload.md). */
#include "models/workload.h"
#include "models/policy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const WL_MODEL_NAMES[] = { "custom", "bert-base", "bert-large", "gpt2-small",
                                       "gpt2-medium", "tiny", NULL };
const char *const WL_POLICY_NAMES[] = { "none", "spatten", "ap", "head-entropy", "head-sparsity",
                                        "head-distribution", "head-random", "head-magnitude",
                                        NULL };
static const char *const ARCH_NAMES[] = { "auto", "bert", "gpt2", NULL };
static const char *const STAGE_NAMES[] = { "summarize", "generate", NULL };
static const char *const SOURCE_NAMES[] = { "synthetic", "weights", NULL };

/* Presets: Devlin et al. 2019 (BERT), Radford et al. 2019 (GPT-2); "tiny" is ours, for tests. */
static const struct { uint32_t arch, layers, heads, d_model, d_ff; } PRESET[] = {
    [WL_MODEL_CUSTOM]      = { WL_ARCH_AUTO, 0, 0, 0, 0 },
    [WL_MODEL_BERT_BASE]   = { WL_ARCH_BERT, 12, 12, 768, 3072 },
    [WL_MODEL_BERT_LARGE]  = { WL_ARCH_BERT, 24, 16, 1024, 4096 },
    [WL_MODEL_GPT2_SMALL]  = { WL_ARCH_GPT2, 12, 12, 768, 3072 },
    [WL_MODEL_GPT2_MEDIUM] = { WL_ARCH_GPT2, 24, 16, 1024, 4096 },
    [WL_MODEL_TINY]        = { WL_ARCH_BERT, 2, 2, 16, 32 },
};

static const cfg_field SYNTH_FIELDS[] = {
    CFG_U32F(wl_synth, "n_sep", n_sep, 0, 64, false, 2,
             "separator/sink tokens besides position 0, spread evenly over the sequence"),
    CFG_F64F(wl_synth, "sink", sink, 0, 64, false, 3.0,
             "score boost (in logits) of sink tokens, scaled per head"),
    CFG_F64F(wl_synth, "locality", locality, 0, 64, false, 4.0,
             "score boost (in logits) of the query's own position, decaying with distance"),
    CFG_F64F(wl_synth, "window", window, 0.5, 4096, false, 8.0,
             "locality decay length in tokens"),
    CFG_F64F(wl_synth, "content", content, 0, 64, false, 3.0,
             "score boost (in logits) between tokens of the same synthetic word"),
    CFG_F64F(wl_synth, "head_spread", head_spread, 0, 1, false, 0.8,
             "0 = all heads alike, 1 = each head dominated by one of sink/locality/content"),
    CFG_U32F(wl_synth, "vocab", vocab, 2, 1u << 20, false, 64,
             "synthetic vocabulary size (Zipf-distributed words; equal words attend to each other)"),
};
static const cfg_table SYNTH_T = { "workload.synth", SYNTH_FIELDS, CFG_NFIELDS(SYNTH_FIELDS), NULL };

static const cfg_field FXP_FIELDS[] = {
    CFG_U32F(wl_fxp, "bits", bits, 4, 16, false, 12, "Q/K/V width in bits (the datapath width)"),
    CFG_U32F(wl_fxp, "frac", frac, 0, 15, false, 7, "fraction bits of Q/K/V and outputs"),
    CFG_U32F(wl_fxp, "k_lsb_bits", k_lsb_bits, 0, 12, false, 0,
             "K LSB-plane width for progressive quantisation (MSB plane = bits - k_lsb_bits)"),
    CFG_U32F(wl_fxp, "v_bits", v_bits, 0, 16, false, 0,
             "stored width of V in DRAM and the prob.V datapath (0 = bits; at least bits - frac): "
             "V keeps the Q/K scale with its low bits - v_bits bits zero"),
    CFG_U32F(wl_fxp, "prob_bits", prob_bits, 4, 16, false, 12,
             "fraction bits of quantised probabilities"),
};
static const cfg_table FXP_T = { "workload.fxp", FXP_FIELDS, CFG_NFIELDS(FXP_FIELDS), NULL };

static const cfg_field POLICY_FIELDS[] = {
    CFG_ENUMF(wl_policy, "name", kind, WL_POLICY_NAMES, false, WL_POL_SPATTEN,
              "policy (ops table in models/policy.c)"),
    CFG_BOOLF(wl_policy, "token_prune", token_prune, false, 1, "spatten: cascade token pruning"),
    CFG_I32F(wl_policy, "tok_start", tok_start, -1, 63, false, -1,
             "first layer pruning tokens; -1 = ceil(0.15 * layers)"),
    CFG_F64LISTF(wl_policy, "tok_keep", tok_keep, n_tok_keep, 0.001, 1, false,
                 "token keep ratio: one value for every layer from tok_start, or one per layer; none = 0.9"),
    CFG_BOOLF(wl_policy, "head_prune", head_prune, false, 1, "spatten: cascade head pruning"),
    CFG_I32F(wl_policy, "head_start", head_start, -1, 63, false, -1,
             "first layer pruning heads; -1 = ceil(0.30 * layers)"),
    CFG_F64LISTF(wl_policy, "head_keep", head_keep, n_head_keep, 0.001, 1, false,
                 "head keep ratio: one value for every layer from head_start, or one per layer; none = 0.9"),
    CFG_BOOLF(wl_policy, "local_v", local_v, false, 1, "spatten: local value pruning"),
    CFG_F64F(wl_policy, "v_keep", v_keep, 0.001, 1, false, 0.5,
             "local V: fraction of each row's keys whose V rows are used"),
    CFG_BOOLF(wl_policy, "progressive", progressive, false, 0,
              "spatten: progressive quantisation (needs fxp.k_lsb_bits > 0)"),
    CFG_F64F(wl_policy, "pq_threshold", pq_threshold, 0, 1, false, 0.1,
             "fetch K LSBs when a row's max probability is below this"),
    CFG_F64F(wl_policy, "ap_percentile", ap_percentile, 0, 0.999, false, 0.5,
             "ap: fraction of attention blocks masked (by calibrated mean attention)"),
    CFG_U32F(wl_policy, "ap_block", ap_block, 1, 1024, false, 16, "ap: block size in tokens"),
    CFG_F64F(wl_policy, "head_ratio", head_ratio, 0, 0.95, false, 0.25,
             "head-*: fraction of each layer's heads removed"),
    CFG_F64F(wl_policy, "sparsity_eps", sparsity_eps, 0, 1, false, 0.01,
             "head-sparsity: probabilities below this count as zero"),
    CFG_U32F(wl_policy, "calib_inputs", calib_inputs, 1, 64, false, 4,
             "ap, head-*: synthetic calibration inputs (input seeds derived from seed)"),
};
static const cfg_table POLICY_T = { "workload.policy", POLICY_FIELDS, CFG_NFIELDS(POLICY_FIELDS),
                                    NULL };

static int wl_check(void *obj, const char *path, sim_err *err);

static const cfg_field WL_FIELDS[] = {
    CFG_STRF(wl_cfg, "name", name, false, "workload", "workload name (reports, trace metadata)"),
    CFG_ENUMF(wl_cfg, "model", model, WL_MODEL_NAMES, true, 0,
              "model preset; \"custom\" needs arch, layers, heads, d_model"),
    CFG_ENUMF(wl_cfg, "arch", arch, ARCH_NAMES, false, 0,
              "bert (bidirectional) or gpt2 (causal); auto = from the preset"),
    CFG_U32F(wl_cfg, "layers", layers, 0, WL_MAX_LAYERS, false, 0, "layers; 0 = preset"),
    CFG_U32F(wl_cfg, "heads", heads, 0, SPT_MAX_HEADS, false, 0, "attention heads; 0 = preset"),
    CFG_U32F(wl_cfg, "d_model", d_model, 0, 8192, false, 0, "model width; 0 = preset"),
    CFG_U32F(wl_cfg, "d_ff", d_ff, 0, 32768, false, 0, "FFN width (weights input); 0 = preset"),
    CFG_ENUMF(wl_cfg, "stage", stage, STAGE_NAMES, false, 0,
              "summarize, or generate (summarize the prompt, then n_gen tokens one by one)"),
    CFG_U32F(wl_cfg, "n_prompt", n_prompt, 1, 4096, true, 0, "tokens summarized (N)"),
    CFG_U32F(wl_cfg, "n_gen", n_gen, 0, 1024, false, 0, "tokens generated (T; stage generate)"),
    CFG_ENUMF(wl_cfg, "source", source, SOURCE_NAMES, false, 0,
              "synthetic inputs, or a safetensors weights file + token ids"),
    CFG_U64F(wl_cfg, "seed", seed, 0, 9007199254740991.0, false, 1, "seed of synthetic inputs"),
    CFG_PATHF(wl_cfg, "weights", weights, false, "",
             "safetensors weights file (source weights), relative to this file"),
    CFG_PATHF(wl_cfg, "tokens", tokens, false, "",
             "token-id list file (source weights): whitespace-separated ids, N + T of them"),
    CFG_OBJF(wl_cfg, "synth", synth, &SYNTH_T, false, "synthetic input structure"),
    CFG_OBJF(wl_cfg, "fxp", fxp, &FXP_T, false, "fixed-point formats of the golden model"),
    CFG_OBJF(wl_cfg, "policy", policy, &POLICY_T, false, "pruning policy and its parameters"),
    CFG_BOOLF(wl_cfg, "error_stats", error_stats, false, 1,
              "also run the dense float model and report output errors"),
};
const cfg_table WL_CFG_TABLE = { "workload", WL_FIELDS, CFG_NFIELDS(WL_FIELDS), wl_check };

/* Keep ratio from the start layer on when no list is given (docs/config-workload.md). */
#define WL_DEFAULT_KEEP 0.9

static int expand_keep(const double *in, uint32_t n, int32_t start_cfg, double start_frac,
                       uint32_t layers, const char *path, const char *key, double *out,
                       sim_err *err)
{
    uint32_t start = start_cfg >= 0 ? (uint32_t)start_cfg
                                    : (uint32_t)ceil(start_frac * (double)layers - 1e-9);
    if (start_cfg >= 0 && (uint32_t)start_cfg >= layers)
        return sim_errf(err, SIM_EINVAL, "%s: field 'policy.%s' = %d must be below layers (%u)",
                        path, strcmp(key, "tok_keep") ? "head_start" : "tok_start", start_cfg,
                        layers);
    if (n != 0 && n != 1 && n != layers)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'policy.%s' has %u elements; give 1 or one per layer (%u)",
                        path, key, n, layers);
    for (uint32_t l = 0; l < layers; l++) {
        double r = n == 0 ? WL_DEFAULT_KEEP : n == 1 ? in[0] : in[l];
        if (l < start) {
            if (n == layers && in[l] != 1.0)
                return sim_errf(err, SIM_EINVAL,
                                "%s: field 'policy.%s[%u]' = %g must be 1 before the start layer %u",
                                path, key, l, in[l], start);
            r = 1.0;
        }
        out[l] = r;
    }
    return SIM_OK;
}

/* s as a JSON-like quoted string on one printable line: '"' and '\\' escaped, other bytes
 * outside 0x20..0x7e as \n, \t or \xNN (the value may hold anything, a newline included). */
static void quote_one_line(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    buf[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 6 < cap; p++) {
        if (*p == '"' || *p == '\\') { buf[o++] = '\\'; buf[o++] = (char)*p; }
        else if (*p == '\n') { buf[o++] = '\\'; buf[o++] = 'n'; }
        else if (*p == '\t') { buf[o++] = '\\'; buf[o++] = 't'; }
        else if (*p < 0x20 || *p > 0x7e) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", *p);
        else buf[o++] = (char)*p;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static int wl_check(void *obj, const char *path, sim_err *err)
{
    wl_cfg *w = obj;
    if (!spt_name_ok(w->name)) {
        char q[4 * WL_NAME_MAX + 8];    /* every byte escaped as \xNN, plus the quotes */
        quote_one_line(w->name, q, sizeof q);
        return sim_errf(err, SIM_EINVAL, "%s: field 'name' = %s is not allowed: use %s", path, q,
                        WL_NAME_FORM);
    }
    const uint32_t m = w->model;
    if (m != WL_MODEL_CUSTOM) {
        if (w->arch == WL_ARCH_AUTO) w->arch = PRESET[m].arch;
        if (!w->layers) w->layers = PRESET[m].layers;
        if (!w->heads) w->heads = PRESET[m].heads;
        if (!w->d_model) w->d_model = PRESET[m].d_model;
        if (!w->d_ff) w->d_ff = PRESET[m].d_ff;
    }
    if (w->arch == WL_ARCH_AUTO)
        return sim_errf(err, SIM_EINVAL, "%s: field 'arch' must be bert or gpt2 for model custom",
                        path);
    if (!w->layers || !w->heads || !w->d_model)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'layers', 'heads' and 'd_model' are required for model custom",
                        path);
    if (w->d_model % w->heads)
        return sim_errf(err, SIM_EINVAL, "%s: field 'd_model' = %u is not a multiple of heads (%u)",
                        path, w->d_model, w->heads);
    w->d_head = w->d_model / w->heads;
    if (w->d_head > 1024)
        return sim_errf(err, SIM_EINVAL, "%s: field 'd_model' gives head dimension %u > 1024",
                        path, w->d_head);
    if (!w->d_ff) w->d_ff = 4 * w->d_model;
    w->causal = w->arch == WL_ARCH_GPT2;
    if (w->stage == WL_STAGE_GENERATE) {
        if (!w->causal)
            return sim_errf(err, SIM_EINVAL,
                            "%s: field 'stage' = \"generate\" needs a causal (gpt2) model", path);
        if (w->n_gen == 0)
            return sim_errf(err, SIM_EINVAL, "%s: field 'n_gen' must be >= 1 for stage generate",
                            path);
    } else if (w->n_gen != 0) {
        return sim_errf(err, SIM_EINVAL, "%s: field 'n_gen' = %u needs stage \"generate\"", path,
                        w->n_gen);
    }
    if (w->n_prompt + w->n_gen > 4096)
        return sim_errf(err, SIM_EINVAL, "%s: field 'n_gen': n_prompt + n_gen = %u exceeds 4096",
                        path, w->n_prompt + w->n_gen);
    const wl_fxp *f = &w->fxp;
    if (f->frac >= f->bits)
        return sim_errf(err, SIM_EINVAL, "%s: field 'fxp.frac' = %u must be below fxp.bits (%u)",
                        path, f->frac, f->bits);
    if (((uint64_t)w->d_head << (2 * (f->bits - 1))) >= ((uint64_t)1 << 31))
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'fxp.bits' = %u with head dimension %u can overflow the 32-bit score",
                        path, f->bits, w->d_head);
    if (w->source == WL_SRC_SYNTHETIC && w->d_head < 4)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'd_model' gives head dimension %u; synthetic inputs need >= 4",
                        path, w->d_head);
    if (f->k_lsb_bits >= f->bits)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'fxp.k_lsb_bits' = %u must be below fxp.bits (%u)", path,
                        f->k_lsb_bits, f->bits);
    if (f->v_bits && (f->v_bits > f->bits || f->v_bits + f->frac < f->bits))
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'fxp.v_bits' = %u is out of range [%u, %u] (fxp.bits - fxp.frac "
                        "to fxp.bits, or 0 for fxp.bits)", path, f->v_bits, f->bits - f->frac,
                        f->bits);
    if (w->source == WL_SRC_WEIGHTS) {
        if (!w->weights[0] || !w->tokens[0])
            return sim_errf(err, SIM_EINVAL,
                            "%s: field 'weights' and 'tokens' are required for source weights",
                            path);
        /* weights and tokens are already resolved against the file that set them (CFG_PATHF) */
    }
    wl_policy *p = &w->policy;
    int rc = expand_keep(p->tok_keep, p->n_tok_keep, p->tok_start, 0.15, w->layers, path,
                         "tok_keep", w->tok_keep_l, err);
    if (!rc)
        rc = expand_keep(p->head_keep, p->n_head_keep, p->head_start, 0.30, w->layers, path,
                         "head_keep", w->head_keep_l, err);
    if (rc) return rc;
    if (p->progressive && f->k_lsb_bits == 0)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'policy.progressive' needs fxp.k_lsb_bits > 0", path);
    /* the policy's own combination rules */
    spt_policy sp;
    const pol_ops *ops = POL_TABLE[p->kind];
    rc = ops->setup(w, &sp, err);
    if (rc) {
        char m2[SIM_ERR_MSG];
        snprintf(m2, sizeof m2, "%s", err ? err->msg : "");
        return sim_errf(err, SIM_EINVAL, "%s: %s", path, m2);
    }
    return SIM_OK;
}

int wl_cfg_load(const char *path, wl_cfg *out, sim_err *err)
{
    memset(out, 0, sizeof *out);
    return cfg_load_file(&WL_CFG_TABLE, path, out, err);
}

int wl_cfg_load_string(const char *json, const char *name, wl_cfg *out, sim_err *err)
{
    memset(out, 0, sizeof *out);
    return cfg_load_string(&WL_CFG_TABLE, json, name, out, err);
}

int wl_default(wl_cfg *out)
{
    static const char *const DEF =
        "{\"name\": \"default-bert-base-384\", \"model\": \"bert-base\", \"n_prompt\": 384,"
        " \"policy\": {\"name\": \"spatten\", \"tok_keep\": [0.84],"
        " \"head_keep\": [1, 1, 1, 1, 0.9166, 1, 1, 0.909, 1, 1, 0.9, 1], \"v_keep\": 0.5}}";
    sim_err e;
    int rc = wl_cfg_load_string(DEF, "built-in default workload", out, &e);
    SIM_ASSERT(rc == SIM_OK);
    return rc;
}

char *wl_to_json(const wl_cfg *w)
{
    cJSON *j = cfg_to_json(&WL_CFG_TABLE, w);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *r = sim_xstrdup(s ? s : "{}");
    cJSON_free(s);
    return r;
}
