// 730_static_policies: Attention Pruning's calibrated block mask and the static head-pruning
// metrics: the counts they must keep (docs/model.md), and that they act in the golden model.
#include <gtest/gtest.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>
#include "test_util.h"
extern "C" {
#include "trace/fxp.h"
#include "models/model.h"
#include "trace/st.h"
#include "trace/trace.h"
#include "models/workload.h"
}

namespace {
spt_trace *run(const std::string &json, wl_cfg *w) {
  sim_err e{};
  EXPECT_EQ(wl_cfg_load_string(json.c_str(), "test", w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  EXPECT_EQ(model_run(w, &t, nullptr, &e), SIM_OK) << e.msg;
  return t;
}
const char *kBase = R"("model": "custom", "arch": "bert", "layers": 2, "heads": 4, "d_model": 64, "n_prompt": 64, "seed": 9)";

// A small BERT checkpoint (Hugging Face names, F32) written by the test, so that the calibration
// input is known: with "source": "weights" the calibration runs the dense fixed-point model on
// the given input itself (docs/model.md, AP calibration), which is exactly what policy "none"
// puts in its trace. Head h of layer l has its query rows scaled by qs[l][h] (sharper or flatter
// attention), its value rows by vs[l][h]; a few heads are sinks instead. Layer 0 is set so
// that the three attention metrics keep three different sets: entropy favours the one-token sink
// (head 0), total variation the two-token sink (head 1), sparsity the sharp heads (3, 4), whose
// many tiny probabilities the sinks' flat remainder lacks.
struct Ckpt {
  static const uint32_t L = 3, H = 6, D = 48, F = 16, N = 16, V = 11;
  std::vector<std::vector<float>> keep;   // tensor data, alive until written
  std::vector<float> wq[L], wk[L], wv[L], wo[L];   // [out][in] as stored (HF Linear layout)
  std::string weights, tokens;
  uint64_t x = 0x9e3779b97f4a7c15ull;
  double uni() {   // uniform in [-1, 1)
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return (double)(x >> 11) / 4503599627370496.0 - 1.0;
  }
  std::vector<float> rnd(size_t n, double a) {
    std::vector<float> v(n);
    for (auto &e : v) e = (float)(a * uni());
    return v;
  }
  Ckpt() {
    const double qs[L][H] = {{0.1, 0.1, 1.5, 4.0, 4.5, 1.5}, {3.0, 0.1, 2.0, 0.8, 2.0, 5.0},
                             {1.2, 1.2, 3.5, 0.5, 2.2, 0.2}};
    // sink heads: a query bias of 3 on the head's first dimension, whose key reads only input
    // dim 0 (large only at position 0, from its position embedding) with weight ks, or only
    // dim 1 (large at positions 5 and 11: a two-token sink) with weight kp
    const double ks[L][H] = {{0.76, 0, 0, 0, 0, 0}, {0, 0.9, 0, 0.5, 0, 0}, {0, 0, 0, 0.6, 0, 0.4}};
    const double kp[L][H] = {{0, 0.8, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}};
    const double vs[L][H] = {{1.0, 0.5, 2.0, 0.7, 1.5, 1.2}, {0.6, 1.8, 0.9, 1.3, 0.4, 1.1},
                             {1.7, 1.0, 0.5, 2.1, 0.8, 1.4}};
    // the output projection's input columns of head h scaled by os[l][h], so that its term
    // changes the magnitude ranking (layer 0: heads 0 and 1 overtake head 2)
    const double os[L][H] = {{4.0, 3.0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};
    // K rows of head h times kq[l][h], its Q rows divided by it: about the same scores, but
    // the K term of the magnitude moves the head (layer 2: head 4 ranks on its K weights)
    const double kq[L][H] = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 3.0, 1}};
    const double a = std::sqrt(3.0 / D);   // uniform weights of std 1/sqrt(D)
    st_writer *w = st_writer_new();
    auto add = [&](const std::string &name, std::vector<float> v, uint64_t r, uint64_t c) {
      keep.push_back(std::move(v));
      uint64_t sh[2] = {r, c};
      st_add(w, name.c_str(), ST_F32, c ? 2 : 1, sh, keep.back().data());
    };
    keep.reserve(64);
    std::vector<float> we = rnd((size_t)V * D, 1.0), pe = rnd((size_t)N * D, 1.0);
    for (uint32_t i = 0; i < V; i++) we[(size_t)i * D] = we[(size_t)i * D + 1] = 0.0f;
    for (uint32_t i = 0; i < N; i++) {
      pe[(size_t)i * D] = i == 0 ? 6.0f : 0.0f;
      pe[(size_t)i * D + 1] = i == 5 || i == 11 ? 6.0f : 0.0f;
    }
    add("embeddings.word_embeddings.weight", we, V, D);
    add("embeddings.position_embeddings.weight", pe, N, D);
    add("embeddings.LayerNorm.weight", std::vector<float>(D, 1.0f), D, 0);
    add("embeddings.LayerNorm.bias", std::vector<float>(D, 0.0f), D, 0);
    for (uint32_t l = 0; l < L; l++) {
      const std::string e = "encoder.layer." + std::to_string(l) + ".";
      wq[l] = rnd((size_t)D * D, a);
      wk[l] = rnd((size_t)D * D, a);
      wv[l] = rnd((size_t)D * D, a);
      wo[l] = rnd((size_t)D * D, a);
      for (uint32_t h = 0; h < H; h++)
        for (uint32_t r = h * (D / H); r < (h + 1) * (D / H); r++)   // output rows of head h
          for (uint32_t i = 0; i < D; i++) {
            wq[l][(size_t)r * D + i] *= (float)(qs[l][h] / kq[l][h]);
            wk[l][(size_t)r * D + i] *= (float)kq[l][h];
            wv[l][(size_t)r * D + i] *= (float)vs[l][h];
            wo[l][(size_t)i * D + r] *= (float)os[l][h];
          }
      std::vector<float> bq = rnd(D, 0.05);
      for (uint32_t h = 0; h < H; h++)
        if (ks[l][h] > 0 || kp[l][h] > 0) {
          bq[h * (D / H)] = 3.0f;
          for (uint32_t i = 0; i < D; i++)
            wk[l][(size_t)h * (D / H) * D + i] = i == 0 ? (float)ks[l][h] : i == 1 ? (float)kp[l][h] : 0.0f;
        }
      add(e + "attention.self.query.weight", wq[l], D, D);
      add(e + "attention.self.query.bias", bq, D, 0);
      add(e + "attention.self.key.weight", wk[l], D, D);
      add(e + "attention.self.key.bias", rnd(D, 0.05), D, 0);
      add(e + "attention.self.value.weight", wv[l], D, D);
      add(e + "attention.self.value.bias", rnd(D, 0.05), D, 0);
      add(e + "attention.output.dense.weight", wo[l], D, D);
      add(e + "attention.output.dense.bias", rnd(D, 0.05), D, 0);
      add(e + "attention.output.LayerNorm.weight", std::vector<float>(D, 1.0f), D, 0);
      add(e + "attention.output.LayerNorm.bias", std::vector<float>(D, 0.0f), D, 0);
      add(e + "intermediate.dense.weight", rnd((size_t)F * D, a), F, D);
      add(e + "intermediate.dense.bias", rnd(F, 0.05), F, 0);
      add(e + "output.dense.weight", rnd((size_t)D * F, std::sqrt(3.0 / F)), D, F);
      add(e + "output.dense.bias", rnd(D, 0.05), D, 0);
      add(e + "output.LayerNorm.weight", std::vector<float>(D, 1.0f), D, 0);
      add(e + "output.LayerNorm.bias", std::vector<float>(D, 0.0f), D, 0);
    }
    weights = testutil::tmp_path("w.safetensors");
    sim_err err{};
    EXPECT_EQ(st_write(w, weights.c_str(), &err), SIM_OK) << err.msg;
    st_writer_free(w);
    tokens = testutil::tmp_path("tokens.txt");
    std::ofstream t(tokens);
    for (uint32_t i = 0; i < N; i++) t << (i * 7 + 3) % V << (i + 1 < N ? " " : "\n");
  }
  ~Ckpt() {
    for (const std::string &f : {weights, tokens}) {
      std::remove(f.c_str());
      rmdir(f.substr(0, f.rfind('/')).c_str());
    }
  }
  std::string json(const char *policy) const {
    return R"({"model": "custom", "arch": "bert", "layers": 3, "heads": 6, "d_model": 48, "d_ff": 16,
               "n_prompt": 16, "source": "weights", "weights": ")" + weights + R"(", "tokens": ")" +
           tokens + R"(", "policy": {"name": ")" + policy + R"(", "head_ratio": 0.5, "sparsity_eps": 0.01}})";
  }
};

