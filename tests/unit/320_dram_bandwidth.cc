// 320_dram_bandwidth: achieved bandwidth of streaming and random traffic against bounds derived
// by hand from the timing table (docs/dram.md, "Validation").
#include "300_dram_harness.h"

namespace {
struct BwRun {
  uint64_t cycles, reqs, acts, refs;
  double util0;  // channel 0 data-bus utilisation
  double pct;
};
BwRun replay_gen(DramH &h, int kind, uint64_t n, uint64_t mask = 0) {
  dram_gen g;
  dram_gen_init(&g, &h.cfg, kind, n, 7, 0, 100);
  g.addr_mask = mask;
  dram_replay_stats rs{};
  sim_err e{};
  EXPECT_EQ(dram_replay(h.d, nullptr, &g, true, &rs, &e), SIM_OK);
  dram_update_stats(h.d);
  BwRun r{};
  r.cycles = h.stat("dram.cycles");
  r.reqs = h.stat("dram.reads");
  r.acts = h.stat("dram.cmd_act");
  r.refs = h.stat("dram.cmd_ref");
  double v;
  EXPECT_TRUE(stats_get(h.st, h.cfg.org.pseudo_channels > 1 ? "dram.ch0.pc0.utilisation" : "dram.ch0.utilisation", &v));
  r.util0 = v;
  EXPECT_TRUE(stats_get(h.st, "dram.bandwidth_pct", &v));
  r.pct = v;
  return r;
}
}  // namespace

TEST(DramBandwidth, SequentialReadsOnAllChannelsReachNinetyPercentOfPeak) {
  for (const char *path : {"configs/dram/hbm2.json", "configs/dram/hbm2-spatten.json",
                           "configs/dram/ddr4-2400.json"}) {
    DramH h(path);
    BwRun r = replay_gen(h, DRAM_GEN_SEQ, 200000);
    EXPECT_EQ(r.reqs, 200000u) << path;
    EXPECT_GE(r.pct, 90.0) << path;
    // refresh steals tRFC of every tREFI: a channel's bus carries at most
    // cycles - refreshes x tRFC data cycles (hbm2: <= 93.3 %)
    uint64_t refs_per_ctrl = r.refs / h.cfg.nctrl;
    EXPECT_GE(refs_per_ctrl, r.cycles / h.cfg.t.tREFI - 1) << path;
    double cap = 1.0 - double(refs_per_ctrl * h.cfg.t.tRFC) / double(r.cycles);
    EXPECT_LE(r.util0, cap) << path;
    EXPECT_LE(r.pct, 100.0 * cap + 1e-9) << path;
  }
}

TEST(DramBandwidth, RandomReadsLandAtTheActivateRateBound) {
  // Random rows on one hbm2 channel: almost every read needs PRE + ACT. Per channel:
  //   ACT rate <= min(4 / tFAW, 1 / tRRD_S, banks / tRC) = min(4/30, 1/4, 16/48) = 0.1333 /clk
  //   data bus <= 1 / (BL/2) = 0.5 requests /clk
  // so utilisation <= 0.1333 x 2 = 0.2667, and refresh removes tRFC / tREFI = 6.67 % of
  // the time: expected about 0.2667 x (1 - 0.0667) = 0.249.
  DramH h("configs/dram/hbm2.json");
  uint64_t mask = ~(uint64_t(7) << h.cfg.map_shift[DRAM_F_CH]);  // channel 0 only
  BwRun r = replay_gen(h, DRAM_GEN_RANDOM, 20000, mask);
  double act_bound = 4.0 / 30.0;
  double util_bound = act_bound * 2;
  double expect = util_bound * (1.0 - 260.0 / 3900.0);
  EXPECT_GE(r.acts, r.reqs * 95 / 100);               // nearly all are misses or conflicts
  EXPECT_LE(r.util0, util_bound + 0.002);             // never beyond the tFAW bound
  EXPECT_GE(r.util0, 0.95 * expect);                  // and the scheduler gets close to it
  // the tFAW window itself: never more than 4 ACTs per 30 clocks on average
  EXPECT_LE(double(r.acts) / double(r.cycles), act_bound + 1e-3);
}

TEST(DramBandwidth, SequentialReadsOnOneChannelReachNinetyPercentOfItsPeak) {
  DramH h("configs/dram/hbm2.json");
  // consecutive request addresses with the channel bits held at 0: one channel's sequential stream
  uint32_t sh = h.cfg.map_shift[DRAM_F_CH], nb = h.cfg.map_bits[DRAM_F_CH];
  dram_stream s{};
  s.n = 60000;
  s.r = static_cast<dram_req *>(malloc(s.n * sizeof *s.r));
  for (size_t i = 0; i < s.n; i++) {
    uint64_t a = i * h.cfg.request_bytes;
    uint64_t low = a & ((uint64_t(1) << sh) - 1);
    s.r[i] = {0, ((a >> sh) << (sh + nb)) | low, false};
  }
  dram_replay_stats rs{};
  sim_err e{};
  ASSERT_EQ(dram_replay(h.d, &s, nullptr, true, &rs, &e), SIM_OK);
  dram_update_stats(h.d);
  double u;
  ASSERT_TRUE(stats_get(h.st, "dram.ch0.utilisation", &u));
  EXPECT_GE(u, 0.90);
  EXPECT_EQ(h.stat("dram.ch0.reads"), 60000u);
  EXPECT_EQ(h.stat("dram.ch1.reads"), 0u);
  // bounded by refresh: utilisation <= 1 - REFs x tRFC / cycles (channel 0's own REFs)
  uint64_t refs = h.stat("dram.cmd_ref") / 8;
  EXPECT_LE(u, 1.0 - double(refs * 260) / double(h.stat("dram.cycles")));
  dram_stream_free(&s);
}
