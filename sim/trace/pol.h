/*
 * pol.h - the pruning decision rules the reference model and the accelerator's controller
 * share: pure functions of their arguments, part of the model<->machine contract (a trace
 * records their inputs and results). The named policies that fill an spt_policy from a
 * workload live with the model (models/policy.h).
 *
 * Decision rules (docs/model.md "Policies"; every one is a pure function of its arguments):
 *  - keep counts: pol_ratio_count(r, n) = clamp(ceil(r * n - 1e-9), 1, n) (0 when n = 0); the
 *    1e-9 guard makes 0.9 * 10 give 9, not 10, whatever the binary rounding of 0.9.
 *  - cascade token pruning runs BEFORE layer l when tok_keep[l] < 1 (layers before the start
 *    layer hold 1.0). The count entering layer l at a step whose sequence holds seq_len tokens
 *    (N in summarization, N + t at generation step t) is the per-layer target
 *    c_l = ratio_count(tok_keep[l], c_{l-1}), c_{-1} = seq_len, capped by the alive count:
 *    k = min(alive, c_l). In summarization alive = c_{l-1}, so k = ceil(tok_keep[l] * alive).
 *    Candidates: the alive tokens, except that in generation the step's new token (the query)
 *    is always kept and is not a candidate (the top-k picks k - 1 among the others). Scores: the
 *    cumulative token importance (uint64, sum of quantised probabilities over alive heads, query
 *    rows, layers and steps). Selection: fxp_topk_ref (larger first, ties lower position first).
 *    A pruned token is gone for every later layer of the step and every later step.
 *  - cascade head pruning: the same with head_keep, seq_len replaced by the model's head count,
 *    scores = cumulative head importance sum |O_h| (uint64).
 *  - local value pruning: per query row with m unmasked keys keep ratio_count(v_keep, m) V rows,
 *    the top-k of the row's quantised probabilities (fxp_topk_ref over the row's keys in
 *    ascending position order); affects only that row's prob x V.
 *  - progressive quantisation: a row first uses MSB-only K (fxp_k_msb_only); if its max
 *    quantised probability < fxp_prob_threshold(pq_threshold) it fetches the LSB plane and is
 *    recomputed with full K (lsb_refetch = 1).
 */
#ifndef SPATTEN_POL_H
#define SPATTEN_POL_H

#include "base/common.h"
#include "trace/fxp.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define POL_NO_NEW UINT32_MAX        /* new_pos in summarization: no new token */

uint32_t pol_ratio_count(double r, uint32_t n);
/* Per-layer target after the pruning before `layer` (iterated from `total`). */
uint32_t pol_target(const double *keep, uint32_t layer, uint32_t total);
bool     pol_tok_prunes_at(const spt_policy *p, uint32_t layer);
bool     pol_head_prunes_at(const spt_policy *p, uint32_t layer);
/* Tokens to keep entering `layer` (alive before the pruning: n_alive). n_alive if no pruning. */
uint32_t pol_tok_keep(const spt_policy *p, uint32_t layer, uint32_t seq_len, uint32_t n_alive);
/* Heads to keep entering `layer`. */
uint32_t pol_head_keep(const spt_policy *p, uint32_t layer, uint32_t heads, uint32_t n_alive);
/* Token candidates: alive[0..n_alive) ascending positions; new_pos (or POL_NO_NEW) is excluded
 * and forced kept. Writes cand[] (ascending; indices INTO alive[]) and returns their count;
 * *k_cand = how many of them the top-k keeps. */
uint32_t pol_tok_candidates(const uint32_t *alive, uint32_t n_alive, uint32_t new_pos,
                            uint32_t k_keep, uint32_t *cand, uint32_t *k_cand);
/* Reference selection of a whole token-pruning step: alive[] positions with importance imp[]
 * (same order); writes the kept positions (ascending) to out and returns their count. */
uint32_t pol_tok_select(const spt_policy *p, uint32_t layer, uint32_t seq_len,
                        const uint32_t *alive, const uint64_t *imp, uint32_t n_alive,
                        uint32_t new_pos, uint32_t *out);
/* Reference selection of a head-pruning step (alive heads ascending, importance per alive head). */
uint32_t pol_head_select(const spt_policy *p, uint32_t layer, uint32_t heads,
                         const uint32_t *alive, const uint64_t *imp, uint32_t n_alive,
                         uint32_t *out);
/* Local V: V rows kept for a row with m unmasked keys (m if local_v is off). */
uint32_t pol_v_keep(const spt_policy *p, uint32_t m);
/* Progressive quantisation: does a row whose MSB-only max probability is pmax need the LSBs? */
bool     pol_needs_lsb(const spt_policy *p, const fxp_fmt *f, uint32_t pmax);

#ifdef __cplusplus
}
#endif
#endif
