// 370_dram_devices: the device configs beyond HBM2/DDR4 (docs/dram.md section 2) and the
// org.beats_per_clock field they need. Every expected value is computed by hand from the
// config's own timing table (docs/dram.md section 2: "lpddr5-6400.json", "ddr5-3200.json",
// "gddr6-14000.json"), not read from the program.
//
// lpddr5-6400: tCK 1.25 ns (CK 800 MHz), 8 data beats per CK (WCK:CK 4:1, 6400 Mb/s), BL16 on
// a x16 channel = 32 B per burst, a burst holds the bus B = 16 / 8 = 2 clocks;
// CL 20, CWL 11, tRCD 15, tRP 15, tRAS 34, tRRD 4, tFAW 16, tRFC 168, tREFI 3125; F = 1.
#include "300_dram_harness.h"

namespace {
const char *kLp5 = "configs/dram/lpddr5-6400.json";
constexpr uint64_t F = 1, B = 2, CL = 20, tRCD = 15, tRP = 15, tRAS = 34, tRRD = 4,
                   tFAW = 16, tRFC = 168, tREFI = 3125;

std::string load_err(const std::string &json) {
  dram_cfg c; sim_err e{};
  EXPECT_EQ(cfg_load_string(&DRAM_CFG_TABLE, json.c_str(), "t.json", &c, &e), SIM_EINVAL);
  return e.msg;
}
std::string lp5_org(const std::string &extra) {
  return "{\"include\": \"configs/dram/lpddr5-6400.json\", \"org\": {" + extra + "}}";
}
// a device's shape: data beats per clock, request and page bytes, capacity, peak GB/s
void expect_shape(const DramH &h, uint32_t bpc, uint32_t req, uint64_t page, uint64_t cap, double gbps) {
  const dram_org &o = h.cfg.org;
  EXPECT_EQ(o.beats_per_clock, bpc);
  EXPECT_EQ(dram_cfg_request_bytes(&h.cfg), req);
  EXPECT_EQ(uint64_t(o.columns) * o.bus_bits / 8, page);
  EXPECT_EQ(h.cfg.capacity_bytes, cap);
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg), gbps, 1e-9);
}
// One read each to a closed bank, its open row and another row (once tRAS has passed), and a
// conflict right after an ACT (its PRE waits for ACT + tRAS): the latencies a device's timing
// table gives, with the front end's one clock; F = 1, B = burst clocks.
struct Lat { uint64_t B, CL, tRCD, tRP, tRAS; };
void expect_single_latencies(DramH &h, const Lat &l) {
  h.send(h.addr(0, 0, 0, 5, 0), false, 1);
  uint64_t t1 = h.run_until(1);
  EXPECT_EQ(t1, 1 + l.tRCD + l.CL + l.B);                               // closed bank
  h.send(h.addr(0, 0, 0, 5, 3), false, 2);
  EXPECT_EQ(h.run_until(2) - t1, 1 + l.CL + l.B);                       // row hit
  h.tick_to(400);
  h.send(h.addr(0, 0, 0, 6, 0), false, 3);
  EXPECT_EQ(h.run_until(3) - 400, 1 + l.tRP + l.tRCD + l.CL + l.B);     // conflict
  EXPECT_EQ(h.stat("dram.row_misses"), 1u);
  EXPECT_EQ(h.stat("dram.row_hits"), 1u);
  EXPECT_EQ(h.stat("dram.row_conflicts"), 1u);
  h.tick_to(1000);
  h.send(h.addr(0, 1, 0, 5), false, 4);                                  // ACT at 1001
  h.tick_to(1002);
  h.send(h.addr(0, 1, 0, 6), false, 5);
  EXPECT_EQ(h.run_until(5), 1001 + l.tRAS + l.tRP + l.tRCD + l.CL + l.B);
}
// 20000 random reads confined to channel 0 (nch channels, a power of two): channel 0's data-bus
// utilisation (channel 1 must stay idle)
double ch0_random_utilisation(DramH &h, uint64_t nch) {
  dram_gen g;
  dram_gen_init(&g, &h.cfg, DRAM_GEN_RANDOM, 20000, 7, 0, 100);
  g.addr_mask = ~((nch - 1) << h.cfg.map_shift[DRAM_F_CH]);
  dram_replay_stats rs{};
  sim_err e{};
  EXPECT_EQ(dram_replay(h.d, nullptr, &g, true, &rs, &e), SIM_OK) << e.msg;
  dram_update_stats(h.d);
  double u = 0;
  EXPECT_TRUE(stats_get(h.st, "dram.ch0.utilisation", &u));
  EXPECT_EQ(h.stat("dram.ch1.reads"), 0u);
  return u;
}
// sequential reads generated on a config: the bandwidth in % of peak
double seq_pct(DramH &h, uint64_t n) {
  dram_gen g;
  dram_gen_init(&g, &h.cfg, DRAM_GEN_SEQ, n, 7, 0, 100);
  dram_replay_stats rs{};
  sim_err e{};
  EXPECT_EQ(dram_replay(h.d, nullptr, &g, true, &rs, &e), SIM_OK) << e.msg;
  dram_update_stats(h.d);
  double pct = 0;
  EXPECT_TRUE(stats_get(h.st, "dram.bandwidth_pct", &pct));
  EXPECT_EQ(h.stat("dram.reads"), n);
  return pct;
}
// n sequential reads reach 90 % of peak and stay under the refresh bound 1 - tRFC / tREFI
double expect_seq_under_refresh(DramH &h, uint64_t n, uint64_t trfc, uint64_t trefi) {
  double pct = seq_pct(h, n);
  EXPECT_GE(pct, 90.0);
  EXPECT_LE(pct, 100.0 * (1.0 - double(trfc) / double(trefi)));
  return pct;
}
}  // namespace

