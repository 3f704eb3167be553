// 400_energy: per-event energy costs (configs/energy).
// Expected values are hand calculations from the Horowitz ISSCC 2014 table (docs/energy.md).
#include <gtest/gtest.h>
#include <cmath>
#include <string>
extern "C" {
#include "cost/energy.h"
}

namespace {
const double kScale40 = 0.888889;  // node_scale in configs/energy/spatten-40nm.json

energy_cfg load_default() {
  energy_cfg c{};
  sim_err e{};
  EXPECT_EQ(energy_cfg_load("configs/energy/spatten-40nm.json", &c, &e), SIM_OK) << e.msg;
  return c;
}

// A minimal valid config; `extra` is spliced in before the closing brace.
std::string cfg_json(const std::string &top, const std::string &ref_extra = "",
                     const std::string &scale = "1.0") {
  return R"({"name": "t", "node_nm": 45, "ref_node_nm": 45, "vdd": 0.9, "ref_vdd": 0.9,
    )" + (scale.empty() ? std::string() : "\"node_scale\": " + scale + ", ") + R"("exp_fmul_ops": 9, "exp_fadd_ops": 9, "div_fmul_ops": 7, "div_fadd_ops": 3,
    "sram_wr_over_rd": 1.0,
    "leak": {"qk_mw": 1, "softmax_mw": 1, "topk_mw": 1, "pv_mw": 1, "fetch_mw": 1, "ctrl_mw": 1,
             "sram_mw_per_kb": 0.1},
    "ref": {"int8_add_pj": 0.03, "int32_add_pj": 0.1, "int8_mul_pj": 0.2, "int32_mul_pj": 3.1,
            "fp16_add_pj": 0.4, "fp16_mul_pj": 1.1, "fp32_add_pj": 0.9, "fp32_mul_pj": 3.7,
            "sram_8kb_rd64_pj": 10, "sram_32kb_rd64_pj": 20, "sram_1mb_rd64_pj": 100)" +
         ref_extra + "}" + top + "}";
}
}  // namespace

TEST(Energy, DefaultTableScalesHorowitzTo40nmByTheFactorInTheJson) {
  energy_cfg c = load_default();
  EXPECT_STREQ(c.name, "spatten-40nm");
  EXPECT_DOUBLE_EQ(c.node_scale, kScale40);
  // multiply ~ width^2 from the 8-bit point: 0.2 pJ * (12*12)/(8*8) * scale
  EXPECT_NEAR(energy_mul_pj(&c, 12, 12), 0.2 * 144.0 / 64.0 * kScale40, 1e-12);
  EXPECT_NEAR(energy_mul_pj(&c, 12, 6), 0.2 * 72.0 / 64.0 * kScale40, 1e-12);
  EXPECT_NEAR(energy_mul_pj(&c, 6, 6), 0.2 * 36.0 / 64.0 * kScale40, 1e-12);
  // add ~ width from the 8-bit point: 0.03 pJ * 24/8 * scale; comparator = 32-bit subtract
  EXPECT_NEAR(c.add_acc_pj, 0.03 * 24.0 / 8.0 * kScale40, 1e-12);
  EXPECT_NEAR(c.cmp_pj, 0.03 * 32.0 / 8.0 * kScale40, 1e-12);
  // fp32 exp = 9 mul + 9 add (models/fxp.c exp1); divide = 7 mul + 3 add
  EXPECT_NEAR(c.fp32_exp_pj, (9 * 3.7 + 9 * 0.9) * kScale40, 1e-12);
  EXPECT_NEAR(c.fp32_div_pj, (7 * 3.7 + 3 * 0.9) * kScale40, 1e-12);
}

TEST(Energy, The45nmTableIsTheReferenceUnscaled) {
  energy_cfg c{};
  sim_err e{};
  ASSERT_EQ(energy_cfg_load("configs/energy/horowitz-45nm.json", &c, &e), SIM_OK) << e.msg;
  EXPECT_DOUBLE_EQ(c.fp32_mul_pj, 3.7);
  EXPECT_DOUBLE_EQ(c.ref.fp16_add_pj, 0.4);
  EXPECT_DOUBLE_EQ(energy_mul_pj(&c, 8, 8), 0.2);
  EXPECT_DOUBLE_EQ(energy_add_pj(&c, 8), 0.03);
  // the quadratic rule predicts the 32-bit multiply within 5 % (3.2 vs 3.1 pJ)
  EXPECT_NEAR(energy_mul_pj(&c, 32, 32), 3.1, 0.05 * 3.1);
}

