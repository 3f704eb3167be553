// 310_dram_timing: single-request latencies and pairwise timing rules on hbm2.json, each
// expected value computed by hand from the spec's timing table (docs/dram.md, "Timing rules").
// hbm2: tRCD 14, CL 14, CWL 4, BL/2 2, tRP 14, tRAS 34, tRTP_L 6, tWTR_S 6, tWTR_L 8,
// tRRD_S 4, tRRD_L 6, tFAW 30, tRFC 260, tREFI 3900; controller front-end latency F = 1.
#include "300_dram_harness.h"

namespace {
const char *kHbm = "configs/dram/hbm2.json";
constexpr uint64_t F = 1, tRCD = 14, CL = 14, CWL = 4, BL2 = 2, tRP = 14, tRAS = 34;
constexpr uint64_t tWTR_S = 6, tWTR_L = 8, tRRD_S = 4, tRRD_L = 6, tFAW = 30, tRFC = 260,
                   tREFI = 3900;
}  // namespace

TEST(DramTiming, ReadToAClosedBankTakesFrontendPlusTrcdPlusClPlusHalfBurst) {
  DramH h(kHbm);
  h.send(h.addr(0, 0, 0, 5), false, 1);
  EXPECT_EQ(h.run_until(1), F + tRCD + CL + BL2);  // 31
  EXPECT_EQ(h.stat("dram.row_misses"), 1u);
  EXPECT_EQ(h.stat("dram.cmd_act"), 1u);
  EXPECT_EQ(h.stat("dram.read_latency_max"), F + tRCD + CL + BL2);
}

TEST(DramTiming, RowHitTakesFrontendPlusClPlusHalfBurst) {
  DramH h(kHbm);
  h.send(h.addr(0, 0, 0, 5, 0), false, 1);
  uint64_t t1 = h.run_until(1);
  h.send(h.addr(0, 0, 0, 5, 3), false, 2);  // same row, another column
  EXPECT_EQ(h.run_until(2) - t1, F + CL + BL2);  // 17
  EXPECT_EQ(h.stat("dram.row_hits"), 1u);
}

TEST(DramTiming, RowConflictAddsTrpAndWaitsForTras) {
  DramH h(kHbm);
  h.send(h.addr(0, 0, 0, 5), false, 1);  // ACT at cycle 1, done at 31
  uint64_t t1 = h.run_until(1);
  ASSERT_EQ(t1, 31u);
  h.send(h.addr(0, 0, 0, 6), false, 2);  // same bank, other row, sent at 31
  // PRE may not issue before ACT + tRAS = 1 + 34 = 35 (it is visible at 32, tRTP long met)
  uint64_t pre = 1 + tRAS;
  EXPECT_EQ(h.run_until(2), pre + tRP + tRCD + CL + BL2);  // 79
  EXPECT_EQ(h.stat("dram.row_conflicts"), 1u);
  // once tRAS has passed, a conflict costs F + tRP + tRCD + CL + BL/2
  h.tick_to(200);
  h.send(h.addr(0, 0, 0, 7), false, 3);
  EXPECT_EQ(h.run_until(3) - 200, F + tRP + tRCD + CL + BL2);  // 45
}

TEST(DramTiming, ReadAfterWriteRespectsTwtrLongAndShort) {
  DramH h(kHbm);
  // open row 0 in bank group 0 and bank group 1: ACTs at 1 and 1 + tRRD_S
  h.send(h.addr(0, 0, 0, 0), false, 1);
  h.send(h.addr(0, 1, 0, 0), false, 2);
  h.run_until(2);
  h.tick_to(100);
  h.send(h.addr(0, 0, 0, 0, 1), true, 3);  // write hit in bg0: WR at 101
  h.tick_to(102);
  h.send(h.addr(0, 0, 0, 0, 2), false, 4);  // read, same bank group
  h.send(h.addr(0, 1, 0, 0, 2), false, 5);  // read, other bank group
  uint64_t wr = 101;
  // other bank group: RD >= WR + CWL + BL/2 + tWTR_S = 113; done + CL + BL/2
  EXPECT_EQ(h.run_until(5), wr + CWL + BL2 + tWTR_S + CL + BL2);  // 129
  // same bank group: RD >= WR + CWL + BL/2 + tWTR_L = 115
  EXPECT_EQ(h.run_until(4), wr + CWL + BL2 + tWTR_L + CL + BL2);  // 131
  // the write completes when its data is in: WR + CWL + BL/2
  bool found = false;
  for (auto &p : h.done) if (p.first == 3) { EXPECT_EQ(p.second, wr + CWL + BL2); found = true; }
  EXPECT_TRUE(found);
}

