// 850_report_sweep: a sweep's rows and point files (report.h): the cells, the report's "-" rule
// for a missing GPU figure or a zero denominator, and the point-file checks. Expected values are
// written out by hand from the inputs, not produced by the code under test.
#include <gtest/gtest.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
extern "C" {
#include "base/sweep.h"
#include "cost/gpu.h"
#include "report/report.h"
}

namespace {
struct Cfg { uint32_t k; double v; };
const cfg_field kF[] = {
  CFG_U32F(Cfg, "k", k, 0, 99, false, 0, "k"),
  CFG_F64F(Cfg, "v", v, 0, 1, false, 0, "v"),
};
const cfg_table kT = {"demo", kF, CFG_NFIELDS(kF), nullptr};

struct ReportSweep : ::testing::Test {
  char dir[64] = "/tmp/spatten-830-XXXXXX";
  sweep *s = nullptr;
  void SetUp() override {
    ASSERT_NE(mkdtemp(dir), nullptr);
    put("hw.json", "{}");
    put("wl.json", "{}");
    put("s.json", R"({"hw": "hw.json", "workloads": ["wl.json"],
                      "vary_hw": {"k": [8, 16]}, "vary_workload": {"v": [0.5]}})");
    sim_err e{};
    ASSERT_EQ(sweep_load(path("s.json").c_str(), &kT, &kT, &s, &e), SIM_OK) << e.msg;
  }
  void TearDown() override {
    sweep_free(s);
    std::string cmd = std::string("rm -rf ") + dir;
    (void)!system(cmd.c_str());
  }
  std::string path(const char *n) { return std::string(dir) + "/" + n; }
  void put(const char *n, const char *text) {
    FILE *f = fopen(path(n).c_str(), "w");
    fputs(text, f);
    fclose(f);
  }
  std::string row(long p, const report_in *in) {
    char *buf = nullptr; size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_sweep_row(s, p, in, f);
    fclose(f);
    std::string r(buf);
    free(buf);
    return r;
  }
};
}  // namespace

TEST_F(ReportSweep, PointsAreNumberedWithTheLastFieldFastest) {
  EXPECT_EQ(sweep_n_points(s), 2);
  EXPECT_EQ(sweep_n_axes(s), 2);
  EXPECT_STREQ(sweep_axis_column(s, 0), "hw.k");
  EXPECT_STREQ(sweep_axis_column(s, 1), "wl.v");
  char *buf = nullptr; size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  report_sweep_header(s, f);
  fclose(f);
  EXPECT_STREQ(buf, "point,workload,hw.k,wl.v,cycles,seconds,dram_read_bytes,dram_write_bytes,"
                    "energy_pj,lsb_refetch_rows,rows,qk_busy_cycles,topk_busy_cycles,gpu_unfused_dram_bytes,gpu_fused_dram_bytes,"
                    "dram_reduction_unfused,dram_reduction_fused,speedup_unfused,energy_saving_unfused\n");
  free(buf);
}

TEST_F(ReportSweep, WithoutAGpuEveryGpuCellIsADash) {
  hw_cfg hw{};                      // gpu == NULL: the config names no GPU
  report_workload w{};
  w.name = "wl";
  accel_result r{};
  r.cycles = 1000; r.seconds = 1e-6;
  r.c.dram_rd_bytes = 300; r.c.dram_wr_bytes = 100; r.c.energy_total_pj = 2.5;
  r.c.lsb_refetch_rows = 3; r.c.rows = 40;
  r.c.busy[ACC_M_QK] = 700; r.c.busy[ACC_M_TOPK] = 950;
  report_in in = {&hw, &w, &r, nullptr};
  EXPECT_EQ(row(1, &in), "1,wl,16,0.5,1000,1e-06,300,100,2.500000,3,40,700,950,-,-,-,-,-,-\n");
}

