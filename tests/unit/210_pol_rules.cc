// 210_pol_rules: the pruning decision rules of models/policy.h, against hand-computed counts and
// selections (docs/model.md "Policies").
#include <gtest/gtest.h>
#include <vector>
extern "C" {
#include "models/policy.h"
}

namespace {
spt_policy spatten_policy(double tok, double head, uint32_t start) {
  spt_policy p{};
  for (uint32_t l = 0; l < SPT_MAX_LAYERS; l++) {
    p.tok_keep[l] = l >= start ? tok : 1.0;
    p.head_keep[l] = l >= start ? head : 1.0;
  }
  p.token_prune = p.head_prune = true;
  p.v_keep = 0.5;
  p.local_v = true;
  return p;
}
}  // namespace

TEST(Policy, KeepCountIsCeilingOfRatioTimesAliveWithAGuardAgainstBinaryRounding) {
  EXPECT_EQ(pol_ratio_count(0.9, 10), 9u);     // 0.9 * 10 = 9.000000000000002 in binary
  EXPECT_EQ(pol_ratio_count(0.84, 384), 323u); // 322.56 -> 323
  EXPECT_EQ(pol_ratio_count(0.5, 7), 4u);      // 3.5 -> 4
  EXPECT_EQ(pol_ratio_count(0.001, 7), 1u);    // never below one
  EXPECT_EQ(pol_ratio_count(1.0, 7), 7u);
  EXPECT_EQ(pol_ratio_count(0.5, 0), 0u);
  EXPECT_EQ(pol_ratio_count(0.9166, 12), 11u); // 10.9992 -> 11
  EXPECT_EQ(pol_ratio_count(0.9285, 14), 13u); // 12.999 -> 13
}

TEST(Policy, TargetsIterateLayerByLayerAndDoNotCompoundAcrossGenerationSteps) {
  spt_policy p = spatten_policy(0.5, 1.0, 1);
  // summarization, N = 16: layer 0 keeps 16, layer 1 8, layer 2 4, layer 3 2
  EXPECT_EQ(pol_tok_keep(&p, 0, 16, 16), 16u);
  EXPECT_EQ(pol_tok_keep(&p, 1, 16, 16), 8u);
  EXPECT_EQ(pol_tok_keep(&p, 2, 16, 8), 4u);
  EXPECT_EQ(pol_tok_keep(&p, 3, 16, 4), 2u);
  // generation step 1: sequence 17; alive entering layer 1 = 2 + 1 new: targets 9, 5, 3
  EXPECT_EQ(pol_tok_keep(&p, 1, 17, 3), 3u);
  EXPECT_EQ(pol_tok_keep(&p, 3, 17, 3), 3u);  // target ceil(0.5*ceil(0.5*ceil(0.5*17))) = 3
  EXPECT_EQ(pol_target(p.tok_keep, 3, 17), 3u);
  p.token_prune = false;
  EXPECT_EQ(pol_tok_keep(&p, 3, 16, 16), 16u);
  EXPECT_FALSE(pol_tok_prunes_at(&p, 3));
}

TEST(Policy, TokenSelectionKeepsLargestImportanceTiesToLowerPositionAndForcesTheNewToken) {
  spt_policy p = spatten_policy(0.5, 1.0, 0);
  const uint32_t alive[] = {0, 2, 3, 5, 8, 9};
  const uint64_t imp[] = {7, 1, 7, 9, 1, 0};
  uint32_t out[6];
  // summarization: k = 3 of 6 -> importance 9 (pos 5), 7 (pos 0), 7 (pos 3)
  uint32_t n = pol_tok_select(&p, 0, 6, alive, imp, 6, POL_NO_NEW, out);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + n), (std::vector<uint32_t>{0, 3, 5}));
  // generation with new token 9 (importance 0): kept anyway; 2 more from the rest
  n = pol_tok_select(&p, 0, 6, alive, imp, 6, 9, out);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + n), (std::vector<uint32_t>{0, 5, 9}));
  // a tie between equal importances 1 (pos 2 and 8) resolves to the lower position
  const uint64_t imp2[] = {0, 1, 0, 0, 1, 0};
  p.tok_keep[0] = 0.1;  // k = 1
  n = pol_tok_select(&p, 0, 6, alive, imp2, 6, POL_NO_NEW, out);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(out[0], 2u);
}

TEST(Policy, CandidatesExcludeTheNewTokenAndCountItInK) {
  const uint32_t alive[] = {1, 4, 6, 10};
  uint32_t cand[4], kc;
  uint32_t n = pol_tok_candidates(alive, 4, 10, 3, cand, &kc);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(kc, 2u);
  EXPECT_EQ(cand[0], 0u);
  EXPECT_EQ(cand[2], 2u);
  n = pol_tok_candidates(alive, 4, POL_NO_NEW, 3, cand, &kc);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(kc, 3u);
}

TEST(Policy, HeadSelectionKeepsTopImportanceHeads) {
  spt_policy p = spatten_policy(1.0, 0.5, 0);
  const uint32_t alive[] = {0, 1, 2, 3, 5, 7};
  const uint64_t imp[] = {10, 30, 20, 30, 5, 40};
  uint32_t out[6];
  uint32_t n = pol_head_select(&p, 0, 8, alive, imp, 6, out);
  // target ceil(0.5 * 8) = 4, capped by alive 6 -> 4 heads: 40 (7), 30 (1), 30 (3), 20 (2)
  ASSERT_EQ(n, 4u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + n), (std::vector<uint32_t>{1, 2, 3, 7}));
}

TEST(Policy, LocalValueAndProgressiveQuantisationRules) {
  spt_policy p = spatten_policy(1.0, 1.0, 0);
  EXPECT_EQ(pol_v_keep(&p, 9), 5u);   // ceil(4.5)
  p.local_v = false;
  EXPECT_EQ(pol_v_keep(&p, 9), 9u);
  fxp_fmt f;
  fxp_fmt_init(&f, 12, 7, 6, 12, 64);
  p.progressive = true;
  p.pq_threshold = 0.1;                // round(0.1 * 4096) = 410
  EXPECT_TRUE(pol_needs_lsb(&p, &f, 409));
  EXPECT_FALSE(pol_needs_lsb(&p, &f, 410));
  p.progressive = false;
  EXPECT_FALSE(pol_needs_lsb(&p, &f, 1));
}

TEST(Policy, OpsTableIsFoundByNameAndUnknownNamesAreRejected) {
  ASSERT_NE(pol_find("spatten"), nullptr);
  EXPECT_STREQ(pol_find("head-entropy")->name, "head-entropy");
  EXPECT_EQ(pol_find("ap")->needs, (unsigned)POL_NEEDS_MASK);
  EXPECT_EQ(pol_find("bogus"), nullptr);
}