TEST(DramTiming, FifthActivateWaitsForTheFourActivateWindow) {
  DramH h(kHbm);
  // five reads to five banks, rotating bank groups so tRRD_S (not tRRD_L) spaces them
  h.send(h.addr(0, 0, 0, 1), false, 1);
  h.send(h.addr(0, 1, 0, 1), false, 2);
  h.send(h.addr(0, 2, 0, 1), false, 3);
  h.send(h.addr(0, 3, 0, 1), false, 4);
  h.send(h.addr(0, 0, 1, 1), false, 5);
  // ACTs at 1, 5, 9, 13; the fifth at max(13 + tRRD_S, 1 + tRRD_L, 1 + tFAW) = 31
  uint64_t lat = tRCD + CL + BL2;
  EXPECT_EQ(h.run_until(4), 1 + 3 * tRRD_S + lat);  // 43
  EXPECT_EQ(h.run_until(5), 1 + tFAW + lat);        // 61
}

TEST(DramTiming, ActivatesInOneBankGroupAreTrrdLongApart) {
  DramH h(kHbm);
  h.send(h.addr(0, 2, 0, 1), false, 1);
  h.send(h.addr(0, 2, 3, 1), false, 2);
  uint64_t lat = tRCD + CL + BL2;
  EXPECT_EQ(h.run_until(1), 1 + lat);
  EXPECT_EQ(h.run_until(2), 1 + tRRD_L + lat);
}

TEST(DramTiming, RefreshTakesTrfcEveryTrefi) {
  DramH h(kHbm);
  // idle: one REF per tREFI per channel, at exactly k * tREFI (all banks are closed)
  h.tick_to(10 * tREFI + 1);
  EXPECT_EQ(h.stat("dram.cmd_ref"), 10u * 8);
  EXPECT_EQ(h.stat("dram.refresh_cycles"), 10u * 8 * tRFC);
  // a read arriving at the 11th REF waits tRFC before its ACT
  h.tick_to(11 * tREFI);
  h.send(h.addr(0, 0, 0, 9), false, 1);
  EXPECT_EQ(h.run_until(1) - 11 * tREFI, tRFC + tRCD + CL + BL2);  // 290
}

TEST(DramTiming, RefreshClosesOpenRowsFirst) {
  DramH h(kHbm);
  h.send(h.addr(0, 0, 0, 1), false, 1);  // leaves row 1 open in channel 0
  h.run_until(1);
  h.tick_to(tREFI + tRP + 1);
  EXPECT_EQ(h.stat("dram.cmd_pre"), 1u);
  EXPECT_EQ(h.stat("dram.cmd_ref"), 8u);
  // the same row is now closed: a read to it is a miss
  h.tick_to(tREFI + 400);
  h.send(h.addr(0, 0, 0, 1), false, 2);
  EXPECT_EQ(h.run_until(2) - (tREFI + 400), F + tRCD + CL + BL2);
  EXPECT_EQ(h.stat("dram.row_misses"), 2u);
}

TEST(DramTiming, ClosedPagePolicyPrechargesAfterTheLastQueuedHit) {
  DramH h(kHbm, [](dram_cfg *c) { c->ctrl.page_policy = DRAM_CLOSED_PAGE; });
  h.send(h.addr(0, 0, 0, 5, 0), false, 1);
  h.send(h.addr(0, 0, 0, 5, 1), false, 2);  // hit queued: the first read keeps the row open
  h.run_until(2);
  EXPECT_EQ(h.stat("dram.cmd_pre"), 1u);    // auto-precharge after the second only
  EXPECT_EQ(h.stat("dram.row_hits"), 1u);
  h.tick_to(200);
  h.send(h.addr(0, 0, 0, 5, 2), false, 3);  // same row again: closed, so a miss
  EXPECT_EQ(h.run_until(3) - 200, F + tRCD + CL + BL2);
  EXPECT_EQ(h.stat("dram.row_misses"), 2u);
}

