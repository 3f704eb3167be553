// 610_accel_model: the accelerator on traces from the reference model (models/model.h), with
// cascade token and head pruning, local V pruning and progressive quantisation: every golden
// value matches, and pruned passes fetch exactly the rows the trace keeps (counted here).
#include <gtest/gtest.h>
#include <cstdio>
#include <algorithm>
#include <string>
extern "C" {
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "models/model.h"
#include "models/workload.h"
#include "base/stats.h"
#include "trace/wlcsv.h"
}

#include "accel_util.h"
using testutil::Hw;
using testutil::trace_of;

namespace {
uint32_t bytes_of(uint32_t d, uint32_t bits) { return (d * bits + 7) / 8; }
}  // namespace

TEST(AccelModel, TinyGpt2WithEveryTechniqueMatchesTheReferenceModelAndFetchesOnlyKeptRows) {
  Hw hw("configs/hw/spatten.json");
  spt_trace *t = trace_of("configs/workloads/tiny-gpt2.json");
  ASSERT_NE(t, nullptr);
  stats *st = stats_create();
  sim_err e{};
  accel *a = accel_create(&hw.hw, t, st, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  const accel_result *r = accel_result_get(a);
  ASSERT_EQ(r->n_pass, t->n_pass);
  const uint32_t d = t->d_head, msb = t->fmt.bits - t->fmt.k_lsb_bits;
  bool pruned_somewhere = false;
  for (uint32_t i = 0; i < t->n_pass; i++) {
    const spt_pass &p = t->pass[i];
    const accel_pass_result &pr = r->pass[i];
    if (p.n_tok < t->n_prompt + p.step || p.n_head < t->heads) pruned_somewhere = true;
    if (p.step == 0) {
      // summarization: every alive head's kept keys are fetched once into its buffer slot
      // (the last query row attends all of them), one Q row per (head, query); V rows are the
      // union of the rows' selections: at least the largest selection of each head, at most
      // all kept tokens
      EXPECT_EQ(pr.c.bytes[ACC_TR_K_MSB], (uint64_t)p.n_head * p.n_tok * bytes_of(d, msb)) << "pass " << i;
      EXPECT_EQ(pr.c.bytes[ACC_TR_Q], (uint64_t)p.n_head * p.n_q * bytes_of(d, t->fmt.bits)) << "pass " << i;
      uint64_t vmin = 0;
      for (uint32_t h = 0; h < p.n_head; h++)
        vmin += *std::max_element(p.v_cnt + (size_t)h * p.n_q, p.v_cnt + (size_t)(h + 1) * p.n_q);
      EXPECT_GE(pr.c.bytes[ACC_TR_V], vmin * bytes_of(d, t->fmt.bits)) << "pass " << i;
      EXPECT_LE(pr.c.bytes[ACC_TR_V], (uint64_t)p.n_head * p.n_tok * bytes_of(d, t->fmt.bits)) << "pass " << i;
      continue;
    }
    // generation: one query per alive head attends every kept token once
    EXPECT_EQ(pr.c.bytes[ACC_TR_K_MSB], (uint64_t)p.n_head * p.n_tok * bytes_of(d, msb)) << "pass " << i;
    uint64_t v = 0, lsb = 0;
    for (uint32_t h = 0; h < p.n_head; h++) { v += p.v_cnt[h]; lsb += p.lsb_refetch[h]; }
    EXPECT_EQ(pr.c.bytes[ACC_TR_V], v * bytes_of(d, t->fmt.bits)) << "pass " << i;
    EXPECT_EQ(pr.c.bytes[ACC_TR_K_LSB], lsb * p.n_tok * bytes_of(d, t->fmt.k_lsb_bits)) << "pass " << i;
    EXPECT_EQ(pr.c.bytes[ACC_TR_Q], (uint64_t)p.n_head * bytes_of(d, t->fmt.bits));
  }
  EXPECT_TRUE(pruned_somewhere) << "workload should exercise cascade pruning";
  accel_destroy(a);
  stats_destroy(st);
  spt_free(t);
}

TEST(AccelModel, TinyBertWithTokenAndHeadPruningMatchesOnTheTinyFifoMachine) {
  Hw hw("configs/hw/tiny.json");
  spt_trace *t = trace_of("configs/workloads/tiny.json");
  ASSERT_NE(t, nullptr);
  sim_err e{};
  accel *a = accel_create(&hw.hw, t, nullptr, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  uint64_t rows = 0;
  for (uint32_t i = 0; i < t->n_pass; i++) rows += (uint64_t)t->pass[i].n_head * t->pass[i].n_q;
  EXPECT_EQ(accel_result_get(a)->golden_rows_checked, rows);
  accel_destroy(a);
  spt_free(t);
}

TEST(AccelModel, AWrongKeptTokenSetIsAMismatchNamingStepAndLayer) {
  Hw hw("configs/hw/spatten.json");
  spt_trace *t = trace_of("configs/workloads/tiny.json");
  ASSERT_NE(t, nullptr);
  // layer 1 prunes tokens (tok_start 1): claim a different survivor
  spt_pass &p = t->pass[1];
  ASSERT_LT(p.n_tok, t->n_prompt);
  uint32_t missing = 0;
  for (uint32_t j = 0, k = 0; j < t->n_prompt; j++) {
    if (k < p.n_tok && p.tok_idx[k] == j) { k++; continue; }
    missing = j;
    break;
  }
  p.tok_idx[0] = missing;
  std::sort(p.tok_idx, p.tok_idx + p.n_tok);
  sim_err e{};
  accel *a = accel_create(&hw.hw, t, nullptr, &e);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(accel_run(a, &e), SIM_EMISMATCH);
  EXPECT_NE(std::string(e.msg).find("step 0 layer 1: kept tokens"), std::string::npos) << e.msg;
  accel_destroy(a);
  spt_free(t);
}

TEST(AccelModel, TheAuthorsCsvOfATraceRunsTimingOnlyAndFetchesTheRowsItNames) {
  // The CSV written from a trace, run timing-only: its summarization rows (iteration 0, marked
  // in the config line) are one query per alive token, so the run computes as many rows as the
  // trace's passes hold (sum of n_head x n_q), and every head fetches its key_fetch_num K rows
  // once. V: every query of a head sees the same synthetic scores, so a row that sees all keys
  // keeps the same value_fetch_num rows (tiny, bidirectional: exactly the sum of
  // value_fetch_num); a causal row sees fewer keys and keeps its share of them, so the union
  // lies between that sum and the K rows (tiny-gpt2).
  Hw hw("configs/hw/spatten.json");
  for (const char *wl : {"configs/workloads/tiny.json", "configs/workloads/tiny-gpt2.json"}) {
    spt_trace *t = trace_of(wl);
    ASSERT_NE(t, nullptr);
    wlcsv *w = nullptr;
    sim_err e{};
    ASSERT_EQ(wlcsv_from_trace(t, &w, &e), SIM_OK) << e.msg;
    EXPECT_TRUE(w->summary_iter0);
    EXPECT_EQ(w->summary_causal, t->causal);
    accel *a = accel_create_csv(&hw.hw, w, nullptr, &e);
    ASSERT_NE(a, nullptr) << e.msg;
    ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    const accel_result *r = accel_result_get(a);
    EXPECT_TRUE(r->timing_only);
    uint64_t k = 0, v = 0, rows = 0;
    for (size_t i = 0; i < w->n_rows; i++) { k += w->rows[i].key_fetch; v += w->rows[i].value_fetch; }
    for (uint32_t p = 0; p < t->n_pass; p++) rows += (uint64_t)t->pass[p].n_head * t->pass[p].n_q;
    const wlcsv_row &r0 = w->rows[0];
    const uint64_t kb = bytes_of(r0.d_head, (uint32_t)r0.quant_key_bit);
    const uint64_t vb = bytes_of(r0.d_head, (uint32_t)r0.quant_value_bit);
    EXPECT_EQ(r->c.rows, rows) << wl;
    EXPECT_GT(r->c.rows, w->n_rows) << wl << ": summarization rows are many queries each";
    EXPECT_EQ(r->c.bytes[ACC_TR_K_MSB], k * kb) << wl;
    EXPECT_EQ(r->c.bytes[ACC_TR_Q], rows * bytes_of(r0.d_head, (uint32_t)r0.quant_query_bit)) << wl;
    if (!t->causal) {
      EXPECT_EQ(r->c.bytes[ACC_TR_V], v * vb) << wl;
    } else {
      EXPECT_GT(r->c.bytes[ACC_TR_V], v * vb) << wl;
      EXPECT_LE(r->c.bytes[ACC_TR_V], k * vb) << wl;
    }
    EXPECT_EQ(r->golden_rows_checked, 0u);
    accel_destroy(a);
    wlcsv_free(w);
    spt_free(t);
  }
}

TEST(AccelModel, StaticBlockMaskAndStaticHeadPoliciesRunOnTheSameMachineAndMatch) {
  Hw hw("configs/hw/spatten.json");
  const char *wls[] = {
    R"({"include": "configs/workloads/tiny-gpt2.json", "name": "t-ap",
        "policy": {"name": "ap", "ap_percentile": 0.5, "ap_block": 4}})",
    R"({"include": "configs/workloads/tiny-gpt2.json", "name": "t-hs",
        "policy": {"name": "head-entropy", "head_ratio": 0.5}})",
  };
  for (int i = 0; i < 2; i++) {
    wl_cfg w{};
    sim_err e{};
    ASSERT_EQ(wl_cfg_load_string(wls[i], "t.json", &w, &e), SIM_OK) << e.msg;
    spt_trace *t = nullptr;
    ASSERT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
    accel *a = accel_create(&hw.hw, t, nullptr, &e);
    ASSERT_NE(a, nullptr) << e.msg;
    ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    const accel_result *r = accel_result_get(a);
    uint64_t rows = 0, dense_k = 0;
    for (uint32_t p = 0; p < t->n_pass; p++) {
      rows += (uint64_t)t->pass[p].n_head * t->pass[p].n_q;
      dense_k += (uint64_t)t->heads * t->pass[p].n_tok;
    }
    EXPECT_EQ(r->golden_rows_checked, rows);
    if (i == 0) { EXPECT_GT(r->c.masked_blocks, 0u) << "masked (row, key) pairs are skipped"; }
    EXPECT_LT(r->c.k_rows, dense_k) << "masked blocks / pruned heads are not fetched";
    accel_destroy(a);
    spt_free(t);
  }
}