// The `keep` heads with the largest value, ties to the lower head (docs/model.md); also checks
// that the last kept and the first dropped value are equal (an exact tie: the rule decides) or
// apart, not a near-tie that the model's fixed-point conversion could break the other way.
std::set<uint32_t> top_heads(const std::vector<double> &v, uint32_t keep, const std::string &what) {
  std::vector<uint32_t> idx(v.size());
  for (uint32_t h = 0; h < v.size(); h++) idx[h] = h;
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return v[a] > v[b]; });
  if (keep < v.size()) {
    const double gap = v[idx[keep - 1]] - v[idx[keep]];
    EXPECT_TRUE(gap == 0 || gap > 1e-6 * std::fabs(v[idx[keep - 1]])) << what << ": near-tie " << gap;
  }
  return std::set<uint32_t>(idx.begin(), idx.begin() + keep);
}
}  // namespace

TEST(StaticPolicies, ApMasksTheConfiguredShareOfBlocksAndKeepsTheDiagonal) {
  wl_cfg w;
  // 64 tokens / block 8 = 8 x 8 = 64 blocks; p = 0.75 masks floor(48) of them
  spt_trace *t = run(std::string("{") + kBase + R"(, "policy": {"name": "ap", "ap_block": 8, "ap_percentile": 0.75}})", &w);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->policy.static_mask);
  for (uint32_t l = 0; l < t->layers; l++) {
    const spt_pass *p = &t->pass[l];
    ASSERT_NE(p->blk_mask, nullptr);
    int masked = 0;
    for (int r = 0; r < 8; r++) {
      EXPECT_EQ(p->blk_mask[r * 8 + r], 0) << "diagonal block " << r << " masked";
      for (int c = 0; c < 8; c++) masked += p->blk_mask[r * 8 + c];
    }
    EXPECT_EQ(masked, 48) << "layer " << l;
  }
  spt_free(t);
}

