// 630_accel_accounting: one accounting path. The passes tile the run (each starts where the
// previous one ended, the first at cycle 0, the last ends with the run), so every integer
// count of the per-pass rows sums exactly to the run's total and the energies sum to it up
// to rounding. Checked on a summarization + generation trace, a BERT-shaped trace and a
// timing-only CSV run. Before the one-path accounting each pass missed its last output row
// (the write issued after the pass's end) and the final drain belonged to no pass.
#include <gtest/gtest.h>
#include <cmath>
#include <cstdio>
#include <string>
extern "C" {
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "models/model.h"
#include "models/workload.h"
#include "trace/trace.h"
#include "trace/wlcsv.h"
}

#include "accel_util.h"
using testutil::Hw;
using testutil::trace_of;

namespace {


void expect_passes_sum_to_total(const accel_result *r, uint32_t out_row_bytes) {
  ASSERT_GT(r->n_pass, 1u);
  accel_counts s{};
  uint64_t cycles = 0;
  for (uint32_t i = 0; i < r->n_pass; i++) {
    const accel_pass_result &p = r->pass[i];
    EXPECT_EQ(p.start, i == 0 ? 0u : r->pass[i - 1].end) << "pass " << i;
    EXPECT_EQ(p.cycles, p.end - p.start) << "pass " << i;
    cycles += p.cycles;
    for (int k = 0; k < ACC_TR_N; k++) s.bytes[k] += p.c.bytes[k];
    s.dram_rd_bytes += p.c.dram_rd_bytes;
    s.dram_wr_bytes += p.c.dram_wr_bytes;
    s.rows += p.c.rows;
    s.k_rows += p.c.k_rows;
    s.v_rows += p.c.v_rows;
    s.lsb_refetch_rows += p.c.lsb_refetch_rows;
    s.masked_blocks += p.c.masked_blocks;
    s.qk_macs += p.c.qk_macs;
    s.pv_macs += p.c.pv_macs;
    for (int m = 0; m < ACC_M_N; m++) {
      s.busy[m] += p.c.busy[m];
      s.stall[m] += p.c.stall[m];
      s.energy_pj[m] += p.c.energy_pj[m];
    }
    s.energy_total_pj += p.c.energy_total_pj;
  }
  EXPECT_EQ(r->pass[r->n_pass - 1].end, r->cycles);
  EXPECT_EQ(cycles, r->cycles);
  for (int k = 0; k < ACC_TR_N; k++) EXPECT_EQ(s.bytes[k], r->c.bytes[k]) << ACC_TRAFFIC_NAMES[k];
  EXPECT_EQ(s.dram_rd_bytes, r->c.dram_rd_bytes);
  EXPECT_EQ(s.dram_wr_bytes, r->c.dram_wr_bytes);
  EXPECT_EQ(s.rows, r->c.rows);
  EXPECT_EQ(s.k_rows, r->c.k_rows);
  EXPECT_EQ(s.v_rows, r->c.v_rows);
  EXPECT_EQ(s.lsb_refetch_rows, r->c.lsb_refetch_rows);
  EXPECT_EQ(s.masked_blocks, r->c.masked_blocks);
  EXPECT_EQ(s.qk_macs, r->c.qk_macs);
  EXPECT_EQ(s.pv_macs, r->c.pv_macs);
  for (int m = 0; m < ACC_M_N; m++) {
    EXPECT_EQ(s.busy[m], r->c.busy[m]) << ACC_MODULE_NAMES[m];
    EXPECT_EQ(s.stall[m], r->c.stall[m]) << ACC_MODULE_NAMES[m];
    EXPECT_NEAR(s.energy_pj[m], r->c.energy_pj[m], 1e-9 * r->c.energy_total_pj) << ACC_MODULE_NAMES[m];
  }
  EXPECT_NEAR(s.energy_total_pj, r->c.energy_total_pj, 1e-9 * r->c.energy_total_pj);
  // independent of the accounting: every retired row wrote one output row
  EXPECT_EQ(r->c.bytes[ACC_TR_OUT], r->c.rows * out_row_bytes);
}

// Runs the reference model's trace of wl_path on hw_path, or its CSV (timing only).
void run(const char *hw_path, const char *wl_path, bool timing_only) {
  Hw hw(hw_path);
  spt_trace *t = trace_of(wl_path);
  ASSERT_NE(t, nullptr);
  sim_err e{};
  wlcsv *csv = nullptr;
  if (timing_only) {
    ASSERT_EQ(wlcsv_from_trace(t, &csv, &e), SIM_OK) << e.msg;
  }
  accel *a = timing_only ? accel_create_csv(&hw.hw, csv, nullptr, &e) : accel_create(&hw.hw, t, nullptr, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  expect_passes_sum_to_total(accel_result_get(a), (t->d_head * hw.hw.out_bits + 7) / 8);
  accel_destroy(a);
  wlcsv_free(csv);
  spt_free(t);
}
}  // namespace

TEST(AccelAccounting, PassesOfAGenerationRunSumExactlyToTheTotals) {
  run("configs/hw/spatten.json", "configs/workloads/tiny-gpt2.json", false);
}

TEST(AccelAccounting, PassesOfASummarizationRunSumExactlyToTheTotals) {
  run("configs/hw/spatten-1-8.json", "configs/workloads/tiny.json", false);
}

TEST(AccelAccounting, PassesOfATimingOnlyCsvRunSumExactlyToTheTotals) {
  run("configs/hw/spatten.json", "configs/workloads/tiny-gpt2.json", true);
}