TEST(DramDevices, Lpddr5LoadsWithTheDatasheetOrganisationAndBandwidth) {
  DramH h(kLp5);
  // x16 x BL16 = 32 B per request; 2 KB page = 1024 columns x 2 B; 16 banks x 32768 rows x
  // 2 KB = 1 GiB (8 Gb) per channel, 4 channels = 4 GiB (512 Meg x 64);
  // 16 pins x 6.4 Gb/s = 12.8 GB/s per channel (the datasheet's figure): 32 B per 2 CK of
  // 1.25 ns; four channels 51.2 GB/s
  expect_shape(h, 8, 32, 2048, uint64_t(4) << 30, 4 * 16 * 6.4 / 8);
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg) / h.cfg.org.channels, 12.8, 1e-9);
}

TEST(DramDevices, Lpddr5SingleReadLatenciesFollowItsTimingTable) {
  // closed bank 1 + 15 + 20 + 2 = 38, row hit 1 + 20 + 2 = 23, conflict 1 + 15 + 15 + 20 + 2
  // = 53, conflict right after an ACT at 1001: 1001 + 34 + 15 + 15 + 20 + 2 = 1087
  DramH h(kLp5);
  expect_single_latencies(h, {B, CL, tRCD, tRP, tRAS});
}

TEST(DramDevices, Lpddr5SequentialReadsReachNinetyPercentAndStayUnderRefresh) {
  // Peak 51.2 GB/s; refresh takes tRFC / tREFI = 168 / 3125 = 5.4 % of each channel, so the
  // sequential stream lies in [90 %, 94.6 %]. Bank groups rotate below the column bits, so
  // consecutive bursts of a channel use tCCD_S = 2 = B.
  DramH h(kLp5);
  double pct = expect_seq_under_refresh(h, 200000, tRFC, tREFI), gbps;
  ASSERT_TRUE(stats_get(h.st, "dram.bandwidth_gbps", &gbps));
  EXPECT_NEAR(gbps, pct / 100.0 * 51.2, 1e-6);
}

TEST(DramDevices, Lpddr5RandomReadsLandAtTheActivateRateBound) {
  // One channel, random rows: every read needs an ACT. ACT rate <= min(4 / tFAW, 1 / tRRD,
  // 16 banks / (tRAS + tRP)) = min(0.25, 0.25, 0.327) = 0.25 /clk; a burst holds the bus
  // B = 2 clocks, so utilisation <= 0.25 x 2 = 0.5, times 1 - tRFC/tREFI = 0.946 -> 0.473.
  DramH h(kLp5);
  double u = ch0_random_utilisation(h, 4);
  double act_bound = std::min(4.0 / tFAW, 1.0 / tRRD);
  double expect = act_bound * B * (1.0 - double(tRFC) / double(tREFI));
  EXPECT_LE(u, act_bound * B + 0.002);
  EXPECT_GE(u, 0.95 * expect);
  EXPECT_LE(double(h.stat("dram.cmd_act")) / double(h.stat("dram.cycles")), act_bound + 1e-3);
}

TEST(DramDevices, BeatsPerClockDefaultsToTwoAndIsChecked) {
  DramH h("configs/dram/hbm2.json");
  EXPECT_EQ(h.cfg.org.beats_per_clock, 2u);  // DDR data on CK: BL4 holds the bus 2 clocks
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg), 256.0, 1e-9);
  EXPECT_NE(load_err(lp5_org("\"beats_per_clock\": 6")).find("'org.beats_per_clock' = 6 must be a power of two"),
            std::string::npos);
  EXPECT_NE(load_err(lp5_org("\"beats_per_clock\": 16")).find("org.beats_per_clock"), std::string::npos);
  EXPECT_NE(load_err(lp5_org("\"burst_length\": 4")).find("'org.burst_length' = 4 must be >= beats_per_clock 8"),
            std::string::npos);
}

