/* policy.c - the named pruning policies: workload settings -> executable policy. */
#include "models/policy.h"
#include "models/workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
