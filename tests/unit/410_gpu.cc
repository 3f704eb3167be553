// 410_gpu: the ANALYTICAL GPU baseline against the formulas of spec gpu-baseline.md, evaluated
// by hand on small shapes (docs/gpu-baseline.md).
#include <gtest/gtest.h>
#include <map>
#include <string>
extern "C" {
#include "cost/gpu.h"
}

namespace {
// fp32 (b = 4), 1 GB/s at efficiency 1, no launch overhead unless overridden: times are
// bytes / 1e9. `over` holds "key": value pairs that replace or add to the defaults.
gpu_cfg make(std::map<std::string, std::string> over = {}, const char *smem = "96") {
  std::map<std::string, std::string> f = {
    {"name", "\"test\""}, {"dram_gb", "1"}, {"peak_bw_gbps", "1"}, {"peak_fp32_tflops", "1000"},
    {"peak_fp16_tflops", "2000"}, {"l2_mb", "1"}, {"smem_per_sm_kb", smem},
    {"precision", "\"fp32\""}, {"bw_efficiency", "1.0"}, {"launch_overhead_us", "0"},
    {"e_dram_pj_per_byte", "10"}, {"e_flop_fp32_pj", "2"}, {"e_flop_fp16_pj", "1"},
    {"tdp_w", "100"}};
  for (auto &kv : over) f[kv.first] = kv.second;
  std::string j = "{";
  for (auto &kv : f) j += (j.size() > 1 ? ", \"" : "\"") + kv.first + "\": " + kv.second;
  j += "}";
  gpu_cfg g{};
  sim_err e{};
  EXPECT_EQ(gpu_cfg_load_string(j.c_str(), "g.json", &g, &e), SIM_OK) << e.msg;
  return g;
}
}  // namespace

TEST(Gpu, UnfusedBytesPerLayerAre4NDbPlus4HN2b) {
  gpu_cfg g = make();
  ASSERT_EQ(g.elem_bytes, 4u);
  // N = 4, H = 2, d = 2 (D = 4), b = 4: 4*4*4*4 + 4*2*16*4 = 256 + 512 = 768 bytes
  EXPECT_DOUBLE_EQ(gpu_unfused_layer_bytes(&g, 4, 2, 2), 768.0);
  gpu_work w = {1, 1, 2, 2, 4, 0};
  gpu_result r;
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &r), SIM_OK);
  EXPECT_STREQ(r.kernel, "unfused");
  EXPECT_DOUBLE_EQ(r.dram_bytes, 768.0);
  EXPECT_DOUBLE_EQ(r.launches, 3.0);
  // batch 3, 2 layers: 6 x
  w = {3, 2, 2, 2, 4, 0};
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &r), SIM_OK);
  EXPECT_DOUBLE_EQ(r.dram_bytes, 6 * 768.0);
  EXPECT_DOUBLE_EQ(r.launches, 6.0);     // launches per layer, not per batch item
  // the mask read adds N^2 b per layer: 16 * 4
  gpu_cfg gm = make({{"mask_read", "true"}});
  EXPECT_DOUBLE_EQ(gpu_unfused_layer_bytes(&gm, 4, 2, 2), 768.0 + 64.0);
}

TEST(Gpu, FlopsAre4N2DPlus5HN2PerLayer) {
  gpu_cfg g = make();
  gpu_work w = {1, 1, 2, 2, 4, 0};
  gpu_result u, f;
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &u), SIM_OK);
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_FUSED, &f), SIM_OK);
  EXPECT_DOUBLE_EQ(u.flops, 4.0 * 16 * 4 + 5.0 * 2 * 16);  // 256 + 160
  EXPECT_DOUBLE_EQ(f.flops, u.flops);                     // same arithmetic, fewer bytes
}

TEST(Gpu, FusedBlockRowsFollowTheFlashAttentionRule) {
  // Br = min(ceil(M / (4 d b)), d)
  gpu_cfg g = make();                       // M = 96 KB, b = 4
  EXPECT_EQ(gpu_fused_br(&g, 64), 64u);     // ceil(98304 / 1024) = 96 -> min(96, 64)
  gpu_cfg s = make({}, "1");                // M = 1 KB
  EXPECT_EQ(gpu_fused_br(&s, 64), 1u);      // ceil(1024 / 1024) = 1
  EXPECT_EQ(gpu_fused_br(&s, 16), 4u);      // ceil(1024 / 256) = 4 -> min(4, 16)
  EXPECT_EQ(gpu_fused_br(&s, 60), 2u);      // ceil(1024 / 960) = 2
}

