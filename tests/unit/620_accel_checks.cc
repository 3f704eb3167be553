// 620_accel_checks: whole-machine properties with independently derived expectations:
//  - the DRAM model's own byte counters equal the bytes of the Q/K/V rows the trace holds;
//  - energy is linear in event counts: twice the (identically shaped) work, twice the dynamic
//    energy of every datapath module (leakage set to zero in a test energy config);
//  - the per-pass breakdown adds up to the totals;
//  - the watchdog turns "no progress for N cycles" into SIM_EDEADLOCK with a one-line dump of
//    every FIFO's occupancy.
#include <gtest/gtest.h>
#include <cstdio>
#include <fstream>
#include <glob.h>
#include <string>
#include <unistd.h>
#include "600_tracegen.h"
extern "C" {
#include "accel/accel.h"
#include "dram/dram.h"
#include "cost/energy.h"
#include "accel/hwcfg.h"
#include "models/model.h"
#include "base/stats.h"
#include "models/workload.h"
}

namespace {
std::string abs_path(const char *rel) {
  char buf[4096];
  EXPECT_NE(getcwd(buf, sizeof buf), nullptr);
  return std::string(buf) + "/" + rel;
}
// a hw config that includes the default machine and overrides some fields
std::string write_hw(const char *name, const std::string &extra) {
  std::string p = std::string("/tmp/spatten_820_") + std::to_string(getpid()) + "_" + name + ".json";
  std::ofstream f(p);
  f << "{ \"include\": \"" << abs_path("configs/hw/spatten.json") << "\", \"dram_config\": \""
    << abs_path("configs/dram/hbm2-spatten.json") << "\", \"gpu_config\": \"\"" << extra
    << (extra.find("energy_config") == std::string::npos
            ? ", \"energy_config\": \"" + abs_path("configs/energy/spatten-40nm.json") + "\""
            : std::string())
    << " }\n";
  return p;
}

// Runs t on hw with and without time skipping; both must finish (golden check included) in the
// same number of cycles, which is returned (0 after a failure).
uint64_t cycles_both_ways(const hw_cfg &hw, const spt_trace *t) {
  uint64_t cycles[2] = {0, 0};
  for (bool skip : {false, true}) {
    sim_err e{};
    accel *a = accel_create(&hw, t, nullptr, &e);
    EXPECT_NE(a, nullptr) << e.msg;
    if (!a) return 0;
    accel_set_time_skip(a, skip);
    EXPECT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    uint64_t rows = 0;
    for (uint32_t p = 0; p < t->n_pass; p++) rows += (uint64_t)t->pass[p].n_head * t->pass[p].n_q;
    EXPECT_EQ(accel_result_get(a)->golden_rows_checked, rows);
    cycles[skip] = accel_result_get(a)->cycles;
    accel_destroy(a);
  }
  EXPECT_EQ(cycles[0], cycles[1]) << "time skipping changed the cycle count";
  return cycles[0];
}
}  // namespace

TEST(AccelChecks, TheDramModelCountsExactlyTheQkvBytesOfADenseTrace) {
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load("configs/hw/spatten.json", &hw, &e), SIM_OK) << e.msg;
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 12; o.n_gen = 3; o.causal = true;
  spt_trace *t = tg::build(o);
  stats *st = stats_create();
  accel *a = accel_create(&hw, t, st, &e);
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  tg::Bytes b = tg::dense_bytes(t);
  uint64_t rd = 0, wr = 0;
  ASSERT_TRUE(stats_get_u64(st, "dram.bytes_read", &rd));
  ASSERT_TRUE(stats_get_u64(st, "dram.bytes_written", &wr));
  EXPECT_EQ(rd, b.q + b.k + b.v);
  EXPECT_EQ(wr, b.out + b.append);
  // per-pass rows add up to the totals
  const accel_result *r = accel_result_get(a);
  uint64_t sum_rd = 0, sum_cycles = 0;
  for (uint32_t i = 0; i < r->n_pass; i++) { sum_rd += r->pass[i].c.dram_rd_bytes; sum_cycles += r->pass[i].cycles; }
  EXPECT_EQ(sum_rd, r->c.dram_rd_bytes);
  EXPECT_LE(sum_cycles, r->cycles);
  for (uint32_t i = 1; i < r->n_pass; i++) EXPECT_GE(r->pass[i].start, r->pass[i - 1].end) << i;
  EXPECT_LE(r->pass[r->n_pass - 1].end, r->cycles);
  accel_destroy(a);
  stats_destroy(st);
  spt_free(t);
  hw_cfg_release(&hw);
}

