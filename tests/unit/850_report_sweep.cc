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
  accel_result r{};                  // nothing moved, no time, no energy: every ratio is "-"
  report_in in = {&hw, &w, &r, nullptr};
  gpu_result gu, gf;
  ASSERT_TRUE(report_gpu(&in, GPU_UNFUSED, &gu));
  ASSERT_TRUE(report_gpu(&in, GPU_FUSED, &gf));
  char want[256];
  snprintf(want, sizeof want, "0,wl,8,0.5,0,0,0,0,0.000000,0,0,0,0,%.0f,%.0f,-,-,-,-\n",
           gu.dram_bytes, gf.dram_bytes);
  EXPECT_EQ(row(0, &in), want);
  // the same figures with a denominator: the plain quotient, 6 significant digits
  r.c.dram_rd_bytes = 1000; r.seconds = 2.0; r.c.energy_total_pj = 4e12;   // 4 J
  snprintf(want, sizeof want, "0,wl,8,0.5,0,2,1000,0,4000000000000.000000,0,0,0,0,%.0f,%.0f,%.6g,%.6g,%.6g,%.6g\n",
           gu.dram_bytes, gf.dram_bytes, gu.dram_bytes / 1000, gf.dram_bytes / 1000,
           gu.seconds / 2.0, gu.energy_j / 4.0);
  EXPECT_EQ(row(0, &in), want);
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