TEST(Gpu, FusedBytesReReadKAndVOncePerQueryBlock) {
  gpu_cfg s = make({}, "1");                // M = 1 KB: Br = 4 for d = 16
  // N = 10, H = 2, d = 16 (D = 32), b = 4, Br = 4: ceil(10/4) = 3 blocks
  // N*D*b*(2 + 2*3) = 10*32*4*8 = 10240
  EXPECT_DOUBLE_EQ(gpu_fused_layer_bytes(&s, 10, 2, 16), 10240.0);
  gpu_work w = {2, 3, 2, 16, 10, 0};
  gpu_result r;
  ASSERT_EQ(gpu_estimate(&s, &w, GPU_FUSED, &r), SIM_OK);
  EXPECT_EQ(r.br, 4u);
  EXPECT_DOUBLE_EQ(r.dram_bytes, 6 * 10240.0);
  EXPECT_DOUBLE_EQ(r.launches, 3.0);         // one kernel per layer
}

TEST(Gpu, FusedBytesNeverGoBelowTheLowerBound4NDb) {
  gpu_cfg g = make();
  for (uint32_t n : {1u, 7u, 64u, 65u, 384u, 1024u}) {
    double lb = 4.0 * n * 12 * 64 * 4;
    double f = gpu_fused_layer_bytes(&g, n, 12, 64);
    EXPECT_GE(f, lb) << n;
    if (n <= gpu_fused_br(&g, 64)) EXPECT_DOUBLE_EQ(f, lb) << n;  // one block: K, V read once
    else EXPECT_GT(f, lb) << n;
    EXPECT_LT(f, gpu_unfused_layer_bytes(&g, n, 12, 64)) << n;
  }
}

TEST(Gpu, GenerationSumsKvReadsOverTheGrowingContext) {
  gpu_cfg g = make();
  // N = 10, T = 3, L = 1, H = 2, d = 2 (D = 4), b = 4. Step t: n = 10 + t.
  // fused per step: 2 n D b + 4 D b = 32 n + 64  -> 416 + 448 + 480 = 1344
  // unfused adds 4 H n b = 32 n                  -> + 352 + 384 + 416 = 2496
  for (uint32_t t = 1; t <= 3; t++)
    EXPECT_DOUBLE_EQ(gpu_gen_step_layer_bytes(&g, 10 + t, 2, 2, GPU_FUSED), 32.0 * (10 + t) + 64);
  gpu_work w = {1, 1, 2, 2, 10, 3};
  gpu_result f, u;
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_FUSED, &f), SIM_OK);
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &u), SIM_OK);
  EXPECT_DOUBLE_EQ(f.gen_bytes, 1344.0);
  EXPECT_DOUBLE_EQ(u.gen_bytes, 2496.0);
  EXPECT_DOUBLE_EQ(u.sum_bytes, gpu_unfused_layer_bytes(&g, 10, 2, 2));
  EXPECT_DOUBLE_EQ(u.dram_bytes, u.sum_bytes + u.gen_bytes);
  EXPECT_DOUBLE_EQ(f.launches, 1.0 + 3.0);
  EXPECT_DOUBLE_EQ(u.launches, 3.0 + 9.0);
  // generation flops: 4 n D + 5 H n per step
  EXPECT_DOUBLE_EQ(f.flops - (4.0 * 100 * 4 + 5.0 * 2 * 100),
                   (4.0 * 4 + 5.0 * 2) * (11 + 12 + 13));
}