// The machine behind every shipped DRAM config (docs/dram.md 10.3): the golden check passes,
// time skipping changes no cycle (the DRAM's next-event bound holds for every device, e.g.
// GDDR6/LPDDR5's 8 beats per clock), and the DRAM reads exactly the trace's Q/K/V bytes where a
// request is 32 bytes (96-byte rows are whole requests); 64-byte requests read at least that and
// at most 4/3 of it. Every file in configs/dram/ is run, so a new config is covered at once.
TEST(AccelChecks, TheMachineRunsOnEveryShippedDramConfig) {
  glob_t g{};
  ASSERT_EQ(glob("configs/dram/*.json", 0, nullptr, &g), 0);
  ASSERT_GE(g.gl_pathc, 7u);  // hbm2, hbm2-spatten(-1-8), ddr4, ddr5, lpddr5, gddr6
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 12; o.n_gen = 3; o.causal = true;
  spt_trace *t = tg::build(o);
  const tg::Bytes b = tg::dense_bytes(t);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    SCOPED_TRACE(g.gl_pathv[i]);
    std::string dp = abs_path(g.gl_pathv[i]);
    std::string hp = std::string("/tmp/spatten_620_") + std::to_string(getpid()) + "_dram.json";
    {
      std::ofstream f(hp);
      f << "{ \"include\": \"" << abs_path("configs/hw/spatten.json") << "\", \"dram_config\": \""
        << dp << "\", \"gpu_config\": \"\", \"energy_config\": \""
        << abs_path("configs/energy/spatten-40nm.json") << "\" }\n";
    }
    hw_cfg hw{};
    sim_err e{};
    ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
    EXPECT_GT(cycles_both_ways(hw, t), 0u);
    stats *st = stats_create();
    accel *a = accel_create(&hw, t, st, &e);
    ASSERT_NE(a, nullptr) << e.msg;
    ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    uint64_t rd = 0;
    ASSERT_TRUE(stats_get_u64(st, "dram.bytes_read", &rd));
    dram_cfg dc{};
    ASSERT_EQ(dram_cfg_load(dp.c_str(), &dc, &e), SIM_OK) << e.msg;
    if (dram_cfg_request_bytes(&dc) == 32) {
      EXPECT_EQ(rd, b.q + b.k + b.v);
    } else {  // a 96-byte row touches at most two 64-byte requests: at most 4/3 of its bytes
      EXPECT_GE(rd, b.q + b.k + b.v);
      EXPECT_LE(rd, (b.q + b.k + b.v) * 4 / 3);
    }
    accel_destroy(a);
    stats_destroy(st);
    hw_cfg_release(&hw);
    unlink(hp.c_str());
  }
  globfree(&g);
  spt_free(t);
}

TEST(AccelChecks, DynamicEnergyDoublesWhenTheWorkDoubles) {
  std::string ep = std::string("/tmp/spatten_820_") + std::to_string(getpid()) + "_ecfg.json";
  {
    std::ofstream f(ep);
    f << "{ \"include\": \"" << abs_path("configs/energy/spatten-40nm.json") << "\", \"leak\": {"
         "\"qk_mw\": 0, \"softmax_mw\": 0, \"topk_mw\": 0, \"pv_mw\": 0, \"fetch_mw\": 0, "
         "\"ctrl_mw\": 0, \"sram_mw_per_kb\": 0 } }\n";
  }
  std::string hp = write_hw("energy", ", \"energy_config\": \"" + ep + "\"");
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
  double en[2][ACC_M_N];
  for (int k = 0; k < 2; k++) {
    tg::Opts o;
    o.layers = 2 * (k + 1); o.heads = 2; o.n_prompt = 16;    // dense: counts depend only on shape
    spt_trace *t = tg::build(o);
    accel *a = accel_create(&hw, t, nullptr, &e);
    ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    for (int m = 0; m < ACC_M_N; m++) en[k][m] = accel_result_get(a)->c.energy_pj[m];
    if (k == 0) {
      // dense, 2 layers x 2 heads x 16 x 16: 1024 (query, key) pairs, each one Q.K key, one
      // softmax element and one V row. Per-event costs: docs/energy.md, "Suggested counter ->
      // cost mapping" (Q.K: d multiplies + d - 1 tree adds; softmax: 2 fp32 multiplies + exp +
      // 3 fp32 adds (max compare, max subtract, sum) + divide; prob.V: d multiply-accumulates,
      // 12 x 12-bit multiplies: 0.2 pJ * 144 / 64 * node_scale); leakage is 0 here.
      const energy_cfg *c = hw.energy;
      const double n = 1024, d = 64, mul12 = 0.2 * 144.0 / 64.0 * c->node_scale;
      EXPECT_NEAR(en[0][ACC_M_QK], n * d * mul12 + n * (d - 1) * c->add_acc_pj, 1e-6);
      EXPECT_NEAR(en[0][ACC_M_SOFTMAX],
                  n * (2 * c->fp32_mul_pj + c->fp32_exp_pj + 3 * c->fp32_add_pj + c->fp32_div_pj), 1e-6);
      EXPECT_NEAR(en[0][ACC_M_PV], n * d * (mul12 + c->add_acc_pj), 1e-6);
    }
    accel_destroy(a);
    spt_free(t);
  }
  for (int m : {ACC_M_QK, ACC_M_SOFTMAX, ACC_M_PV, ACC_M_IMP, ACC_M_SRAM}) {
    EXPECT_GT(en[0][m], 0.0) << ACC_MODULE_NAMES[m];
    EXPECT_DOUBLE_EQ(en[1][m], 2.0 * en[0][m]) << ACC_MODULE_NAMES[m];
  }
  hw_cfg_release(&hw);
  unlink(hp.c_str());
  unlink(ep.c_str());
}