TEST(DramDevices, BeatsPerClockScalesBurstTimeAndPeakOnly) {
  // lpddr5-6400 with beats_per_clock 4 (as at WCK:CK 2:1 and the same CK): a burst holds the
  // bus 4 clocks, the peak halves, a closed-bank read takes 2 clocks longer.
  DramH h(lp5_org("\"beats_per_clock\": 4"), "bpc4.json");
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg), 25.6, 1e-9);
  h.send(h.addr(0, 0, 0, 5, 0), false, 1);
  EXPECT_EQ(h.run_until(1), F + tRCD + CL + 4);
}

// ddr5-3200 (docs/dram.md, "ddr5-3200.json"): tCK 625 ps, DDR data (2 beats per clock), two
// 32-bit subchannels, BL16 = 64 B per burst, a burst holds the bus 16 / 2 = 8 clocks;
// CL 24, tRCD 24, tRP 24, tRAS 52, tRFC 472, tREFI 6240; F = 1.
namespace {
const char *kDdr5 = "configs/dram/ddr5-3200.json";
constexpr uint64_t D5B = 8, D5CL = 24, D5tRCD = 24, D5tRP = 24, D5tRAS = 52, D5tRFC = 472,
                   D5tREFI = 6240;
}  // namespace

TEST(DramDevices, Ddr5LoadsAsTwoSubchannelsOfADimmRank) {
  DramH h(kDdr5);
  // 32 bit x BL16 = 64 B; page = 1024 columns x 4 B = 4 KB per subchannel (1 KB per x8 die);
  // 2 x 32 banks x 65536 rows x 4 KB = 16 GiB (eight 16Gb dies);
  // 3200 MT/s x 64 bit = 25.6 GB/s: 64 B per 8 clocks of 0.625 ns per subchannel, two of them
  expect_shape(h, 2, 64, 4096, uint64_t(16) << 30, 3.2 * 64 / 8);
}

TEST(DramDevices, Ddr5SingleReadLatenciesFollowItsTimingTable) {
  // closed bank 1 + 24 + 24 + 8 = 57, row hit 33, conflict 81, after an ACT 1001 + 52 + 80
  DramH h(kDdr5);
  expect_single_latencies(h, {D5B, D5CL, D5tRCD, D5tRP, D5tRAS});
}

TEST(DramDevices, Ddr5SequentialReadsReachNinetyPercentAndStayUnderRefresh) {
  // refresh takes tRFC / tREFI = 472 / 6240 = 7.6 %: the stream lies in [90 %, 92.4 %]
  DramH h(kDdr5);
  expect_seq_under_refresh(h, 100000, D5tRFC, D5tREFI);
}

// gddr6-14000 (docs/dram.md, "gddr6-14000.json"): tCK 572 ps (CK 1.75 GHz), 8 data beats per
// CK, 16 x16 channels (eight 8Gb two-channel devices), BL16 = 32 B per burst, a burst holds the
// bus 16 / 8 = 2 clocks; CL 24, tRCDRD 27, tRP 27, tRAS 53, tRRD 8, tFAW 29, tRFC 210,
// tREFI 3321; VDD 1.35 V, per-channel IDD0 215, IDD2N 155, IDD3N 230, IDD4R 610 mA.
namespace {
const char *kG6 = "configs/dram/gddr6-14000.json";
constexpr uint64_t G6B = 2, G6CL = 24, G6tRCD = 27, G6tRP = 27, G6tRAS = 53, G6tRRD = 8,
                   G6tFAW = 29, G6tRFC = 210, G6tREFI = 3321;
constexpr double G6tCKns = 0.572, G6VDD = 1.35;
}  // namespace

TEST(DramDevices, Gddr6LoadsAsSixteenX16ChannelsOfEightDevices) {
  DramH h(kG6);
  // x16 x BL16 = 32 B; 2 KB page = 1024 columns x 2 B (64 columns x 256-bit prefetch);
  // 16 banks x 16384 rows x 2 KB = 512 MiB (4 Gb) per channel, 16 channels = 8 GiB;
  // 32 B per 2 CK of 0.572 ns = 27.97 GB/s per channel (16 pins x 14 Gb/s = 28 GB/s, the
  // 572 ps clock of the source rounds CK down by 0.1 %)
  expect_shape(h, 8, 32, 2048, uint64_t(8) << 30, 16 * 32 / (2 * G6tCKns));
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg) / h.cfg.org.channels, 16 * 14.0 / 8, 0.03);
}