TEST(AccelModel, CascadeTokenPruningFromLayerZeroRunsItsFirstTopkOnEveryPromptToken) {
  // tok_start 0: the first pass's cascade top-k picks from all 24 prompt tokens, more than any
  // pass attends (ceil(0.5 x 24) = 12), so the engine and the alive lists must hold n_prompt
  Hw hw("configs/hw/spatten.json");
  wl_cfg w{};
  sim_err e{};
  ASSERT_EQ(wl_cfg_load_string(R"({"include": "configs/workloads/tiny-gpt2.json", "policy":
      {"name": "spatten", "tok_start": 0, "tok_keep": [0.5], "head_start": 0, "head_keep": [0.5]}})",
                               "w.json", &w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  ASSERT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
  ASSERT_EQ(t->pass[0].n_tok, 12u);
  uint32_t max_tok = 0;
  for (uint32_t p = 0; p < t->n_pass; p++) max_tok = std::max(max_tok, t->pass[p].n_tok);
  EXPECT_LT(max_tok, t->n_prompt);
  accel *a = accel_create(&hw.hw, t, nullptr, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  uint64_t rows = 0;
  for (uint32_t p = 0; p < t->n_pass; p++) rows += (uint64_t)t->pass[p].n_head * t->pass[p].n_q;
  EXPECT_EQ(accel_result_get(a)->golden_rows_checked, rows);
  accel_destroy(a);
  spt_free(t);
}