TEST(AccelChecks, TheWatchdogReportsADeadlockWithEveryQueueOnOneLine) {
  // a 5-cycle watchdog: the first rows wait for DRAM, and 5 DRAM clocks pass without a
  // completion (the first read needs tRCD + CL + more), so the DRAM side of the watchdog fires;
  // with and without time skipping at the same cycle, with every queue on one line
  std::string hp = write_hw("wd", ", \"watchdog_cycles\": 5");
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
  ASSERT_GT(hw.dram->t.tRCDRD + hw.dram->t.CL, 5u);
  tg::Opts o;
  o.layers = 1; o.heads = 1; o.n_prompt = 8;
  spt_trace *t = tg::build(o);
  std::string msgs[2];
  for (bool skip : {false, true}) {
    accel *a = accel_create(&hw, t, nullptr, &e);
    accel_set_time_skip(a, skip);
    EXPECT_EQ(accel_run(a, &e), SIM_EDEADLOCK);
    std::string m(e.msg);
    EXPECT_EQ(m.rfind("deadlock: no DRAM completion for 5 DRAM cycles at cycle ", 0), 0u) << m;
    for (const char *q : {"qk.in ", "softmax.in 0/12", "pv.in 0/4", "writeback.in 0/4", "fetch.inflight"})
      EXPECT_NE(m.find(q), std::string::npos) << q << " missing in: " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos);
    EXPECT_STREQ(accel_input(a), "trace");   // a trace built in memory has no source
    msgs[skip] = m;
    accel_destroy(a);
  }
  EXPECT_EQ(msgs[0], msgs[1]) << "time skipping must not move the deadlock";
  // the input's name is the trace's source, for a host to put before the message
  t->source = strdup("dir/x.spt");
  accel *a = accel_create(&hw, t, nullptr, &e);
  EXPECT_EQ(accel_run(a, &e), SIM_EDEADLOCK);
  EXPECT_EQ(std::string(e.msg).rfind("deadlock: ", 0), 0u) << e.msg;
  EXPECT_STREQ(accel_input(a), "dir/x.spt");
  accel_destroy(a);
  spt_free(t);
  hw_cfg_release(&hw);
  unlink(hp.c_str());
}