TEST(DramDevices, Gddr6SingleReadLatenciesFollowItsTimingTable) {
  // closed bank 1 + 27 + 24 + 2 = 54, row hit 27, conflict 81, after an ACT 1001 + 53 + 80
  DramH h(kG6);
  expect_single_latencies(h, {G6B, G6CL, G6tRCD, G6tRP, G6tRAS});
}

TEST(DramDevices, Gddr6SequentialReadsReachNinetyPercentAndStayUnderRefresh) {
  // refresh takes tRFC / tREFI = 210 / 3321 = 6.3 %: the stream lies in [90 %, 93.7 %]
  DramH h(kG6);
  expect_seq_under_refresh(h, 100000, G6tRFC, G6tREFI);
}

TEST(DramDevices, Gddr6RandomReadsLandAtTheActivateRateBound) {
  // One channel, random rows: ACT rate <= min(4 / tFAW, 1 / tRRD) = min(0.138, 0.125) =
  // 0.125 /clk (16 banks / (tRAS + tRP) = 0.2 is looser); utilisation <= 0.125 x B = 0.25,
  // times 1 - tRFC/tREFI.
  DramH h(kG6);
  double u = ch0_random_utilisation(h, 16);
  double act_bound = std::min(4.0 / G6tFAW, 1.0 / G6tRRD);
  // no ACT while a channel refreshes, so the refresh share comes off the bound too
  EXPECT_LE(u, act_bound * G6B * (1.0 - double(G6tRFC) / double(G6tREFI)) + 0.002);
  EXPECT_GE(u, 0.95 * act_bound * G6B * (1.0 - double(G6tRFC) / double(G6tREFI)));
  EXPECT_LE(double(h.stat("dram.cmd_act")) / double(h.stat("dram.cycles")), act_bound + 1e-3);
}

TEST(DramDevices, Gddr6EnergiesFollowItsPerChannelCurrents) {
  DramH h(kG6);
  h.send(h.addr(0, 0, 0, 3), false, 1);
  h.run_until(1);
  dram_energy e;
  dram_get_energy(h.d, &e);
  // ACT+PRE: VDD (IDD0 tRC - (IDD3N tRAS + IDD2N tRP)) tCK, tRC = tRAS + tRP = 80:
  // 1.35 x (215 x 80 - (230 x 53 + 155 x 27)) x 0.572 = 1.35 x 825 x 0.572 = 637.065 pJ
  EXPECT_NEAR(e.act_pj, G6VDD * (215.0 * 80 - (230.0 * 53 + 155.0 * 27)) * G6tCKns, 1e-9);
  EXPECT_NEAR(e.act_pj, 637.065, 1e-9);
  // RD burst: VDD (IDD4R - IDD3N) B tCK = 1.35 x 380 x 2 x 0.572 = 586.872 pJ (2.29 pJ/bit)
  EXPECT_NEAR(e.rd_pj, 586.872, 1e-9);
}

TEST(DramDevices, Gddr6FourActivateWindowIsNotTheBindingBound) {
  // The source's tFAW (29) is below 4 x tRRD (32), as on the datasheet it encodes: five ACTs
  // to five banks land tRRD apart, the fifth at 4 x tRRD after the first, not at tFAW.
  DramH h(kG6);
  EXPECT_EQ(h.cfg.t.tFAW, G6tFAW);
  EXPECT_LT(G6tFAW, 4 * G6tRRD);
  for (uint64_t i = 0; i < 5; i++) h.send(h.addr(0, i % 4, i / 4, 7), false, 10 + i);
  for (uint64_t i = 0; i < 5; i++) h.run_until(10 + i);
  // ACTs at 1, 9, 17, 25, 33: the last read completes at 33 + tRCD + CL + B
  EXPECT_EQ(h.run_until(14), 1 + 4 * G6tRRD + G6tRCD + G6CL + G6B);
  EXPECT_EQ(h.stat("dram.cmd_act"), 5u);
}

TEST(DramDevices, Gddr6RefreshesEveryChannelAtTrefiWithItsIdd5) {
  DramH h(kG6);
  h.tick_to(G6tREFI - 1);
  EXPECT_EQ(h.stat("dram.cmd_ref"), 0u);
  h.tick_to(G6tREFI + 1);
  EXPECT_EQ(h.stat("dram.cmd_ref"), 16u);
  dram_energy e;
  dram_get_energy(h.d, &e);
  // 16 x VDD (IDD5AB - IDD3N) tRFC tCK = 16 x 1.35 x (395 - 230) x 210 x 0.572 pJ
  EXPECT_NEAR(e.ref_pj, 16 * G6VDD * (395.0 - 230.0) * double(G6tRFC) * G6tCKns, 1e-6);
}
