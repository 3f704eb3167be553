/* policy.c - pruning decision rules shared by model and simulator, and the named policies. */
#include "policy.h"
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t pol_ratio_count(double r, uint32_t n)
{
    if (n == 0) return 0;
    if (!(r < 1.0)) return n;
    double x = ceil(r * (double)n - 1e-9);
    if (x < 1.0) return 1;
    if (x > (double)n) return n;
    return (uint32_t)x;
}

uint32_t pol_target(const double *keep, uint32_t layer, uint32_t total)
{
    uint32_t c = total;
    for (uint32_t l = 0; l <= layer; l++) c = pol_ratio_count(keep[l], c);
    return c;
}

bool pol_tok_prunes_at(const spt_policy *p, uint32_t layer)
{
    return p->token_prune && layer < SPT_MAX_LAYERS && p->tok_keep[layer] < 1.0;
}

bool pol_head_prunes_at(const spt_policy *p, uint32_t layer)
{
    return p->head_prune && layer < SPT_MAX_LAYERS && p->head_keep[layer] < 1.0;
}

uint32_t pol_tok_keep(const spt_policy *p, uint32_t layer, uint32_t seq_len, uint32_t n_alive)
{
    if (!pol_tok_prunes_at(p, layer)) return n_alive;
    uint32_t c = pol_target(p->tok_keep, layer, seq_len);
    return c < n_alive ? c : n_alive;
}

uint32_t pol_head_keep(const spt_policy *p, uint32_t layer, uint32_t heads, uint32_t n_alive)
{
    if (!pol_head_prunes_at(p, layer)) return n_alive;
    uint32_t c = pol_target(p->head_keep, layer, heads);
    return c < n_alive ? c : n_alive;
}

uint32_t pol_tok_candidates(const uint32_t *alive, uint32_t n_alive, uint32_t new_pos,
                            uint32_t k_keep, uint32_t *cand, uint32_t *k_cand)
{
    uint32_t n = 0;
    bool has_new = false;
    for (uint32_t i = 0; i < n_alive; i++) {
        if (alive[i] == new_pos) { has_new = true; continue; }
        cand[n++] = i;
    }
    uint32_t k = k_keep;
    if (has_new && k > 0) k--;
    if (k > n) k = n;
    *k_cand = k;
    return n;
}

uint32_t pol_tok_select(const spt_policy *p, uint32_t layer, uint32_t seq_len,
                        const uint32_t *alive, const uint64_t *imp, uint32_t n_alive,
                        uint32_t new_pos, uint32_t *out)
{
    uint32_t k = pol_tok_keep(p, layer, seq_len, n_alive);
    if (k >= n_alive) {
        memcpy(out, alive, (size_t)n_alive * sizeof *out);
        return n_alive;
    }
    uint32_t *cand = sim_xmalloc((size_t)n_alive * sizeof *cand + 1);
    uint64_t *vals = sim_xmalloc((size_t)n_alive * sizeof *vals + 1);
    uint32_t *sel = sim_xmalloc((size_t)n_alive * sizeof *sel + 1);
    uint32_t kc;
    uint32_t nc = pol_tok_candidates(alive, n_alive, new_pos, k, cand, &kc);
    for (uint32_t i = 0; i < nc; i++) vals[i] = imp[cand[i]];
    fxp_topk_ref(vals, nc, kc, sel);
    /* merge the selection with the forced new token, ascending positions */
    uint8_t *keep = sim_xcalloc(n_alive + 1, 1);
    for (uint32_t i = 0; i < kc; i++) keep[cand[sel[i]]] = 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < n_alive; i++)
        if (keep[i] || alive[i] == new_pos) out[n++] = alive[i];
    free(keep);
    free(sel);
    free(vals);
    free(cand);
    return n;
}

uint32_t pol_head_select(const spt_policy *p, uint32_t layer, uint32_t heads,
                         const uint32_t *alive, const uint64_t *imp, uint32_t n_alive,
                         uint32_t *out)
{
    uint32_t k = pol_head_keep(p, layer, heads, n_alive);
    if (k >= n_alive) {
        memcpy(out, alive, (size_t)n_alive * sizeof *out);
        return n_alive;
    }
    uint32_t *sel = sim_xmalloc((size_t)n_alive * sizeof *sel + 1);
    fxp_topk_ref(imp, n_alive, k, sel);
    for (uint32_t i = 0; i < k; i++) out[i] = alive[sel[i]];
    free(sel);
    return k;
}