TEST(DramTiming, WriteDrainWatermarksDecideWhetherReadsOrWritesGoFirst) {
  // default watermarks (24/8): one read and three older writes -> the read goes first
  {
    DramH h(kHbm);
    for (uint64_t i = 0; i < 3; i++) h.send(h.addr(0, 0, 0, 0, i), true, 10 + i);
    h.send(h.addr(0, 0, 0, 0, 3), false, 1);
    h.run_until(12);
    ASSERT_EQ(h.done.size(), 4u);
    EXPECT_EQ(h.done[0].first, 1u);
  }
  // high 3 / low 1: drain writes until one is left, then the read, then the last write
  {
    DramH h(kHbm, [](dram_cfg *c) { c->ctrl.write_high = 3; c->ctrl.write_low = 1; });
    for (uint64_t i = 0; i < 3; i++) h.send(h.addr(0, 0, 0, 0, i), true, 10 + i);
    h.send(h.addr(0, 0, 0, 0, 3), false, 1);
    h.run_until(12);
    ASSERT_EQ(h.done.size(), 4u);
    std::vector<uint64_t> order;
    for (auto &p : h.done) order.push_back(p.first);
    EXPECT_EQ(order, (std::vector<uint64_t>{10, 11, 1, 12}));
    // WR at 15 and 17 (tCCD_L 2), RD at 17 + CWL + BL/2 + tWTR_L = 31, done 31 + CL + BL/2
    EXPECT_EQ(h.run_until(1), 17 + CWL + BL2 + tWTR_L + CL + BL2);
    EXPECT_EQ(h.stat("dram.write_drains"), 2u);
  }
}

TEST(DramTiming, FullQueueRefusesAndTheRefusalIsTheCallersBackPressure) {
  DramH h(kHbm);
  uint32_t n = h.cfg.ctrl.read_queue;
  for (uint32_t i = 0; i < n; i++) h.send(h.addr(3, 0, 0, i), false, i);
  EXPECT_FALSE(dram_can_accept(h.d, h.addr(3, 1, 0, 0), false));
  EXPECT_TRUE(dram_can_accept(h.d, h.addr(3, 1, 0, 0), true));   // write queue is separate
  EXPECT_TRUE(dram_can_accept(h.d, h.addr(2, 1, 0, 0), false));  // other channel
  EXPECT_FALSE(dram_can_accept(h.d, h.cfg.capacity_bytes, false));  // beyond capacity
  h.run_until(n - 1, 1000000);
  EXPECT_TRUE(dram_idle(h.d));
}

TEST(DramTiming, ReadsToTwoRanksAreABurstPlusTrtrsApartOnASingleCommandBus) {
  // ddr4-2400 with two ranks: CL 16, tRCD 16, BL/2 4, tRTRS 2, one command per clock.
  DramH h(std::string(R"({"include": "configs/dram/ddr4-2400.json", "org": {"ranks": 2}})"), "r2.json");
  uint64_t r1 = uint64_t(1) << h.cfg.map_shift[DRAM_F_RA];
  h.send(h.addr(0, 0, 0, 3), false, 1);
  h.send(h.addr(0, 0, 0, 3) | r1, false, 2);
  // ACT rank 0 at 1, ACT rank 1 at 2 (the bus is single), RD rank 0 at 1 + 16 = 17,
  // RD rank 1 at max(2 + 16, 17 + BL/2 + tRTRS) = 23
  EXPECT_EQ(h.run_until(1), 17u + 16 + 4);
  EXPECT_EQ(h.run_until(2), 23u + 16 + 4);
}

TEST(DramTiming, PrechargeWaitsForReadToPrechargeAndWriteRecovery) {
  // RD -> PRE: tRTP_L = 6. ACT at 1, RD at 15; a hit sent at 30 reads at 31; a conflict sent
  // at 31 may precharge at max(1 + tRAS, 31 + tRTP_L) = 37, then ACT 51, RD 65, done 81.
  {
    DramH h(kHbm);
    h.send(h.addr(0, 0, 0, 5, 0), false, 1);
    h.tick_to(30);
    h.send(h.addr(0, 0, 0, 5, 1), false, 2);
    h.tick();
    h.send(h.addr(0, 0, 0, 6, 0), false, 3);
    EXPECT_EQ(h.run_until(2), 31 + CL + BL2);
    EXPECT_EQ(h.run_until(3), 37 + tRP + tRCD + CL + BL2);  // 81
  }
  // WR -> PRE: CWL + BL/2 + tWR = 22. ACT at 1, WR at 15; a read to another row may
  // precharge at max(1 + tRAS, 15 + 22) = 37.
  {
    DramH h(kHbm);
    h.send(h.addr(0, 0, 0, 5, 0), true, 1);
    h.tick_to(16);
    h.send(h.addr(0, 0, 0, 6, 0), false, 2);
    EXPECT_EQ(h.run_until(2), 15 + CWL + BL2 + 16 + tRP + tRCD + CL + BL2);  // 81
  }
}
