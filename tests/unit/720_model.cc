// 720_model: the golden model against an independent recomputation from its own trace
// (fxp.h primitives + the rules of docs/model.md re-implemented here), and the pruning
// invariants: kept sets shrink across layers, sizes equal the configured counts, pruned tokens
// never come back, policy "none" is the dense model.
#include <gtest/gtest.h>
#include <algorithm>
#include <cstring>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>
extern "C" {
#include "models/model.h"
#include "trace/trace.h"
#include "models/workload.h"
}

namespace {
spt_trace *run(const char *path, wl_cfg *w, model_stats *ms = nullptr, const char *json = nullptr) {
  sim_err e{};
  int rc = json ? wl_cfg_load_string(json, "test", w, &e) : wl_cfg_load(path, w, &e);
  EXPECT_EQ(rc, SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  model_stats dummy;
  EXPECT_EQ(model_run(w, &t, ms ? ms : &dummy, &e), SIM_OK) << e.msg;
  return t;
}

uint32_t ratio_count(double r, uint32_t n) {  // ceil(r n) with the documented 1e-9 guard
  if (r >= 1.0) return n;
  uint32_t k = (uint32_t)std::ceil(r * n - 1e-9);
  return std::max(1u, std::min(k, n));
}

// Recompute every pass from the trace's Q/K/V with the rules of docs/model.md; compares
// outputs, LSB decisions, local-V counts and the cumulative importance exactly.
void recompute_and_compare(const spt_trace *t) {
  const uint32_t d = t->d_head;
  const fxp_fmt *f = &t->fmt;
  std::map<uint64_t, std::vector<int16_t>> kc, vc;   // (layer, head, pos) -> row
  auto key = [](uint32_t l, uint32_t h, uint32_t p) { return ((uint64_t)l << 40) | ((uint64_t)h << 20) | p; };
  std::map<uint32_t, uint64_t> timp;
  std::map<uint32_t, uint64_t> himp;
  for (uint32_t pi = 0; pi < t->n_pass; pi++) {
    const spt_pass *p = &t->pass[pi];
    for (uint32_t hi = 0; hi < p->n_head; hi++)
      for (uint32_t r = 0; r < p->n_new; r++) {
        const int16_t *kr = p->k_new + ((size_t)hi * p->n_new + r) * d;
        const int16_t *vr = p->v_new + ((size_t)hi * p->n_new + r) * d;
        kc[key(p->layer, p->head_idx[hi], p->new_pos[r])] = std::vector<int16_t>(kr, kr + d);
        vc[key(p->layer, p->head_idx[hi], p->new_pos[r])] = std::vector<int16_t>(vr, vr + d);
      }
    const uint32_t n = p->n_tok;
    std::vector<int16_t> K((size_t)n * d), Km((size_t)n * d), V((size_t)n * d);
    for (uint32_t hi = 0; hi < p->n_head; hi++) {
      const uint32_t h = p->head_idx[hi];
      for (uint32_t j = 0; j < n; j++) {
        auto it = kc.find(key(p->layer, h, p->tok_idx[j]));
        ASSERT_NE(it, kc.end()) << "pass " << pi << ": key row of token " << p->tok_idx[j] << " never sent";
        for (uint32_t c = 0; c < d; c++) {
          K[(size_t)j * d + c] = it->second[c];
          Km[(size_t)j * d + c] = fxp_k_msb_only(it->second[c], f);
          V[(size_t)j * d + c] = vc[key(p->layer, h, p->tok_idx[j])][c];
        }
      }
      uint64_t habs = 0;
      for (uint32_t r = 0; r < p->n_q; r++) {
        const int16_t *q = p->q + ((size_t)hi * p->n_q + r) * d;
        std::vector<uint8_t> mask(n, 0);
        uint32_t m = 0;
        for (uint32_t j = 0; j < n; j++) {
          bool masked = t->causal && p->tok_idx[j] > p->q_pos[r];
          if (p->blk_mask) {
            uint32_t B = t->policy.mask_block, nbc = (n + B - 1) / B;
            masked = masked || p->blk_mask[(size_t)(r / B) * nbc + j / B];
          }
          mask[j] = masked;
          m += !masked;
        }
        std::vector<int32_t> s(n);
        std::vector<uint32_t> pr(n);
        bool refetch = false;
        if (t->policy.progressive) {
          for (uint32_t j = 0; j < n; j++) s[j] = fxp_dot(q, &Km[(size_t)j * d], d);
          uint32_t pmax = fxp_softmax(s.data(), mask.data(), n, f, pr.data());
          refetch = pmax < (uint32_t)std::floor(t->policy.pq_threshold * (1u << f->prob_bits) + 0.5);
          EXPECT_EQ(p->lsb_refetch[(size_t)hi * p->n_q + r], refetch) << "pass " << pi;
        }
        if (!t->policy.progressive || refetch) {
          for (uint32_t j = 0; j < n; j++) s[j] = fxp_dot(q, &K[(size_t)j * d], d);
          fxp_softmax(s.data(), mask.data(), n, f, pr.data());
        }
        // local V: the ceil(v_keep * m) largest probabilities, ties to the lower position
        std::vector<uint32_t> cand;
        for (uint32_t j = 0; j < n; j++) if (!mask[j]) cand.push_back(j);
        uint32_t kv = t->policy.local_v ? ratio_count(t->policy.v_keep, m) : m;
        std::stable_sort(cand.begin(), cand.end(), [&](uint32_t a, uint32_t b) { return pr[a] > pr[b]; });
        cand.resize(kv);
        std::sort(cand.begin(), cand.end());
        if (t->policy.local_v) { EXPECT_EQ(p->v_cnt[(size_t)hi * p->n_q + r], kv); }
        std::vector<int32_t> o(d);
        fxp_pv(pr.data(), V.data(), cand.data(), kv, n, f, o.data());
        const int32_t *got = p->out + ((size_t)hi * p->n_q + r) * d;
        for (uint32_t c = 0; c < d; c++) {
          ASSERT_EQ(got[c], o[c]) << "pass " << pi << " head " << h << " row " << r << " col " << c;
          habs += (uint64_t)std::llabs(o[c]);
        }
        for (uint32_t j = 0; j < n; j++) timp[p->tok_idx[j]] += pr[j];
      }
      himp[h] += habs;
    }
    for (uint32_t j = 0; j < n; j++) EXPECT_EQ(p->tok_imp[j], timp[p->tok_idx[j]]) << "pass " << pi;
    for (uint32_t hi = 0; hi < p->n_head; hi++) EXPECT_EQ(p->head_imp[hi], himp[p->head_idx[hi]]);
  }
}

// Cascade invariants, with counts recomputed from the ratios (docs/model.md).
void check_cascade(const spt_trace *t) {
  const uint32_t L = t->layers, N = t->n_prompt;
  std::set<uint32_t> prev_last;
  std::set<uint32_t> heads_prev_last;
  for (uint32_t s = 0; s <= t->n_gen; s++) {
    const uint32_t seq = N + s;
    uint32_t target = seq, htarget = t->heads;
    for (uint32_t l = 0; l < L; l++) {
      const spt_pass *p = &t->pass[s * L + l];
      std::set<uint32_t> cur(p->tok_idx, p->tok_idx + p->n_tok);
      std::set<uint32_t> hs(p->head_idx, p->head_idx + p->n_head);
      std::set<uint32_t> before;   // alive entering the layer, before its pruning
      std::set<uint32_t> hbefore;
      if (l > 0) {
        const spt_pass *q = &t->pass[s * L + l - 1];
        before.insert(q->tok_idx, q->tok_idx + q->n_tok);
        hbefore.insert(q->head_idx, q->head_idx + q->n_head);
      } else if (s > 0) {
        before = prev_last;
        before.insert(N + s - 1);
        hbefore = heads_prev_last;
      } else {
        for (uint32_t i = 0; i < N; i++) before.insert(i);
        for (uint32_t h = 0; h < t->heads; h++) hbefore.insert(h);
      }
      // never reappear: subset of what was alive entering the layer
      for (uint32_t x : cur) EXPECT_TRUE(before.count(x)) << "token " << x << " reappeared at step " << s << " layer " << l;
      for (uint32_t x : hs) EXPECT_TRUE(hbefore.count(x)) << "head " << x << " reappeared";
      // the configured counts
      if (t->policy.token_prune && t->policy.tok_keep[l] < 1.0) target = ratio_count(t->policy.tok_keep[l], target);
      uint32_t want = t->policy.token_prune && t->policy.tok_keep[l] < 1.0
                          ? std::min<uint32_t>(target, (uint32_t)before.size()) : (uint32_t)before.size();
      EXPECT_EQ(p->n_tok, want) << "step " << s << " layer " << l;
      if (t->policy.head_prune && t->policy.head_keep[l] < 1.0) htarget = ratio_count(t->policy.head_keep[l], htarget);
      uint32_t hwant = t->policy.head_prune && t->policy.head_keep[l] < 1.0
                           ? std::min<uint32_t>(htarget, (uint32_t)hbefore.size()) : (uint32_t)hbefore.size();
      EXPECT_EQ(p->n_head, hwant) << "step " << s << " layer " << l;
      if (s > 0) {
        EXPECT_TRUE(cur.count(N + s - 1)) << "the new token must stay at step " << s;
        EXPECT_EQ(p->n_q, 1u);
        EXPECT_EQ(p->q_pos[0], N + s - 1);
      }
      if (l == L - 1) { prev_last = cur; heads_prev_last = hs; }
    }
  }
}
}  // namespace

TEST(Model, PolicyNoneIsTheDenseModelExactly) {
  wl_cfg w;
  spt_trace *t = run(nullptr, &w, nullptr,
                     R"({"model": "tiny", "arch": "gpt2", "stage": "generate", "n_prompt": 12,
                         "n_gen": 3, "seed": 5, "policy": {"name": "none"}})");
  ASSERT_NE(t, nullptr);
  for (uint32_t i = 0; i < t->n_pass; i++) {
    const spt_pass *p = &t->pass[i];
    EXPECT_EQ(p->n_tok, p->step == 0 ? 12u : 12u + p->step);
    EXPECT_EQ(p->n_head, t->heads);
  }
  recompute_and_compare(t);
  spt_free(t);
}