TEST(Energy, SramCostInterpolatesGeometricallyBetweenTheReferenceSizes) {
  energy_cfg c = load_default();
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 8 * 1024, false), 10.0 / 8 * kScale40, 1e-12);
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 32 * 1024, false), 20.0 / 8 * kScale40, 1e-12);
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 1024 * 1024, false), 100.0 / 8 * kScale40, 1e-12);
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 1024, false), 10.0 / 8 * kScale40, 1e-12);   // clamped
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 4u << 20, true), 100.0 / 8 * kScale40, 1e-12);
  // 16 KB is halfway (in log size) between 8 and 32 KB: sqrt(10 * 20) pJ per 64 bits
  EXPECT_NEAR(energy_sram_pj_per_byte(&c, 16 * 1024, false), std::sqrt(200.0) / 8 * kScale40, 1e-9);
  // 192 KiB (one SpAtten K buffer, 196,608 B) lies between the 32 KB and 1 MB costs:
  // 20 * 5^(log(192/32)/log(32)) / 8 * s = 5.107 pJ (docs/energy.md)
  double kb192 = energy_sram_pj_per_byte(&c, 196608, false);
  EXPECT_GT(kb192, 20.0 / 8 * kScale40);
  EXPECT_LT(kb192, 100.0 / 8 * kScale40);
  EXPECT_NEAR(kb192, 20.0 * std::pow(5.0, std::log(6.0) / std::log(32.0)) / 8 * kScale40, 1e-9);
  EXPECT_NEAR(kb192, 5.107, 1e-3);
}

TEST(Energy, HandComputedModuleEnergyMatches) {
  energy_cfg c = load_default();
  // 1000 12x12 multiplies, 500 24-bit adds, 100 bytes read from an 8 KB buffer, 10 mW leakage
  // for 1000 cycles at 1 ns: 1000*0.4 + 500*0.08 + 100*1.11111 + 10000 pJ (scale 0.888889)
  double got = 1000 * energy_mul_pj(&c, 12, 12) + 500 * c.add_acc_pj +
               100 * energy_sram_pj_per_byte(&c, 8 * 1024, false) + energy_leak_pj(10.0, 1000, 1.0);
  double want = 1000 * 0.45 * kScale40 + 500 * 0.09 * kScale40 + 100 * 1.25 * kScale40 + 10000.0;
  EXPECT_NEAR(got, want, 1e-9);
  EXPECT_NEAR(want, 10551.1111, 1e-3);
  EXPECT_DOUBLE_EQ(energy_leak_pj(2.5, 400, 0.5), 500.0);  // mW * cycles * ns = pJ
}

TEST(Energy, ConfigErrorsAreOneLineAndNameTheField) {
  struct { std::string json, msg; } cases[] = {
    {cfg_json("", "", "0.8"),
     "t.json: field 'node_scale' = 0.8 differs from (node_nm/ref_node_nm)*(vdd/ref_vdd)^2 = 1; set 'scale_override': true to keep it"},
    {cfg_json(R"(, "bogus": 1)"), "t.json: unknown field 'bogus' in energy config"},
    {cfg_json(R"(, "acc_bits": 0)"), "t.json: field 'acc_bits' = 0 is out of range [1, 64]"},
    {cfg_json("", R"(, "int8_mul_pj": 4)"), "t.json: field 'ref.int8_mul_pj' appears twice"},
    // multiplier widths are the hardware's (hw data_bits, progressive msb bits), not the table's
    {cfg_json(R"(, "mul_msb_bits": 6)"), "t.json: unknown field 'mul_msb_bits' in energy config"},
  };
  for (auto &k : cases) {
    energy_cfg c{};
    sim_err e{};
    EXPECT_EQ(energy_cfg_load_string(k.json.c_str(), "t.json", &c, &e), SIM_EINVAL) << k.json;
    EXPECT_EQ(std::string(e.msg), k.msg);
  }
  // a non-monotonic SRAM table
  std::string bad = cfg_json("");
  bad.replace(bad.find("\"sram_1mb_rd64_pj\": 100"), 23, "\"sram_1mb_rd64_pj\": 15");
  energy_cfg c{};
  sim_err e{};
  EXPECT_EQ(energy_cfg_load_string(bad.c_str(), "t.json", &c, &e), SIM_EINVAL);
  EXPECT_NE(std::string(e.msg).find("must not decrease with SRAM size"), std::string::npos) << e.msg;
  // node_scale off the rule is accepted with scale_override
  std::string ok = cfg_json(R"(, "scale_override": true)", "", "0.8");
  EXPECT_EQ(energy_cfg_load_string(ok.c_str(), "t.json", &c, &e), SIM_OK) << e.msg;
  EXPECT_NEAR(c.mul_pj_per_bit2, 0.2 / 64 * 0.8, 1e-15);
}