TEST(Gpu, RooflineTimeIsTheSlowerOfMemoryAndComputePlusLaunches) {
  // memory bound: 1 GB/s, efficiency 0.5 -> bytes / 0.5e9; 5 us per launch
  gpu_cfg g = make({{"bw_efficiency", "0.5"}, {"launch_overhead_us", "5"}});
  gpu_work w = {1, 1, 2, 2, 4, 0};
  gpu_result r;
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &r), SIM_OK);
  EXPECT_NEAR(r.seconds, 768.0 / 0.5e9 + 3 * 5e-6, 1e-18);
  // compute bound: 1000 GB/s, 0.001 TFLOPS (1 GFLOPS): fused = (256 + 160) flops / 1e9
  // (memory: 384 bytes / 1e12 B/s is far shorter)
  gpu_cfg c = make({{"peak_bw_gbps", "1000"}, {"peak_fp32_tflops", "0.001"}});
  ASSERT_EQ(gpu_estimate(&c, &w, GPU_FUSED, &r), SIM_OK);
  EXPECT_NEAR(r.seconds, 416.0 / 1e9, 1e-20);
  EXPECT_DOUBLE_EQ(r.energy_tdp_j, 100.0 * r.seconds);
}

TEST(Gpu, EnergyIsBytesTimesDramCostPlusFlopsTimesFlopCost) {
  gpu_cfg g = make();
  gpu_work w = {1, 1, 2, 2, 4, 0};
  gpu_result r;
  ASSERT_EQ(gpu_estimate(&g, &w, GPU_UNFUSED, &r), SIM_OK);
  EXPECT_NEAR(r.energy_j, (768.0 * 10 + 416.0 * 2) * 1e-12, 1e-24);
  // fp16: GEMM flops at e_flop_fp16, softmax at fp32; b = 2
  gpu_cfg h = make({{"precision", "\"fp16\""}});
  ASSERT_EQ(h.elem_bytes, 2u);
  ASSERT_EQ(gpu_estimate(&h, &w, GPU_UNFUSED, &r), SIM_OK);
  EXPECT_DOUBLE_EQ(r.dram_bytes, 384.0);
  EXPECT_NEAR(r.energy_j, (384.0 * 10 + 256.0 * 1 + 160.0 * 2) * 1e-12, 1e-24);
}

TEST(Gpu, ShippedConfigsLoadWithTheirDatasheetFigures) {
  struct { const char *path; double bw, fp32; uint32_t b; } k[] = {
    {"configs/gpu/titan-xp.json", 547.7, 12.1, 4}, {"configs/gpu/v100.json", 900, 15.7, 2},
    {"configs/gpu/a100.json", 2039, 19.5, 2}, {"configs/gpu/h100.json", 3350, 67, 2}};
  for (auto &x : k) {
    gpu_cfg g{};
    sim_err e{};
    ASSERT_EQ(gpu_cfg_load(x.path, &g, &e), SIM_OK) << e.msg;
    EXPECT_DOUBLE_EQ(g.peak_bw_gbps, x.bw) << x.path;
    EXPECT_DOUBLE_EQ(g.peak_fp32_tflops, x.fp32) << x.path;
    EXPECT_EQ(g.elem_bytes, x.b) << x.path;
  }
}

TEST(Gpu, BadConfigsAndWorkAreRejected) {
  gpu_cfg g{};
  sim_err e{};
  const char *j = R"({"name": "x", "dram_gb": 1, "peak_bw_gbps": 1, "peak_fp32_tflops": 1,
      "peak_fp16_tflops": 0, "l2_mb": 1, "smem_per_sm_kb": 96, "precision": "fp16",
      "e_dram_pj_per_byte": 1, "e_flop_fp32_pj": 1, "e_flop_fp16_pj": 1, "tdp_w": 1})";
  EXPECT_EQ(gpu_cfg_load_string(j, "g.json", &g, &e), SIM_EINVAL);
  EXPECT_STREQ(e.msg, "g.json: field 'precision' = \"fp16\" needs 'peak_fp16_tflops' > 0 (this GPU has none)");
  gpu_cfg ok = make();
  gpu_work w = {1, 0, 2, 2, 4, 0};
  gpu_result r;
  EXPECT_EQ(gpu_estimate_err(&ok, &w, GPU_FUSED, &r, &e), SIM_EINVAL);
  w = {1, 1, 2, 2, 4, 0};
  EXPECT_EQ(gpu_estimate_err(&ok, &w, GPU_BOTH, &r, &e), SIM_EINVAL);
  gpu_cfg unloaded{};
  EXPECT_EQ(gpu_estimate_err(&unloaded, &w, GPU_FUSED, &r, &e), SIM_EINVAL);
}