TEST(AccelChecks, ARowInALongPipelineIsNotADeadlock) {
  // a softmax accumulate stage of 1023 cycles and a 1024-cycle watchdog on the tiny workload:
  // rows wait in the stage's FIFO while no block acts for more than the watchdog, but they are
  // on their way, so this is no deadlock (it was one: "no progress for 1024 cycles")
  std::string hp = write_hw("lat", ", \"sm_acc_latency\": 1023, \"watchdog_cycles\": 1024");
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
  wl_cfg w{};
  ASSERT_EQ(wl_cfg_load("configs/workloads/tiny.json", &w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  ASSERT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
  EXPECT_GT(cycles_both_ways(hw, t), 2u * 1023u) << "the long stage lies on the path of both layers";
  spt_free(t);
  hw_cfg_release(&hw);
  unlink(hp.c_str());
}

TEST(AccelChecks, WaitingOnDramIsNotADeadlockOnAFastAcceleratorClock) {
  // at 1 THz (1 ps accelerator cycles) one HBM2 read takes tens of thousands of accelerator
  // cycles; a 20000-cycle watchdog counts DRAM clocks while the fetcher waits, so the run
  // finishes and matches the golden values, with and without time skipping
  std::string hp = write_hw("fast", ", \"clock_mhz\": 1000000, \"watchdog_cycles\": 20000");
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
  ASSERT_GT((uint64_t)(hw.dram->t.tRCDRD + hw.dram->t.CL) * dram_cfg_tck_ps(hw.dram), 20000u);
  tg::Opts o;
  o.layers = 1; o.heads = 2; o.n_prompt = 8;
  spt_trace *t = tg::build(o);
  EXPECT_GT(cycles_both_ways(hw, t), 0u);
  spt_free(t);
  hw_cfg_release(&hw);
  unlink(hp.c_str());
}

TEST(AccelChecks, AMachineTooSmallForTheWorkloadIsAConfigErrorNamingTheLimit) {
  tg::Opts o;
  o.layers = 1; o.heads = 1; o.n_prompt = 16;
  spt_trace *t = tg::build(o);
  struct { const char *extra, *want; } cases[] = {
    {", \"topk_max_n\": 8", "trace: top-k engine holds 8 values; the workload needs 16 (hardware "},
    {", \"qk_multipliers\": 32",
     "trace: 32 Q.K / 512 prob.V multipliers cannot hold one d = 64 row (hardware "},
    {", \"data_bits\": 8", "trace: Q/K/V are 12 bits but the hardware's data_bits = 8 (hardware "},
  };
  for (auto &c : cases) {
    std::string hp = write_hw("small", c.extra);
    hw_cfg hw{};
    sim_err e{};
    ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
    accel *a = accel_create(&hw, t, nullptr, &e);
    EXPECT_EQ(a, nullptr);
    EXPECT_EQ(e.code, SIM_EINVAL);
    // the input first (a hand-built trace has no source: "trace"), then the hardware file
    EXPECT_EQ(std::string(e.msg), std::string(c.want) + hp + ")");
    accel_destroy(a);
    hw_cfg_release(&hw);
    unlink(hp.c_str());
  }
  spt_free(t);
}

TEST(AccelChecks, ADenseSummarizationRunsAtTheQkUnitsRateOfOneRowPerCeilNOver8Cycles) {
  // d = 64, 64 keys: Q.K needs ceil(64/8) = 8 beats per row; softmax phases (8 lanes), prob.V
  // (8 rows/cycle) and the importance unit (max(64/8, 64/8)) also need 8, so the machine's
  // steady state is one row every 8 cycles: total = rows x 8 + the pipeline fill/drain (first
  // K/Q rows from DRAM, the latencies 8 + 87 + 6, the last output write), bounded by 600.
  hw_cfg hw{};
  sim_err e{};
  ASSERT_EQ(hw_cfg_load("configs/hw/spatten.json", &hw, &e), SIM_OK) << e.msg;
  tg::Opts o;
  o.layers = 1; o.heads = 4; o.n_prompt = 64;
  spt_trace *t = tg::build(o);
  stats *st = stats_create();
  accel *a = accel_create(&hw, t, st, &e);
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  const uint64_t rows = 4 * 64, beats = rows * 8;
  uint64_t qk_busy = 0, keys = 0;
  ASSERT_TRUE(stats_get_u64(st, "qk.busy_cycles", &qk_busy));
  ASSERT_TRUE(stats_get_u64(st, "qk.keys", &keys));
  EXPECT_EQ(keys, rows * 64);
  // partial beats happen only while a head's first row streams its keys in from DRAM
  EXPECT_GE(qk_busy, beats);
  EXPECT_LE(qk_busy, beats + 4 * 8);
  EXPECT_GE(accel_result_get(a)->cycles, beats);
  EXPECT_LE(accel_result_get(a)->cycles, beats + 600);
  accel_destroy(a);
  stats_destroy(st);
  spt_free(t);
  hw_cfg_release(&hw);
}

TEST(AccelChecks, TwoTopkEnginesGiveTheSameValuesAndShortenATopkBoundSummarization) {
  tg::Opts o;
  o.layers = 1; o.heads = 2; o.n_prompt = 96; o.local_v = true; o.v_keep = 0.5;
  spt_trace *t = tg::build(o);
  uint64_t cyc[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    std::string hp = write_hw("eng", k ? ", \"topk_engines\": 2" : "");
    hw_cfg hw{};
    sim_err e{};
    ASSERT_EQ(hw_cfg_load(hp.c_str(), &hw, &e), SIM_OK) << e.msg;
    accel *a = accel_create(&hw, t, nullptr, &e);
    ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
    EXPECT_EQ(accel_result_get(a)->golden_rows_checked, 2u * 96u);
    cyc[k] = accel_result_get(a)->cycles;
    accel_destroy(a);
    hw_cfg_release(&hw);
    unlink(hp.c_str());
  }
  // one engine needs ~n/4 cycles per row (load n/16, ~2 passes of n/16, emit n/16) against
  // Q.K's n/8, so a second engine must cut the run by a large factor
  EXPECT_LT(cyc[1] * 10, cyc[0] * 8) << cyc[0] << " vs " << cyc[1];
  spt_free(t);
}