TEST(Model, BertSummarizationWithEveryTechniqueMatchesAnIndependentRecomputation) {
  wl_cfg w;
  spt_trace *t = run("configs/workloads/tiny.json", &w);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->pass[1].n_tok, 8u);   // ceil(0.5 * 16)
  EXPECT_EQ(t->pass[1].n_head, 1u);  // ceil(0.5 * 2)
  recompute_and_compare(t);
  check_cascade(t);
  spt_free(t);
}

TEST(Model, Gpt2GenerationWithEveryTechniqueMatchesAnIndependentRecomputation) {
  wl_cfg w;
  spt_trace *t = run("configs/workloads/tiny-gpt2.json", &w);
  ASSERT_NE(t, nullptr);
  recompute_and_compare(t);
  check_cascade(t);
  spt_free(t);
}

TEST(Model, TokenPruningKeepsTheTopImportanceTokensOfThePreviousPass) {
  wl_cfg w;
  spt_trace *t = run("configs/workloads/tiny-gpt2.json", &w);
  ASSERT_NE(t, nullptr);
  const uint32_t L = t->layers;
  for (uint32_t i = 1; i < t->n_pass; i++) {
    const spt_pass *p = &t->pass[i], *q = &t->pass[i - 1];
    if (!(t->policy.tok_keep[p->layer] < 1.0)) continue;
    uint32_t newp = p->step > 0 ? t->n_prompt + p->step - 1 : UINT32_MAX;
    // candidates: previous pass's tokens (+ nothing new within a step), minus the new token
    std::vector<std::pair<uint64_t, uint32_t>> c;
    for (uint32_t j = 0; j < q->n_tok; j++)
      if (q->tok_idx[j] != newp) c.push_back({q->tok_imp[j], q->tok_idx[j]});
    std::sort(c.begin(), c.end(), [](auto a, auto b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (p->layer == 0) continue;   // layer 0 of a step also admits the new token; covered by cascade test
    std::set<uint32_t> want;
    uint32_t k = p->n_tok - (newp != UINT32_MAX ? 1 : 0);
    for (uint32_t j = 0; j < k; j++) want.insert(c[j].second);
    if (newp != UINT32_MAX) want.insert(newp);
    EXPECT_EQ(std::set<uint32_t>(p->tok_idx, p->tok_idx + p->n_tok), want) << "pass " << i;
    (void)L;
  }
  spt_free(t);
}

TEST(Model, SameWorkloadGivesTheSameTrace) {
  wl_cfg w;
  spt_trace *a = run("configs/workloads/tiny-gpt2.json", &w);
  spt_trace *b = run("configs/workloads/tiny-gpt2.json", &w);
  EXPECT_TRUE(spt_equal(a, b));
  w.seed = 12;
  sim_err e{};
  spt_trace *c = nullptr;
  ASSERT_EQ(model_run(&w, &c, nullptr, &e), SIM_OK);
  EXPECT_FALSE(spt_equal(a, c));   // a different seed is a different workload
  spt_free(a); spt_free(b); spt_free(c);
}

TEST(Model, SyntheticAttentionIsStructuredNotUniform) {
  // 2 layers x 4 heads x d 32, 128 tokens, dense: mean row entropy well below log(n) of a
  // uniform row (ln 128 = 4.85 for bidirectional rows), and sink tokens gather importance
  wl_cfg w;
  model_stats ms;
  spt_trace *t = run(nullptr, &w, &ms,
                     R"({"model": "custom", "arch": "bert", "layers": 2, "heads": 4, "d_model": 128,
                         "n_prompt": 128, "seed": 3, "policy": {"name": "none"}})");
  ASSERT_NE(t, nullptr);
  for (uint32_t l = 0; l < 2; l++) {
    EXPECT_LT(ms.layer[l].entropy, std::log(128.0) - 1.0) << "layer " << l;
    EXPECT_GT(ms.layer[l].entropy, 0.2) << "layer " << l;
  }
  const spt_pass *p = &t->pass[1];
  // position 0 is a sink: among the 5% most important tokens
  std::vector<uint64_t> imp(p->tok_imp, p->tok_imp + p->n_tok);
  std::vector<uint64_t> sorted = imp;
  std::sort(sorted.rbegin(), sorted.rend());
  EXPECT_GE(imp[0], sorted[6]);
  // the error against the dense float model is only quantisation (no pruning)
  EXPECT_GE(ms.err_rel_l2, 0.0);
  EXPECT_LT(ms.err_rel_l2, 0.05);
  // without pruning the golden model IS the dense fixed-point model
  EXPECT_EQ(ms.err_fxp_dense, ms.err_rel_l2);
  spt_free(t);
}

TEST(Model, PruningShowsInTheStatistics) {
  wl_cfg w;
  model_stats ms;
  spt_trace *t = run("configs/workloads/tiny-gpt2.json", &w, &ms);
  ASSERT_NE(t, nullptr);
  EXPECT_GT(ms.kv_reduction, 1.0);
  EXPECT_LT(ms.layer[2].tok_kept, 1.0);
  EXPECT_LT(ms.layer[2].heads_kept, 1.0);
  EXPECT_GT(ms.err_rel_l2, 0.0);
  EXPECT_GT(ms.err_fxp_dense, 0.0);
  EXPECT_LT(ms.err_fxp_dense, ms.err_rel_l2);   // pruning adds error to quantisation
  spt_free(t);
}

TEST(Model, PruningStatisticsEqualHandCountedValues) {
  // tiny-gpt2: 3 layers x 2 heads, N 24 + T 4, tok_keep 0.7 from layer 1, head_keep 0.5 from
  // layer 2, v_keep 0.5, progressive (k_lsb_bits 6 of 12). Counts by hand (docs/model.md
  // "Policies"; ratio_count(r, n) = ceil(r n)):
  //  step 0 (seq 24): layer 0 keeps all 24; layer 1 ceil(0.7 * 24) = 17; layer 2 ceil(0.7 * 17)
  //    = 12. Heads 2, 2, ceil(0.5 * 2) = 1.
  //  step t (seq 24 + t): the survivors of the previous step's layer 2 plus the new token enter
  //    layer 0; targets c1 = ceil(0.7 seq), c2 = ceil(0.7 c1) cap them:
  //    t=1: 12+1 = 13; c1 = ceil(17.5) = 18, c2 = ceil(12.6) = 13  -> 13 13 13
  //    t=2: 13+1 = 14; c1 = ceil(18.2) = 19, c2 = ceil(13.3) = 14  -> 14 14 14
  //    t=3: 14+1 = 15; c1 = ceil(18.9) = 19, c2 = 14               -> 15 15 14
  //    t=4: 14+1 = 15; c1 = ceil(19.6) = 20, c2 = ceil(14.0) = 14  -> 15 15 14
  //    The head pruned at step 0 layer 2 never returns: 1 head in every generation pass.
  const uint32_t tok[5][3] = {{24, 17, 12}, {13, 13, 13}, {14, 14, 14}, {15, 15, 14}, {15, 15, 14}};
  const uint32_t heads[5][3] = {{2, 2, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
  // V rows of a generation row: ceil(0.5 * keys) (the new token sees every alive key)
  auto half = [](uint32_t n) { return (n + 1) / 2; };
  wl_cfg w;
  model_stats ms;
  spt_trace *t = run("configs/workloads/tiny-gpt2.json", &w, &ms);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->n_pass, 15u);
  ASSERT_EQ(ms.layers, 3u);
  const uint32_t H = 2, bits = 12, lsb_bits = 6;
  double kv_dense = 0, kv = 0;   // bits, docs/model.md "Statistics" (the K/V estimate)
  uint64_t all_rows = 0, all_lsb = 0;
  for (uint32_t l = 0; l < 3; l++) {
    uint64_t passes = 0, tok_sum = 0, head_sum = 0, rows = 0, lsb_rows = 0, dense = 0, k_rows = 0, v_rows = 0;
    for (uint32_t s = 0; s < 5; s++) {
      const spt_pass *p = &t->pass[s * 3 + l];
      ASSERT_EQ(p->n_tok, tok[s][l]) << "step " << s << " layer " << l;
      ASSERT_EQ(p->n_head, heads[s][l]) << "step " << s << " layer " << l;
      const uint32_t n = tok[s][l], nh = heads[s][l], nq = s ? 1 : n, seq = 24 + s;
      passes++;
      tok_sum += n;
      head_sum += nh;
      rows += (uint64_t)nq * nh;
      dense += (uint64_t)seq * H;
      kv_dense += (double)seq * H * 2 * bits;
      for (uint32_t hi = 0; hi < nh; hi++) {
        uint32_t refetch = 0;   // the LSB decisions are read from the trace (530 checks them)
        for (uint32_t r = 0; r < nq; r++) refetch += p->lsb_refetch[(size_t)hi * nq + r];
        lsb_rows += refetch;
        const uint32_t vr = s ? half(n) : n;   // summarization: every alive key's V row
        k_rows += n;
        v_rows += vr;
        kv += (double)n * (bits - lsb_bits) + (double)vr * bits;
        if (refetch) kv += (double)n * lsb_bits * (s ? refetch : 1);
      }
    }
    const model_layer_stats *st = &ms.layer[l];
    EXPECT_EQ(st->passes, passes) << "layer " << l;
    EXPECT_EQ(st->tok_sum, tok_sum) << "layer " << l;
    EXPECT_EQ(st->head_sum, head_sum) << "layer " << l;
    EXPECT_EQ(st->rows, rows) << "layer " << l;
    EXPECT_EQ(st->lsb_rows, lsb_rows) << "layer " << l;
    EXPECT_EQ(st->kv_rows_dense, dense) << "layer " << l;
    EXPECT_EQ(st->k_rows, k_rows) << "layer " << l;
    EXPECT_EQ(st->v_rows, v_rows) << "layer " << l;
    EXPECT_DOUBLE_EQ(st->tok_kept, (double)tok_sum / (double)(dense / H)) << "layer " << l;
    EXPECT_DOUBLE_EQ(st->heads_kept, (double)head_sum / (double)(passes * H)) << "layer " << l;
    EXPECT_DOUBLE_EQ(st->lsb_frac, (double)lsb_rows / (double)rows) << "layer " << l;
    all_rows += rows;
    all_lsb += lsb_rows;
  }
  // the sums above, by hand: layer 0: tokens 24+13+14+15+15 = 81, heads 2+1+1+1+1 = 6,
  // rows 48+4 = 52, K rows 48+57 = 105, V rows 48 + 7+7+8+8 = 78; layer 1: 74, 6, 38, 91, 64;
  // layer 2: 67, 5, 16, 67, 12 + 7+7+7+7 = 40; dense (24+25+26+27+28) x 2 = 260 each
  const uint64_t hand[3][5] = {{81, 6, 52, 105, 78}, {74, 6, 38, 91, 64}, {67, 5, 16, 67, 40}};
  for (uint32_t l = 0; l < 3; l++) {
    const model_layer_stats *st = &ms.layer[l];
    EXPECT_EQ(st->tok_sum, hand[l][0]);
    EXPECT_EQ(st->head_sum, hand[l][1]);
    EXPECT_EQ(st->rows, hand[l][2]);
    EXPECT_EQ(st->k_rows, hand[l][3]);
    EXPECT_EQ(st->v_rows, hand[l][4]);
    EXPECT_EQ(st->kv_rows_dense, 260u);
  }
  EXPECT_GT(all_lsb, 0u);            // the threshold 0.5 makes some rows re-fetch...
  EXPECT_LT(all_lsb, all_rows);      // ...but not all, so the LSB terms are really exercised
  EXPECT_DOUBLE_EQ(ms.lsb_frac, (double)all_lsb / (double)all_rows);
  EXPECT_NEAR(ms.kv_reduction, kv_dense / kv, 1e-12 * ms.kv_reduction);
  spt_free(t);
}

TEST(Model, SpattenWithEveryTechniqueOffComputesExactlyWhatNoneComputes) {
  wl_cfg w;
  spt_trace *a = run(nullptr, &w, nullptr,
                     R"({"include": "configs/workloads/tiny-gpt2.json", "policy": {"name": "none"}})");
  spt_trace *b = run(nullptr, &w, nullptr,
                     R"({"include": "configs/workloads/tiny-gpt2.json", "policy": {"name": "spatten",
                         "token_prune": false, "head_prune": false, "local_v": false, "progressive": false}})");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(a->n_pass, b->n_pass);
  for (uint32_t i = 0; i < a->n_pass; i++) {
    const spt_pass *p = &a->pass[i], *q = &b->pass[i];
    ASSERT_EQ(p->n_tok, q->n_tok);
    ASSERT_EQ(p->n_head, q->n_head);
    size_t n = (size_t)p->n_head * p->n_q * a->d_head;
    EXPECT_EQ(0, memcmp(p->out, q->out, n * sizeof(int32_t))) << "pass " << i;
    EXPECT_EQ(0, memcmp(p->tok_imp, q->tok_imp, p->n_tok * sizeof(uint64_t))) << "pass " << i;
  }
  spt_free(a);
  spt_free(b);
}
