// 245_wlcsv_authors_topk: the shape of the SpAtten authors' generation CSVs: the last row of each
// iteration carries if_rescale_previous_importance = True, if_topk = True and a topk larger than
// that row's key_fetch_num. That top-k re-selects, with rescaled importance, the next
// iteration's tokens among the whole sentence (sentence_length_L candidates), not among the
// tokens still alive. The files here are generated in that shape (never copied).
// Job sizes are checked through the cascade engine's LOAD cycles: a job over n candidates streams them
// in ceil(n / in_lanes) cycles (docs/arch/topk.md), so with no local-V job the LOAD cycles of
// a run are the sum of ceil(n / 16) over its cascade jobs.
#include <gtest/gtest.h>
#include <string>
#include "test_util.h"
extern "C" {
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "base/stats.h"
#include "trace/wlcsv.h"
}

namespace {
const char *const kHeader = testutil::kWlcsvHeader;

// iterations x layers x heads; layer 0 keeps `keep0` of the sentence, later layers `keep1`;
// the last row of every iteration re-ranks the sentence and keeps `next` for the next one.
// value_fetch_num = key_fetch_num: no local-V job.
std::string authors_shape(uint32_t iters, uint32_t layers, uint32_t heads, uint32_t L0,
                          uint32_t keep1, uint32_t next, bool rescale = true) {
  std::string s = kHeader;
  for (uint32_t it = 0; it < iters; it++) {
    uint32_t L = L0 + it;
    for (uint32_t l = 0; l < layers; l++)
      for (uint32_t h = 0; h < heads; h++) {
        uint32_t keys = l == 0 ? (it == 0 ? L : next) : keep1;
        bool last_layer_row = h + 1 == heads && l == 0 && layers > 1;
        bool last_row = h + 1 == heads && l + 1 == layers;
        char row[256];
        int topk = last_row ? (int)next : last_layer_row ? (int)keep1 : -1;
        snprintf(row, sizeof row, "%u,%u,%u,64.0,%u,%u,-1,-1,-1,False,-1,%u,-1,%s,%s,%s,%d\n", it, l,
                 h, L, keys, keys, h == 0 ? "False" : "True",
                 last_row && rescale ? "True" : "False", topk >= 0 ? "True" : "False", topk);
        s += row;
      }
  }
  return s;
}

uint64_t ceil16(uint64_t n) { return (n + 15) / 16; }
}  // namespace

TEST(WlCsvAuthorsTopk, ATopkOverTheWholeSentenceIsReadWhenItRescalesTheImportance) {
  // last rows: key_fetch_num 24, topk 90 > 24, sentence 100 + it
  std::string s = authors_shape(3, 2, 2, 100, 24, 90);
  wlcsv *w = nullptr;
  sim_err e{};
  ASSERT_EQ(wlcsv_read_mem(s.data(), s.size(), "a.csv", &w, &e), SIM_OK) << e.msg;
  EXPECT_EQ(w->n_rows, 12u);
  wlcsv_free(w);
}

TEST(WlCsvAuthorsTopk, ATopkAboveTheAliveTokensWithoutRescalingIsRefused) {
  std::string s = authors_shape(2, 2, 2, 100, 24, 90, false);
  wlcsv *w = nullptr;
  sim_err e{};
  EXPECT_EQ(wlcsv_read_mem(s.data(), s.size(), "a.csv", &w, &e), SIM_ETRACE);
  EXPECT_NE(std::string(e.msg).find("topk = 90 exceeds key_fetch_num = 24"), std::string::npos) << e.msg;
  EXPECT_NE(std::string(e.msg).find("if_rescale_previous_importance"), std::string::npos) << e.msg;
}

TEST(WlCsvAuthorsTopk, ATopkAboveTheSentenceIsRefused) {
  std::string s = authors_shape(2, 2, 2, 100, 24, 101);
  wlcsv *w = nullptr;
  sim_err e{};
  EXPECT_EQ(wlcsv_read_mem(s.data(), s.size(), "a.csv", &w, &e), SIM_ETRACE);
  EXPECT_NE(std::string(e.msg).find("topk = 101 exceeds sentence_length_L = 100"), std::string::npos) << e.msg;
}

TEST(WlCsvAuthorsTopk, TheRescalingTopkRanksEverySentenceTokenOnTheEngine) {
  const uint32_t iters = 3, L0 = 100, keep1 = 24, next = 90;
  std::string s = authors_shape(iters, 2, 2, L0, keep1, next);
  wlcsv *w = nullptr;
  sim_err e{};
  ASSERT_EQ(wlcsv_read_mem(s.data(), s.size(), "a.csv", &w, &e), SIM_OK) << e.msg;
  hw_cfg hw{};
  ASSERT_EQ(hw_cfg_load("configs/hw/spatten.json", &hw, &e), SIM_OK) << e.msg;
  ASSERT_EQ(hw.topk_in_lanes, 16u);
  stats *st = stats_create();
  accel *a = accel_create_csv(&hw, w, st, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  // cascade jobs: per iteration, layer 0's last row (n = key_fetch_num of layer 0, k = keep1)
  // and the last row (n = the sentence, k = next), except the file's very last row (no next
  // pass to prune for)
  uint64_t jobs = 0, load = 0;
  for (uint32_t it = 0; it < iters; it++) {
    jobs++;
    load += ceil16(it == 0 ? L0 : next);
    if (it + 1 < iters) { jobs++; load += ceil16(L0 + it); }
  }
  uint64_t got_jobs = 0, got_load = 0;
  ASSERT_TRUE(stats_get_u64(st, "topk_cascade.jobs", &got_jobs));
  ASSERT_TRUE(stats_get_u64(st, "topk_cascade.load_cycles", &got_load));
  EXPECT_EQ(got_jobs, jobs);
  EXPECT_EQ(got_load, load);
  accel_destroy(a);
  stats_destroy(st);
  hw_cfg_release(&hw);
  wlcsv_free(w);
}
