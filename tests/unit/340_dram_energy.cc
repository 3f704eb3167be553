// 340_dram_energy: energy from command counts and IDD values (docs/dram.md, "Energy"),
// per-command energies computed by hand, the breakdown sums to the total, and streaming reads
// land in the 3-7 pJ/bit range spec/dram.md gives for HBM2.
#include "300_dram_harness.h"

TEST(DramEnergy, PerCommandEnergiesMatchTheIddFormulas) {
  DramH h("configs/dram/hbm2.json");
  h.send(h.addr(0, 0, 0, 3), false, 1);
  h.send(h.addr(0, 0, 0, 3, 1), true, 2);
  h.run_until(2);
  dram_energy e;
  dram_get_energy(h.d, &e);
  // VDD 1.2 V, tCK 1 ns; tRC = tRAS + tRP = 48
  // ACT+PRE: 1.2 * (IDD0*tRC - (IDD3N*tRAS + IDD2N*tRP)) = 1.2 * (65*48 - (55*34 + 40*14)) = 828 pJ
  EXPECT_DOUBLE_EQ(e.act_pj, 828.0);
  // RD burst: 1.2 * (IDD4R - IDD3N) * BL/2 = 1.2 * 335 * 2 = 804 pJ
  EXPECT_DOUBLE_EQ(e.rd_pj, 804.0);
  // WR burst: 1.2 * (IDD4W - IDD3N) * 2 = 1068 pJ
  EXPECT_DOUBLE_EQ(e.wr_pj, 1068.0);
  EXPECT_DOUBLE_EQ(e.ref_pj, 0.0);
  // I/O: 1.9 pJ/bit * 2 x 64 B
  EXPECT_DOUBLE_EQ(e.io_pj, 1.9 * 1024);
  // background: channel 0 active (row open) from the ACT at cycle 1 to now, precharged
  // before; the other 7 channels precharged throughout: 1.2 * (IDD3N * act + IDD2N * pre)
  uint64_t now = dram_cycle(h.d);
  double bg = 1.2 * (55.0 * double(now - 1) + 40.0 * double(1 + 7 * now));
  EXPECT_NEAR(e.bg_pj, bg, 1e-6);
  EXPECT_EQ(e.total_pj, e.act_pj + e.rd_pj + e.wr_pj + e.ref_pj + e.bg_pj + e.io_pj);
}

TEST(DramEnergy, RefreshEnergyIsIdd5MinusIdd3nOverTrfc) {
  DramH h("configs/dram/hbm2.json");
  h.tick_to(3901);
  dram_energy e;
  dram_get_energy(h.d, &e);
  EXPECT_DOUBLE_EQ(e.ref_pj, 8 * 1.2 * (250.0 - 55.0) * 260);  // one REF per channel
}

TEST(DramEnergy, StreamingReadEnergyPerBitIsInThePublishedHbm2Range) {
  for (const char *p : {"configs/dram/hbm2.json", "configs/dram/hbm2-spatten.json"}) {
    DramH h(p);
    dram_gen g;
    dram_gen_init(&g, &h.cfg, DRAM_GEN_SEQ, 100000, 1, 0, 100);
    dram_replay_stats rs{};
    sim_err err{};
    ASSERT_EQ(dram_replay(h.d, nullptr, &g, true, &rs, &err), SIM_OK);
    dram_update_stats(h.d);
    dram_energy e;
    dram_get_energy(h.d, &e);
    double bits = 8.0 * double(h.stat("dram.bytes_read"));
    double pj_bit = e.total_pj / bits;
    EXPECT_GE(pj_bit, 3.0) << p;
    EXPECT_LE(pj_bit, 7.0) << p;
    EXPECT_EQ(e.total_pj, e.act_pj + e.rd_pj + e.wr_pj + e.ref_pj + e.bg_pj + e.io_pj) << p;
    double v;
    ASSERT_TRUE(stats_get(h.st, "dram.energy_total_pj", &v));
    EXPECT_EQ(v, e.total_pj);
    ASSERT_TRUE(stats_get(h.st, "dram.energy_pj_per_bit", &v));
    EXPECT_DOUBLE_EQ(v, pj_bit);
  }
}

TEST(DramEnergy, PseudoChannelsSplitTheChannelCurrents) {
  // hbm2-spatten: each pseudo-channel is charged half of its channel's IDD currents
  DramH h("configs/dram/hbm2-spatten.json");
  h.send(h.addr(0, 0, 0, 3), false, 1);
  h.run_until(1);
  dram_energy e;
  dram_get_energy(h.d, &e);
  EXPECT_DOUBLE_EQ(e.act_pj, 828.0 / 2);
  EXPECT_DOUBLE_EQ(e.rd_pj, 804.0 / 2);
  EXPECT_DOUBLE_EQ(e.io_pj, 1.9 * 256);
}