TEST_F(ReportSweep, AZeroDenominatorIsADashAsInTheReport) {
  gpu_cfg g;
  sim_err e{};
  ASSERT_EQ(gpu_cfg_load("configs/gpu/titan-xp.json", &g, &e), SIM_OK) << e.msg;
  hw_cfg hw{};
  hw.gpu = &g;
  report_workload w{};
  w.name = "wl"; w.layers = 1; w.heads = 1; w.d_head = 64; w.n_prompt = 16;
  // The GPU figures by hand (docs/gpu-baseline.md; TITAN Xp: fp32 b = 4, 547.7 GB/s at 80 %,
  // 12.1 TFLOP/s, 5 us per launch, 112 pJ/byte, 2.3 pJ/flop, 96 kB shared memory), N = 16,
  // D = 64, H = 1:
  //   unfused bytes = 4NDb + 4HN^2 b = 16384 + 4096 = 20480
  //   fused: Br = min(ceil(96 * 1024 / (4 * 64 * 4)), 64) = 64, one block:
  //          bytes = NDb (2 + 2 * 1) = 16384
  //   unfused time: three launches, each memory bound (kernel 1: 9216 B take 21 ns against
  //          2 * 16 * 16 * 64 = 32768 flops in 2.7 ns), so 20480 / 438.16e9 s + 15 us
  //          = 15.0467 us
  //   unfused energy: (20480 * 112 + 2 * 32768 * 2.3 + 5 * 16 * 16 * 2.3) pJ = 2.4474368 uJ
  accel_result r{};                  // nothing moved, no time, no energy: every ratio is "-"
  report_in in = {&hw, &w, &r, nullptr};
  EXPECT_EQ(row(0, &in), "0,wl,8,0.5,0,0,0,0,0.000000,0,0,0,0,20480,16384,-,-,-,-\n");
  // the same figures with a denominator: the plain quotient, 6 significant digits
  // (20480 / 1000, 16384 / 1000, 15.0467 us / 2 s, 2.4474368 uJ / 4 J)
  r.c.dram_rd_bytes = 1000; r.seconds = 2.0; r.c.energy_total_pj = 4e12;   // 4 J
  EXPECT_EQ(row(0, &in), "0,wl,8,0.5,0,2,1000,0,4000000000000.000000,0,0,0,0,20480,16384,"
                         "20.48,16.384,7.52337e-06,6.11859e-07\n");
}

TEST_F(ReportSweep, APointFileIsCheckedLineByLine) {
  hw_cfg hw{};
  report_workload w{};
  w.name = "wl";
  accel_result r{};
  report_in in = {&hw, &w, &r, nullptr};
  std::string p1 = path("p1.csv");
  sim_err e{};
  ASSERT_EQ(report_sweep_point_write(p1.c_str(), s, 1, 0xabcULL, &in, &e), SIM_OK);
  char why[256];
  EXPECT_EQ(report_sweep_point_check(p1.c_str(), s, 1, 0xabcULL, why, sizeof why), REPORT_POINT_OK);
  EXPECT_EQ(report_sweep_point_check(p1.c_str(), s, 1, 0xabdULL, why, sizeof why), REPORT_POINT_STALE);
  EXPECT_STREQ(why, "its inputs changed since it was computed (inputs hash 0000000000000abc, now 0000000000000abd)");
  EXPECT_EQ(report_sweep_point_check(p1.c_str(), s, 0, 0xabcULL, why, sizeof why), REPORT_POINT_BAD);
  EXPECT_STREQ(why, "line 1 is not \"# spatten-sweep point 0 inputs 0000000000000abc\"");
  EXPECT_EQ(report_sweep_point_check(path("none.csv").c_str(), s, 1, 0xabcULL, why, sizeof why),
            REPORT_POINT_MISSING);
  put("p2.csv", "# spatten-sweep point 1 inputs 0000000000000abc\n"
                "point,workload,hw.k,wl.v,cycles,seconds,dram_read_bytes,dram_write_bytes,"
                "energy_pj,lsb_refetch_rows,rows,qk_busy_cycles,topk_busy_cycles,gpu_unfused_dram_bytes,gpu_fused_dram_bytes,"
                "dram_reduction_unfused,dram_reduction_fused,speedup_unfused,energy_saving_unfused\n"
                "1,wl,8,0.5,0,0,0,0,0,0,0,0,0,-,-,-,-,-,-\n");     // point 1 holds k = 16, not 8
  EXPECT_EQ(report_sweep_point_check(path("p2.csv").c_str(), s, 1, 0xabcULL, why, sizeof why),
            REPORT_POINT_STALE);
  EXPECT_STREQ(why, "its varied cells are not point 1's values");
}
