/* pol.c - pruning decision rules shared by the reference model and the accelerator. */
#include "trace/pol.h"

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