TEST(StaticPolicies, ApOnACausalModelMasksEverythingAboveTheDiagonal) {
  wl_cfg w;
  spt_trace *t = run(R"({"model": "custom", "arch": "gpt2", "layers": 1, "heads": 2, "d_model": 32,
                         "n_prompt": 32, "policy": {"name": "ap", "ap_block": 8, "ap_percentile": 0.5}})", &w);
  ASSERT_NE(t, nullptr);
  const spt_pass *p = &t->pass[0];
  int masked_valid = 0;
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) {
      if (c > r) EXPECT_EQ(p->blk_mask[r * 4 + c], 1);
      else masked_valid += p->blk_mask[r * 4 + c];
    }
  EXPECT_EQ(masked_valid, 5);   // 10 valid blocks (4 diagonal): floor(0.5 * 10) = 5 masked
  spt_free(t);
}

TEST(StaticPolicies, EveryHeadMetricKeepsTheSameCountPerLayer) {
  // head_ratio 0.5 of 4 heads: keep ceil(0.5 * 4) = 2 in every layer, the same set at every step
  std::set<std::set<uint32_t>> chosen;
  for (const char *m : {"head-entropy", "head-sparsity", "head-distribution", "head-random", "head-magnitude"}) {
    wl_cfg w;
    spt_trace *t = run(std::string("{") + kBase + R"(, "policy": {"name": ")" + m + R"(", "head_ratio": 0.5}})", &w);
    ASSERT_NE(t, nullptr) << m;
    EXPECT_TRUE(t->policy.static_heads);
    std::set<uint32_t> all;
    for (uint32_t l = 0; l < t->layers; l++) {
      EXPECT_EQ(t->pass[l].n_head, 2u) << m << " layer " << l;
      for (uint32_t i = 0; i < t->pass[l].n_head; i++) all.insert(l * 100 + t->pass[l].head_idx[i]);
      EXPECT_EQ(t->pass[l].n_tok, 64u);
    }
    chosen.insert(all);
    spt_free(t);
  }
  EXPECT_GE(chosen.size(), 2u);   // the metrics do not all agree (they measure different things)
}

