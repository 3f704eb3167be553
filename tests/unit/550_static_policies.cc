// 550_static_policies: Attention Pruning's calibrated block mask and the static head-pruning
// metrics: the counts they must keep (docs/model.md), and that they act in the golden model.
#include <gtest/gtest.h>
#include <cmath>
#include <set>
#include <string>
extern "C" {
#include "model.h"
#include "trace.h"
#include "workload.h"
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