uint32_t pol_v_keep(const spt_policy *p, uint32_t m)
{
    return p->local_v ? pol_ratio_count(p->v_keep, m) : m;
}

bool pol_needs_lsb(const spt_policy *p, const fxp_fmt *f, uint32_t pmax)
{
    return p->progressive && pmax < fxp_prob_threshold(p->pq_threshold, f);
}

/* ---- named policies ---- */

static void base(const wl_cfg *w, spt_policy *o, const char *name)
{
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", name);
    for (uint32_t l = 0; l < SPT_MAX_LAYERS; l++) o->tok_keep[l] = o->head_keep[l] = 1.0;
    o->v_keep = 1.0;
    o->pq_threshold = w->policy.pq_threshold;
}

static int setup_none(const wl_cfg *w, spt_policy *o, sim_err *err)
{
    (void)err;
    base(w, o, "none");
    return SIM_OK;
}

static int setup_spatten(const wl_cfg *w, spt_policy *o, sim_err *err)
{
    (void)err;
    base(w, o, "spatten");
    const wl_policy *p = &w->policy;
    o->token_prune = p->token_prune;
    o->head_prune = p->head_prune;
    for (uint32_t l = 0; l < w->layers && l < SPT_MAX_LAYERS; l++) {
        if (p->token_prune) o->tok_keep[l] = w->tok_keep_l[l];
        if (p->head_prune) o->head_keep[l] = w->head_keep_l[l];
    }
    o->local_v = p->local_v;
    o->v_keep = p->local_v ? p->v_keep : 1.0;
    o->progressive = p->progressive;
    return SIM_OK;
}

static int setup_ap(const wl_cfg *w, spt_policy *o, sim_err *err)
{
    base(w, o, "ap");
    o->static_mask = true;
    o->mask_block = w->policy.ap_block;
    o->progressive = w->policy.progressive;
    if (w->policy.ap_block > w->n_prompt + w->n_gen)
        return sim_errf(err, SIM_EINVAL, "field 'policy.ap_block' = %u exceeds the sequence (%u)",
                        w->policy.ap_block, w->n_prompt + w->n_gen);
    return SIM_OK;
}

static int setup_heads(const wl_cfg *w, spt_policy *o, sim_err *err)
{
    base(w, o, WL_POLICY_NAMES[w->policy.kind]);
    o->static_heads = true;
    o->progressive = w->policy.progressive;
    if (pol_ratio_count(1.0 - w->policy.head_ratio, w->heads) < 1)
        return sim_errf(err, SIM_EINVAL, "field 'policy.head_ratio' leaves no head");
    return SIM_OK;
}

static const pol_ops POL_NONE = { "none", "dense attention: no pruning, no quantisation planes",
                                  0, setup_none };
static const pol_ops POL_SPATTEN = {
    "spatten", "SpAtten: cascade token/head pruning, local V pruning, progressive quantisation",
    0, setup_spatten };
static const pol_ops POL_AP = {
    "ap", "Attention Pruning: static block mask from calibrated mean attention (percentile p)",
    POL_NEEDS_MASK, setup_ap };
static const pol_ops POL_H_ENT = { "head-entropy",
                                   "static head pruning: remove the highest-entropy heads",
                                   POL_NEEDS_HEADS, setup_heads };
static const pol_ops POL_H_SPA = { "head-sparsity",
                                   "static head pruning: remove the least sparse heads",
                                   POL_NEEDS_HEADS, setup_heads };
static const pol_ops POL_H_DIS = { "head-distribution",
                                   "static head pruning: remove heads closest to uniform (TV)",
                                   POL_NEEDS_HEADS, setup_heads };
static const pol_ops POL_H_RND = { "head-random", "static head pruning: seeded random heads",
                                   POL_NEEDS_HEADS, setup_heads };
static const pol_ops POL_H_MAG = { "head-magnitude",
                                   "static head pruning: remove heads with the smallest weights",
                                   POL_NEEDS_HEADS, setup_heads };

const pol_ops *const POL_TABLE[] = { &POL_NONE, &POL_SPATTEN, &POL_AP, &POL_H_ENT, &POL_H_SPA,
                                     &POL_H_DIS, &POL_H_RND, &POL_H_MAG, NULL };

const pol_ops *pol_find(const char *name)
{
    for (size_t i = 0; POL_TABLE[i]; i++)
        if (strcmp(POL_TABLE[i]->name, name) == 0) return POL_TABLE[i];
    return NULL;
}