TEST(StaticPolicies, EachHeadMetricKeepsTheHeadsAnIndependentRecomputationRanksFirst) {
  // Recompute every metric per (layer, head) from the dense model's probabilities (the "none"
  // trace's Q and K through fxp_dot / fxp_softmax, the accelerator arithmetic) and from the
  // checkpoint's weights, rank the heads as docs/model.md says, and compare the kept sets.
  Ckpt ck;
  const uint32_t L = Ckpt::L, H = Ckpt::H, N = Ckpt::N, D = Ckpt::D, dh = D / H;
  const uint32_t keep = 3;   // ratio_count(1 - 0.5, 6) = ceil(3) = 3
  wl_cfg w;
  spt_trace *dense = run(ck.json("none"), &w);
  ASSERT_NE(dense, nullptr);
  ASSERT_EQ(dense->n_pass, L);
  const fxp_fmt *f = &dense->fmt;
  const double one = std::ldexp(1.0, (int)f->prob_bits);
  const uint32_t eps_q = (uint32_t)std::floor(0.01 * one + 0.5);   // probabilities below: "zero"
  // metric[kind][l][h]: 0 entropy importance (20 - mean row entropy), 1 sparsity, 2 TV, 3 magnitude
  std::vector<double> metric[4][L];
  for (uint32_t l = 0; l < L; l++) {
    const spt_pass *p = &dense->pass[l];
    ASSERT_EQ(p->n_head, H);
    ASSERT_EQ(p->n_q, N);
    ASSERT_EQ(p->n_tok, N);
    for (uint32_t h = 0; h < H; h++) {
      ASSERT_EQ(p->head_idx[h], h);
      double ent = 0, tv = 0;
      uint64_t below = 0;
      for (uint32_t r = 0; r < N; r++) {
        std::vector<int32_t> sc(N);
        std::vector<uint32_t> pr(N);
        std::vector<uint8_t> mask(N, 0);
        const int16_t *q = p->q + ((size_t)h * N + r) * dh;
        for (uint32_t j = 0; j < N; j++) sc[j] = fxp_dot(q, p->k_new + ((size_t)h * N + j) * dh, dh);
        fxp_softmax(sc.data(), mask.data(), N, f, pr.data());
        for (uint32_t j = 0; j < N; j++) {
          const double pj = pr[j] / one;
          if (pr[j]) ent -= pj * std::log(pj);
          below += pr[j] < eps_q;
          tv += 0.5 * std::fabs(pj - 1.0 / N);
        }
      }
      metric[0][l].push_back(20.0 - ent / N);
      metric[1][l].push_back((double)below / (double)(N * N));
      metric[2][l].push_back(tv / N);
      // L1 of the head's Q, K, V output rows and of its input columns of the output projection
      double mag = 0;
      for (uint32_t r = h * dh; r < (h + 1) * dh; r++)
        for (uint32_t i = 0; i < D; i++)
          mag += std::fabs((double)ck.wq[l][(size_t)r * D + i]) + std::fabs((double)ck.wk[l][(size_t)r * D + i]) +
                 std::fabs((double)ck.wv[l][(size_t)r * D + i]) + std::fabs((double)ck.wo[l][(size_t)i * D + r]);
      metric[3][l].push_back(mag);
    }
  }
  const char *names[4] = {"head-entropy", "head-sparsity", "head-distribution", "head-magnitude"};
  std::set<std::vector<std::set<uint32_t>>> distinct;
  for (int m = 0; m < 4; m++) {
    spt_trace *t = run(ck.json(names[m]), &w);
    ASSERT_NE(t, nullptr) << names[m];
    ASSERT_TRUE(t->policy.static_heads);
    std::vector<std::set<uint32_t>> sets;
    for (uint32_t l = 0; l < L; l++) {
      const std::string what = std::string(names[m]) + " layer " + std::to_string(l);
      std::set<uint32_t> want = top_heads(metric[m][l], keep, what);
      const spt_pass *p = &t->pass[l];
      EXPECT_EQ(std::set<uint32_t>(p->head_idx, p->head_idx + p->n_head), want) << what;
      sets.push_back(want);
    }
    // the input really is the calibration input: layer 0's Q rows of the kept heads are the
    // dense trace's (the layers after it see pruned heads, the calibration does not)
    for (uint32_t hi = 0; hi < t->pass[0].n_head; hi++) {
      const uint32_t h = t->pass[0].head_idx[hi];
      EXPECT_EQ(0, memcmp(t->pass[0].q + (size_t)hi * N * dh, dense->pass[0].q + (size_t)h * N * dh,
                          (size_t)N * dh * sizeof(int16_t))) << names[m] << " head " << h;
    }
    distinct.insert(sets);
    spt_free(t);
  }
  // the checkpoint separates the metrics (all four keep different sets), so a metric computed
  // as another one's formula cannot pass
  EXPECT_EQ(distinct.size(), 4u);
  spt_free(dense);
}
